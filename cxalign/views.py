"""The landing page: each person goes where their work is; the sign-in lockout page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gaps import permissions


def landing_url_name(user) -> str:
    """The page a person starts from: CX team → gaps, role owner → feed, executive → dashboard."""
    if permissions.is_cx_team(user):
        return "gaps:list"
    if permissions.is_role_owner(user):
        return "insights:my_feed"
    if permissions.is_executive(user):
        return "roi:dashboard"
    return "gaps:list"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url_name(request.user))


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed sign-ins: signing in as this user from here is locked for %(minutes)d "
        "minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed sign-ins: signing in as this user from here is locked for %(minutes)d "
        "minutes. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def sign_in_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' lockout answer: the sign-in form again, saying why, with status 429.

    Works for our sign-in page and the admin's alike: both answer a refused sign-in with their
    form, whose "enter a correct password" error would mislead here and is replaced.
    """
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if form is None or not isinstance(original_response, TemplateResponse):
        return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
    form.errors.pop(NON_FIELD_ERRORS, None)
    form.add_error(None, lockout_message())
    response = TemplateResponse(request, original_response.template_name, context, status=429)
    return response.render()


# --- Error pages: the site's look, its navigation and a way back --------------------------------

ERROR_PAGES = {
    403: (_("You cannot do this here"), _("Your account has no access to this page.")),
    404: (
        _("Page not found"),
        _("Nothing here: the address is wrong, or the item is not one you see."),
    ),
    500: (
        _("Something went wrong on our side"),
        _(
            "The error has been logged. Try again in a moment; if it keeps happening, tell the "
            "team."
        ),
    ),
}


def error_page(request: HttpRequest, status: int, why: str = "") -> HttpResponse:
    """One template for 403, 404 and 500; ``why`` is the reason a 403 was refused."""
    title, default_why = ERROR_PAGES[status]
    context = {"error_code": status, "error_title": title, "error_why": why or default_why}
    return render(request, "error.html", context, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403, saying why: the reason the check gave (``PermissionDenied("…")``)."""
    return error_page(request, 403, str(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The exception's text is for developers (a resolver dump or a query): never shown.
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 with the site's look; if even that fails (e.g. the database is gone), plain text."""
    try:
        return error_page(request, 500)
    except Exception:
        return HttpResponseServerError(
            ERROR_PAGES[500][1], content_type="text/plain; charset=utf-8"
        )
