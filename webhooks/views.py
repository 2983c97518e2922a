"""The CX team's webhook pages: subscriptions, their delivery log and "send test event"."""

import copy
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxalign.requests import acting_user

from . import selectors, services
from .forms import SubscriptionForm
from .models import WebhookSubscription
from .permissions import can_manage_webhooks

LOG_PAGE = 50
NEW_SECRET = "webhooks:new-secret"  # noqa: S105 - a session key's name


def _managers_only(request: HttpRequest) -> None:
    if not can_manage_webhooks(request.user):
        raise PermissionDenied(_("Only the CX team manages webhooks."))


def _subscription(request: HttpRequest, pk: int) -> WebhookSubscription:
    return get_object_or_404(selectors.subscriptions_for_user(request.user), pk=pk)


@login_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    subscriptions = selectors.subscriptions_for_user(request.user).order_by("-created_at", "-id")
    return render(request, "webhooks/list.html", {"subscriptions": subscriptions})


def _save(request: HttpRequest, form: SubscriptionForm, subscription=None):
    """Call the service with the form's data; its errors go beside the fields."""
    fields = dict(form.cleaned_data)
    secret = fields.pop("secret", "")
    try:
        if subscription is None:
            return services.subscription_create(actor=acting_user(request), secret=secret, **fields)
        return services.subscription_update(
            subscription=subscription, actor=acting_user(request), secret=secret, **fields
        )
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return None


@login_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    form = SubscriptionForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        subscription = _save(request, form)
        if subscription is not None:
            # Shown once, on the next page, then gone from the session.
            request.session[NEW_SECRET] = [subscription.pk, subscription.secret]
            messages.success(request, _("Subscription created."))
            return redirect(subscription)
    return render(request, "webhooks/form.html", {"form": form})


@login_required
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    subscription = _subscription(request, pk)
    # The form validates a copy: the service compares what changes against the stored row.
    form = SubscriptionForm(request.POST or None, instance=copy.copy(subscription))
    if request.method == "POST" and form.is_valid():
        if _save(request, form, subscription) is not None:
            messages.success(request, _("Subscription saved."))
            return redirect(subscription)
    return render(request, "webhooks/form.html", {"form": form, "subscription": subscription})


@login_required
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The subscription and its delivery log, newest first, older pages by keyset."""
    _managers_only(request)
    subscription = _subscription(request, pk)
    deliveries = selectors.deliveries_of(subscription)
    before = parse_datetime(request.GET.get("before", "")) if request.GET.get("before") else None
    if isinstance(before, datetime):
        deliveries = deliveries.filter(created_at__lt=before)
    page = list(deliveries[: LOG_PAGE + 1])
    new_secret = None
    stored = request.session.get(NEW_SECRET)
    if stored and stored[0] == subscription.pk:
        new_secret = request.session.pop(NEW_SECRET)[1]
    return render(
        request,
        "webhooks/detail.html",
        {
            "subscription": subscription,
            "deliveries": page[:LOG_PAGE],
            "older": page[LOG_PAGE - 1].created_at.isoformat() if len(page) > LOG_PAGE else None,
            "new_secret": new_secret,
        },
    )


@login_required
@require_POST
def subscription_test(request: HttpRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    subscription = _subscription(request, pk)
    services.webhook_send_test(subscription=subscription, actor=acting_user(request))
    messages.success(request, _("Test event sent: its delivery is at the top of the log."))
    return redirect(subscription)
