"""The notification list, marking read (one or all) and the preferences page.

Marking read answers an htmx request with the updated fragment and a plain form post with a
redirect, so the pages work with and without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cxalign.requests import acting_user

from . import language as languages
from . import selectors, services
from .forms import PreferencesForm
from .models import Notification

PER_PAGE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(selectors.notifications_for(request.user)[:PER_PAGE])
    return render(
        request, "notifications/list.html", {"notifications": notifications, "per_page": PER_PAGE}
    )


def _safe_next(request: HttpRequest, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; ``open=1`` then goes where the notification points."""
    if not services.notification_mark_read(user=acting_user(request), notification_id=pk):
        return HttpResponse(_("No such notification."), status=404)
    if _is_htmx(request):
        notification = Notification.objects.select_related("actor").get(pk=pk)
        return render(
            request,
            "notifications/_item.html",
            {"notification": notification, "notifications_unread": None},
        )
    target = Notification.objects.filter(pk=pk).values_list("url", flat=True).first()
    if request.POST.get("open") and (url := _safe_next(request, target or "")):
        return HttpResponseRedirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=acting_user(request))
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = {k: str(v) for k, v in selectors.preferences_of(acting_user(request)).items()}
    form = PreferencesForm(
        request.POST or None,
        current=current,
        language=languages.language_of(acting_user(request)) or "",
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=acting_user(request), choices=form.delivery_choices())
        languages.language_set(
            user=acting_user(request), language=form.cleaned_data["language"], request=request
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("notifications:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
