"""cxalign settings, read from the environment.

The embedded default (no variables set but ``DEBUG=1``) runs on a SQLite file under ``var/``
with Celery tasks executed eagerly in-process and a local-memory cache, so ``make run`` needs
Python alone. Production sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (Celery broker,
result store and cache) and ``SECRET_KEY``; without ``SECRET_KEY`` and with ``DEBUG`` off the
process refuses to start rather than fall back to a known key.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

# A known development key is acceptable only while DEBUG is on; production must bring its own.
_DEVELOPMENT_SECRET_KEY = "django-insecure-cxalign-development-only"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production refuses a default key)."
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "auditlog",
    "django_htmx",
    "gaps",
    "insights",
    # Before roi: its demo's rollup then counts the reviews' prevented gaps.
    "reviews",
    "roi",
    "outbox",
    "webhooks",
    "cxalign.idempotency",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cxalign.middleware.RefuseNulBytesMiddleware",
    "cxalign.api_errors.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the browser (Accept-Language); no language prefix in URLs.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A reading request reads each table version its cached counts are keyed on once.
    "cxalign.middleware.TableVersionsOncePerRequestMiddleware",
    # A signed-in person's own choice of language beats the browser's (kept in the session).
    "notifications.language.UserLanguageMiddleware",
    # request.htmx: views answer an htmx request with the part of the page it swaps.
    "django_htmx.middleware.HtmxMiddleware",
    "cxalign.middleware.SessionRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cxalign.middleware.AuditActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cxalign.middleware.NoStoreForSignedInMiddleware",
    # After authentication (keys are kept per user or token) and inside the no-store header,
    # so that a replayed answer carries it too.
    "cxalign.idempotency.middleware.IdempotencyKeyMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxalign.urls"
WSGI_APPLICATION = "cxalign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxalign.navigation.navigation",
                "insights.context_processors.feed_counts",
                "reviews.context_processors.overdue_reviews",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'cxalign.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: writers queue for the lock instead of failing with "database is
    # locked" (IMMEDIATE takes the write lock at BEGIN, so no reader-to-writer upgrade races).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL backend per request costs a fork, the sign-in and
# cold catalog caches (measured: a one-item occurrence POST took 107 ms with a new connection,
# 53 ms with a kept one). gunicorn's sync workers serve one request at a time, so a worker
# holds at most one connection; Celery's Django fixup closes them between tasks.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# With persistent connections (CONN_MAX_AGE > 0), check a kept connection before a request
# reuses it: one dropped by PostgreSQL (restart, failover, pg_terminate_backend) is replaced
# instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cxalign.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "cxalign.auth.SignInLockoutBackend",
    "cxalign.auth.LocalPasswordBackend",
    "cxalign.sso.backend.SsoBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Off: only superusers sign in with a password (the way in when the identity provider is
# down); everyone else through single sign-on.
CXALIGN_LOCAL_PASSWORDS = env.bool("CXALIGN_LOCAL_PASSWORDS", default=True)

# --- Single sign-on (OpenID Connect, mozilla-django-oidc; cxalign/sso/) ----------------------

# Off by default. On, it needs the issuer and the client's id and secret; the endpoints come
# from the issuer's discovery document unless set one by one (OIDC_OP_*_ENDPOINT).
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company account")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile groups")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
# The claim listing the person's groups at the provider, and which of them map to which of
# cxalign's groups ("provider group=cxalign group,…"). Unmapped groups give no access.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_MAP = env.dict(
    "OIDC_GROUP_MAP",
    default={"cx_team": "cx_team", "role_owner": "role_owner", "executive": "executive"},
)
# Set to a claim name (e.g. "cx_roles") to take role ownership from the provider: values
# "<team slug>:<slugified role name>"; unset, the CX team assigns owners (roles API, admin).
OIDC_ROLES_CLAIM = env.str("OIDC_ROLES_CLAIM", default="")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the hint for ending the provider's session on sign-out
LOGIN_REDIRECT_URL_FAILURE = "/accounts/sso/refused/"
if OIDC_ENABLED and not (OIDC_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "OIDC_ENABLED needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
    )

# --- Sign-in lockout (django-axes) and sessions --------------------------------------------

# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# locked for the cool-off (an administrator can unlock it sooner in the admin, "Access
# attempts"). Username and address together: a stranger cannot lock a colleague out from
# elsewhere, and one address cannot try many passwords on one account.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cxalign.views.sign_in_locked_out"
# Behind a proxy (gunicorn behind a load balancer): how many proxies append X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Idle timeout: a session ends after this long without a request. Requests renew it at most
# once per SESSION_RENEW_SECONDS (cxalign.middleware.SessionRenewalMiddleware), not on every
# request, which would write the session table on every page view.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=8 * 60 * 60)
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=5 * 60)

# --- Audit log (django-auditlog) --------------------------------------------------------------

# Every create, change and delete of these models, by anyone (pages, API, admin, tasks), with
# its actor, lands in auditlog's LogEntry, beside the gaps' own history (GapEvent). Only
# administrators read it, in the Django admin ("Log entries"). Not logged, on purpose (a test
# keeps this list complete): the gap history itself (GapEvent) and other append-only records
# the system writes (Occurrence, Escalation, DigestDelivery), and the ROI rollup tables, which
# are derived and recomputed nightly. Changes made with QuerySet.update() bypass model signals
# and so this log; the services use save() for every change a person makes.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "gaps.team", "exclude_fields": ["updated_at"]},
    {"model": "gaps.role", "m2m_fields": {"owners"}, "exclude_fields": ["updated_at"]},
    {"model": "gaps.touchpoint", "exclude_fields": ["updated_at"]},
    {"model": "gaps.theme", "exclude_fields": ["updated_at"]},
    {"model": "gaps.gap", "m2m_fields": {"themes"}, "exclude_fields": ["updated_at"]},
    {"model": "gaps.gapcomment", "m2m_fields": {"mentions"}},
    {"model": "gaps.apitoken", "mask_fields": ["key_hash"], "exclude_fields": ["last_used_at"]},
    {
        "model": "insights.insight",
        "m2m_fields": {"themes", "related_gaps"},
        "exclude_fields": ["updated_at"],
    },
    {
        "model": "insights.routingrule",
        "m2m_fields": {"themes", "target_roles"},
        "exclude_fields": ["updated_at"],
    },
    {"model": "insights.feeditem", "exclude_fields": ["updated_at"]},
    {"model": "roi.costmodel", "exclude_fields": ["updated_at"]},
    {
        "model": "webhooks.webhooksubscription",
        "mask_fields": ["secret"],
        "exclude_fields": ["updated_at", "failing_since"],
    },
    {
        "model": "auth.user",
        "m2m_fields": {"groups", "user_permissions"},
        "mask_fields": ["password"],
        "exclude_fields": ["last_login"],
    },
    {"model": "auth.group", "m2m_fields": {"permissions"}},
)
AUDITLOG_NOT_TRACKED = (
    "gaps.gapevent",
    "gaps.occurrence",
    "gaps.escalation",
    "gaps.digestdelivery",
    "roi.dailyrollup",
    "roi.monthlyteamrollup",
    "roi.monthlyrolerollup",
    "roi.gapsnapshot",
    "roi.rolluprun",
    "roi.dailyteamrollup",
    "roi.teamopencost",
    # Task hand-off bookkeeping: the change it carries is logged where it was made.
    "outbox.outboxmessage",
    # Append-only records the system writes: the delivery log and replayable API answers.
    "webhooks.webhookdelivery",
    "idempotency.idempotencykey",
    # What people are told and how they like to be told: theirs, written by the system.
    "notifications.notification",
    "notifications.notificationpreference",
    # A person's own list shortcuts: preferences, not business data.
    "gaps.savedgapview",
)

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en"
# The interface languages (docs/i18n.md). English is the default and the source language.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise: served by the app itself, no CDN, no extra web server) ---------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Pre-compressed copies (gzip, and brotli where the package is installed) are the production
# default; STATIC_COMPRESS=0 keeps the hashed manifest but skips compressing, for a proxy that
# compresses itself or a check of the manifest alone (brotli at its best quality is slow).
STATIC_COMPRESS = env.bool("STATIC_COMPRESS", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COMPRESS
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# --- Email (console by default; a real SMTP server is configured by EMAIL_URL) ----------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cxalign <cxalign@localhost>")

# --- Django REST Framework --------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gaps.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, with a nesting limit (a 1,000-deep body was a RecursionError, a 500). Form
    # bodies reached Django's multipart parser, whose refusals were HTML pages; any other
    # Content-Type is now a JSON 415, as the schema says.
    "DEFAULT_PARSER_CLASSES": ["gaps.api.parsers.DepthLimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": [
        "gaps.api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # ?page=&page_size= (at most 500) on every list; the occurrence list pages by cursor.
    "DEFAULT_PAGINATION_CLASS": "gaps.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    # Every operation's error statuses documented centrally (cxalign/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "cxalign.api_schema.ApiAutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "gaps.api.exceptions.exception_handler",
    # Bad "Authorization: Token …" headers per client address (gaps.api.authentication); past
    # the rate, that client's token requests are answered 429 until the window passes.
    # Requests per token and per signed-in user (cxalign.throttling), answered 429 with
    # Retry-After past the rate; counted in the cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": [
        "cxalign.throttling.TokenRateThrottle",
        "cxalign.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token_failures": env.str("CXALIGN_TOKEN_FAILURE_RATE", default="10/min"),
        "token": env.str("CXALIGN_API_TOKEN_RATE", default="600/min"),
        "user": env.str("CXALIGN_API_USER_RATE", default="1200/min"),
    },
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0) or None,
}

# --- drf-spectacular (OpenAPI 3; Swagger UI from the sidecar's local files, no CDN) -----------

SPECTACULAR_SETTINGS = {
    "TITLE": "cxalign API",
    "DESCRIPTION": "Customer Alignment: gaps, occurrences, insights, feeds and ROI.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "GapStatusEnum": "gaps.models.gaps.GapStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every POST documents the Idempotency-Key header and its 409.
        "cxalign.idempotency.schema.add_idempotency_key",
    ],
}

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis there is no broker: tasks run in-process, eagerly, and errors propagate.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# A task is acknowledged after it ran, so a worker lost mid-task hands it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Project-level tasks (cxalign is not an app, so autodiscovery does not reach it).
CELERY_IMPORTS = ["cxalign.tasks", "cxalign.idempotency.tasks"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Full re-routes of every published insight run on a queue of their own, served by their own
# worker (docker-compose.yml's ``worker-reroute``), so that however long they take they never
# hold up publishing, digests or the rollup on the default queue.
CELERY_REROUTE_QUEUE = env.str("CELERY_REROUTE_QUEUE", default="reroute")
CELERY_TASK_ROUTES = {
    "insights.tasks.route_published_insights": {"queue": CELERY_REROUTE_QUEUE},
}

# The whole beat schedule, in code. Jobs are staggered so that they never start together.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Every minute: hand the broker the outbox messages it missed (down, or lost them).
    "outbox-drain": {
        "task": "outbox.tasks.drain_outbox",
        "schedule": crontab(),
    },
    # Nightly, after midnight UTC: yesterday's (and late-touched) rollup rows for the dashboard.
    "roi-rollup-nightly": {
        "task": "roi.tasks.rollup_nightly",
        "schedule": crontab(minute=15, hour=0),
    },
    # Nightly: re-route published insights, so feeds follow gaps re-attributed during the day.
    "insights-reroute-nightly": {
        "task": "insights.tasks.route_published_insights",
        "schedule": crontab(minute=45, hour=0),
    },
    # Hourly: flag overdue gaps and escalate them up the causing team's hierarchy.
    "gaps-escalate-overdue": {
        "task": "gaps.tasks.escalate_overdue_gaps",
        "schedule": crontab(minute=5),
    },
    # Every morning: one digest per person, escalated gaps and new feed items; at most one a day.
    "reviews-notify-due": {
        "task": "reviews.tasks.notify_reviews_due",
        "schedule": crontab(minute=0, hour=6),
    },
    "daily-digest": {
        "task": "gaps.tasks.send_daily_digests",
        "schedule": crontab(minute=30, hour=6),
    },
    # Every minute: webhook deliveries whose retry is due (and first attempts a broker lost).
    "webhooks-deliver-due": {
        "task": "webhooks.tasks.deliver_due",
        "schedule": crontab(),
    },
    # Hourly at :25: forget Idempotency-Key answers past their keeping time (24 h).
    "idempotency-purge": {
        "task": "cxalign.idempotency.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=25),
    },
}

# --- Security (production profile: passes `manage.py check --deploy` with no warnings) --------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) ------------------------------------------------------

# Everything from our own origin, nothing inline: pages load their scripts and styles from
# static files (templates carry no <script> body, no on*= handler and no style attribute), so
# an injected script or style has nowhere to run. Chart data travels as json_script blocks,
# which are data, not script.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if OIDC_ENABLED:
    # Signing out posts a form whose answer redirects to the provider's end-session page:
    # browsers hold that redirect to form-action.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_issuer.scheme}://{_issuer.netloc}"
    )

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- cxalign ----------------------------------------------------------------------------------

# Days the causing role has to acknowledge, and to remedy, a gap of each severity.
CXALIGN_ACKNOWLEDGE_DAYS = {5: 2, 4: 5, 3: 10, 2: 20, 1: 30}
CXALIGN_REMEDY_DAYS = {5: 14, 4: 30, 3: 60, 2: 90, 1: 120}
# Occurrences before closing that the recurring flag compares against (the ROI cost model has
# its own, versioned window for savings).
CXALIGN_RECURRING_BASELINE_DAYS = 90
# How long the author of a comment on a gap may still correct it (gaps.comments).
CXALIGN_COMMENT_EDIT_MINUTES = env.int("CXALIGN_COMMENT_EDIT_MINUTES", default=15)
# The nightly rollup treats occurrences stamped this long before the previous run started as
# possibly late: their ingest transaction may have committed after that run read the table.
CXALIGN_ROLLUP_LATE_MARGIN_SECONDS = env.int("CXALIGN_ROLLUP_LATE_MARGIN_SECONDS", default=900)
# Outbox (outbox.services): an unsent message is the drain's after this grace (its on-commit
# hand-off had its chance); one sent but not started after the re-send delay is sent again (the
# broker may have lost it); started messages are kept this many days, for the admin.
CXALIGN_OUTBOX_SEND_GRACE_SECONDS = env.int("CXALIGN_OUTBOX_SEND_GRACE_SECONDS", default=10)
CXALIGN_OUTBOX_RESEND_AFTER_SECONDS = env.int(
    "CXALIGN_OUTBOX_RESEND_AFTER_SECONDS", default=60 * 30
)
CXALIGN_OUTBOX_KEEP_DAYS = env.int("CXALIGN_OUTBOX_KEEP_DAYS", default=7)
# A read of the ROI summary or dashboard while the rollup is due queues at most one refresh per
# this many seconds (with a broker; in eager mode the read brings the rollup up to date itself).
CXALIGN_ROLLUP_REFRESH_MIN_SECONDS = env.int("CXALIGN_ROLLUP_REFRESH_MIN_SECONDS", default=120)

# --- Webhooks and idempotent writes -------------------------------------------------------

# Where people open cxalign: links in Slack and Teams messages and in mails point here.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Connect and read limit of one webhook attempt: a hanging receiver releases the worker.
CXALIGN_WEBHOOK_TIMEOUT_SECONDS = env.float("CXALIGN_WEBHOOK_TIMEOUT_SECONDS", default=10)
# Finished deliveries are kept this long in the log.
CXALIGN_WEBHOOK_KEEP_DAYS = env.int("CXALIGN_WEBHOOK_KEEP_DAYS", default=30)
# An Idempotency-Key's first answer is replayed for this long.
CXALIGN_IDEMPOTENCY_KEEP_HOURS = env.int("CXALIGN_IDEMPOTENCY_KEEP_HOURS", default=24)
# Change reviews and duplicate checks match by meaning when the `embeddings` extra is installed
# (reviews.similarity); `CXALIGN_MATCH_BY_MEANING=0` keeps them on TF-IDF words even then.
CXALIGN_MATCH_BY_MEANING = env.bool("CXALIGN_MATCH_BY_MEANING", default=True)
# A saved gap, insight or review queues the task that embeds its text (reviews.receivers);
# off, vectors are computed on the next search instead (reviews.similarity._fill_if_new).
CXALIGN_EMBED_ON_SAVE = env.bool("CXALIGN_EMBED_ON_SAVE", default=True)
