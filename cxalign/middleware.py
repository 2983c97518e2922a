"""Project-wide request guards that belong to no single app."""

from collections.abc import Callable

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject

NUL_MESSAGE = "Null characters are not allowed."
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
        if request.method == "POST" and request.content_type in FORM_TYPES:
            refused += _names_with_nul(request.POST)
        if "\x00" in request.path:
            refused.insert(0, "path")
        if not refused:
            return self.get_response(request)
        if request.path.startswith("/api/"):
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
