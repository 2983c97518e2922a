"""Settings for the test suite: the real settings, with a test key and fast hashing.

Tests run on whatever ``DATABASE_URL`` and ``REDIS_URL`` say (CI: PostgreSQL and Redis; a bare
machine: SQLite). Celery runs tasks eagerly in tests unless a test starts a real worker
(``tests/conftest.py``), which switches eager mode off for its duration.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from cxalign.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A real worker started by tests/conftest.py runs these settings with eager mode off.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Tests pin exactly which days a run recomputes; the one test of the look-back sets it itself.
CXALIGN_ROLLUP_LATE_MARGIN_SECONDS = 0
# Many tests send bad tokens from 127.0.0.1 within a minute; the throttle's own test sets a
# low rate itself.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_failures"] = "10000/min"  # noqa: F405, S105
# The per-token and per-user rates would throttle the suite's busy clients; the throttling
# tests set low rates themselves.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"] = "100000/min"  # noqa: F405, S105
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] = "100000/min"  # noqa: F405
# Tests of other apps pin the exact outbox messages their writes queue, and their workers run
# only those; the embedding tasks are tested with it on (tests/reviews/test_matching.py). Off,
# vectors are computed on the first search instead.
CXALIGN_EMBED_ON_SAVE = False
