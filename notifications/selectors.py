"""Reads of notifications and preferences, always the signed-in person's own."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from .models import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)


def notifications_for(user: User | AnonymousUser) -> QuerySet[Notification]:
    """The person's notifications shown in the app, newest first (index ``notification_inbox``)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user, in_app=True)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def unread_count(user: User | AnonymousUser) -> int:
    """The bell's number (index ``notification_unread``)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def preferences_of(user: User) -> dict[str, Delivery]:
    """The person's delivery for every kind, defaults filled in, in the kinds' order."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: Delivery(chosen.get(kind, DEFAULT_DELIVERY)) for kind in NotificationKind.values}


def wants_in_digest(user: User, kind: str) -> bool:
    """Whether the person wants this kind in their daily digest (the digest sections ask)."""
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return Delivery(chosen or DEFAULT_DELIVERY).in_digest
