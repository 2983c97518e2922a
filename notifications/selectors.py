"""Reads of notifications and preferences, always the signed-in person's own."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection, transaction
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


# The bell's number is on every page: kept in the cache per person and dropped whenever it
# changes (``services``), so a page costs no query for it; the lifetime only bounds staleness
# should a drop ever be missed.
BELL_TTL_SECONDS = 300


def bell_key(user_id: int) -> str:
    return f"cxalign:bell:{connection.settings_dict['NAME']}:{user_id}"


def unread_count(user: User | AnonymousUser) -> int:
    """The bell's number: unread in-app notifications (index ``notification_unread``)."""
    if not user.is_authenticated:
        return 0
    key = bell_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            recipient=user, in_app=True, read_at__isnull=True
        ).count()
        cache.set(key, count, BELL_TTL_SECONDS)
    return count


def forget_unread_counts(user_ids: Iterable[int]) -> None:
    """Drop the cached bell numbers of these people now, and again once the current
    transaction commits (a read in between would have cached the old number again)."""
    keys = [bell_key(user_id) for user_id in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


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
