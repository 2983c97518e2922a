"""JSON for every error under ``/api/``: what Django itself answers there is never an HTML page.

DRF turns the errors of its views into JSON, but some answers come before or around them:
an unknown API URL (404), a request Django refuses while reading it (400: a bad Host header,
a malformed body), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413) and an unexpected crash
(500). The handlers here answer those with ``{"detail": …}`` under ``/api/`` and keep Django's
pages everywhere else.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views import defaults

from cxalign import views as pages

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(detail: str, status: int) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    add_never_cache_headers(response)
    return response


def too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json_error(
        gettext("The request body is larger than %(limit)s bytes: send smaller batches.")
        % {"limit": limit},
        status=413,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a body too large is a 413; any other refused request a JSON 400."""
    if not is_api(request):
        return defaults.bad_request(request, exception or BadRequest())
    if isinstance(exception, RequestDataTooBig):
        return too_large()
    return json_error(gettext("The request could not be read."), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: JSON under /api/, the site's page (saying why) elsewhere."""
    if not is_api(request):
        return pages.permission_denied(request, exception or PermissionDenied())
    return json_error(str(exception) or gettext("You may not do this."), status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return pages.page_not_found(request, exception or Http404())
    return json_error(gettext("No API endpoint at this URL (see /api/schema/)."), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api(request):
        return pages.server_error(request)
    return json_error(gettext("Something went wrong on our side; it has been logged."), status=500)


class ApiBodyLimitMiddleware:
    """Refuse an API body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with a 413.

    DRF's parsers read the request stream directly, so Django's limit (enforced when
    ``request.body`` is read) never applied to JSON bodies: a 100 MB list was read whole into
    memory. The declared ``Content-Length`` is checked before anything is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return json_error("Content-Length is not a number.", status=400)
            if length > limit:
                return too_large()
        return self.get_response(request)
