"""Telling a subscription's creator it was switched off: an e-mail at once, and a line in
their next daily digest (``gaps.digests``, registered in ``WebhooksConfig.ready``)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from gaps.digests import DigestSection, language_of

from .messages import absolute_url
from .models import WebhookSubscription


def tell_switched_off(subscription_id: int) -> bool:
    """Mail the creator of a switched-off subscription; False when there is nobody to tell."""
    subscription = (
        WebhookSubscription.objects.select_related("created_by").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.created_by is None:
        return False
    creator = subscription.created_by
    if not creator.email:
        return False
    with translation.override(language_of(creator)):
        subject = gettext("cxalign: webhook to %(url)s switched off") % {"url": subscription.url}
        message = gettext(
            "The webhook subscription “%(subscription)s” failed every delivery for a day and "
            "has been switched off."
        ) % {"subscription": subscription}
        fix = gettext("Fix the receiver, send a test event and switch it on again:")
    send_mail(
        subject=subject,
        message=(
            f"{message}\n\n{subscription.disabled_reason}\n\n{fix}\n"
            f"{absolute_url(subscription.get_absolute_url())}\n"
        ),
        from_email=None,
        recipient_list=[creator.email],
    )
    return True


def switched_off_section(user: User, since: datetime | None, now: datetime) -> DigestSection | None:
    """The person's subscriptions switched off since their last digest."""
    switched = WebhookSubscription.objects.filter(
        created_by=user, active=False, disabled_at__isnull=False, disabled_at__lte=now
    )
    if since is not None:
        switched = switched.filter(disabled_at__gt=since)
    lines = [
        f"{subscription}: {subscription.disabled_reason} "
        f"{absolute_url(subscription.get_absolute_url())}"
        for subscription in switched.order_by("disabled_at")
    ]
    if not lines:
        return None
    return DigestSection(title=gettext("Webhooks switched off"), lines=lines, count=len(lines))


def switched_off_recipients() -> Q:
    """Creators of switched-off subscriptions may need a digest."""
    return Q(webhook_subscriptions__disabled_at__isnull=False)
