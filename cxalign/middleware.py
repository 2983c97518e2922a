"""Project-wide request guards that belong to no single app."""

import time
from collections.abc import Callable

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from gaps.pagination import versions_read_once

NUL_MESSAGE = _("Null characters are not allowed.")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _names_with_nul(params) -> list[str]:
    return sorted(
        name.replace("\x00", "\\x00")
        for name, values in params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    )


class RefuseNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path, a query parameter or a posted form field.

    No PostgreSQL text column takes a NUL byte: a filter such as ``?theme=%00`` reached the
    database as a lookup and came back as a ``DataError`` (a 500). Refusing it here covers
    every page, filter and form at once; JSON bodies are checked field by field by the API's
    serializers (``gaps.api.fields.SlugRefField`` and DRF's text fields).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = _names_with_nul(request.GET)
        # The API takes JSON only (a form body is its 415): its forms are never parsed here.
        is_api = request.path.startswith("/api/")
        if request.method == "POST" and request.content_type in FORM_TYPES and not is_api:
            refused += _names_with_nul(request.POST)
        if "\x00" in request.path:
            refused.insert(0, "path")
        if not refused:
            return self.get_response(request)
        response: HttpResponse
        if is_api:
            response = JsonResponse({name: [NUL_MESSAGE] for name in refused}, status=400)
        else:
            response = HttpResponseBadRequest(
                f"{NUL_MESSAGE} ({', '.join(refused)})", content_type="text/plain; charset=utf-8"
            )
        add_never_cache_headers(response)
        return response


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every signed-in page and every API answer.

    What a signed-in person sees (gaps, savings, feeds) must not stay in a shared or browser
    cache after they sign out. API answers get it whatever their authentication, since token
    clients are authenticated inside the view, after this middleware looked. Static files are
    served by whitenoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, reading the actor when an entry is written.

    auditlog reads ``request.user`` as the request arrives; API clients with a token are
    authenticated later, inside the view (DRF then sets ``request.user``), so their changes
    were logged without an actor. A lazy actor is read when the first entry is saved.
    """

    @staticmethod
    def _get_actor(request: HttpRequest):
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))


RENEWED_AT = "_renewed_at"


def renew_session(request: HttpRequest) -> None:
    """Push the session's expiry a full idle timeout ahead, and remember when."""
    request.session[RENEWED_AT] = int(time.time())


class SessionRenewalMiddleware:
    """The idle timeout: a signed-in session is renewed (its expiry pushed a full
    ``SESSION_COOKIE_AGE`` ahead) at most once per ``SESSION_RENEW_SECONDS``.

    Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) would do the same at
    the price of a write per request; renewing every few minutes ends an idle session at most
    that much earlier than the timeout says. Sign-in stamps the session (``renew_session`` from
    the ``user_logged_in`` receiver in ``cxalign.auth``), so its first request writes nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and "_auth_user_id" in session:
            renewed_at = session.get(RENEWED_AT, 0)
            if time.time() - renewed_at >= settings.SESSION_RENEW_SECONDS:
                renew_session(request)
        return self.get_response(request)


class TableVersionsOncePerRequestMiddleware:
    """Each table version a reading request needs is read once (``gaps.pagination``).

    A page's lists, counts and navigation badges each key their cached figures on the version
    of the tables they read; without this a feed read the same two-table version three times.
    Only GET and HEAD: a request that writes reads versions afresh after its writes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with versions_read_once():
            return self.get_response(request)
