"""Telling people things: ``notify`` for one event, ``notify_many`` for a batch; marking read.

Every app that tells someone something calls these (comments' mentions, routing's new feed
items, escalations, the recurring flag, change reviews due). Each person's preference per kind
decides whether a notification shows under the bell, goes in the daily digest, both or
neither; the preferences of a whole batch are read in one query and the notifications written
in one insert, so routing thousands of feed items adds two queries, not two per row.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .models import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from .selectors import forget_unread_counts


@dataclass(frozen=True)
class Draft:
    """One notification to write: to whom, of what kind, saying what, pointing where."""

    recipient_id: int
    kind: str
    title: str
    url: str = ""
    actor_id: int | None = None


def deliveries_for(
    user_ids: Iterable[int], kinds: Iterable[str]
) -> dict[tuple[int, str], Delivery]:
    """Each (person, kind)'s chosen delivery, the default where none was chosen: one query."""
    user_ids, kinds = set(user_ids), set(kinds)
    chosen = {
        (user_id, kind): Delivery(delivery)
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        ).values_list("user_id", "kind", "delivery")
    }
    return {
        (user_id, kind): chosen.get((user_id, kind), DEFAULT_DELIVERY)
        for user_id in user_ids
        for kind in kinds
    }


def notify_many(drafts: Iterable[Draft]) -> list[Notification]:
    """Write the drafts each person wants (in the app, the digest or both): two queries.

    Nobody is told of their own doing (a draft whose actor is its recipient is dropped), and
    a person who chose "neither" for a kind gets no row at all.
    """
    drafts = [d for d in drafts if d.recipient_id != d.actor_id]
    if not drafts:
        return []
    wanted = deliveries_for({d.recipient_id for d in drafts}, {d.kind for d in drafts})
    now = timezone.now()
    rows = []
    for draft in drafts:
        delivery = wanted[(draft.recipient_id, draft.kind)]
        if delivery == Delivery.NONE:
            continue
        rows.append(
            Notification(
                recipient_id=draft.recipient_id,
                kind=draft.kind,
                title=draft.title[: Notification._meta.get_field("title").max_length],
                url=draft.url,
                actor_id=draft.actor_id,
                in_app=delivery.in_app,
                in_digest=delivery.in_digest,
                created_at=now,
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    forget_unread_counts(row.recipient_id for row in created if row.in_app)
    return created


def notify(
    *,
    recipients: Iterable[User | int],
    kind: NotificationKind | str,
    title: str,
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Tell ``recipients`` one thing (each once, whatever the input repeats).

    The entry point for other apps, e.g. change reviews:
    ``notify(recipients=owners, kind=NotificationKind.REVIEW_DUE, title=…, url=…)``.
    """
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    ids = dict.fromkeys(r if isinstance(r, int) else r.pk for r in recipients)
    return notify_many(
        Draft(recipient_id=i, kind=str(kind), title=title, url=url, actor_id=actor_id) for i in ids
    )


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False if it is not theirs (or unknown)."""
    found = Notification.objects.filter(pk=notification_id, recipient=user)
    if not found.exists():
        return False
    if found.filter(read_at__isnull=True).update(read_at=timezone.now()):
        forget_unread_counts([user.pk])
    return True


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the person read; how many were."""
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget_unread_counts([user.pk])
    return count


@transaction.atomic
def preferences_set(*, user: User, choices: Mapping[str, str]) -> None:
    """Store the person's delivery per kind (``{kind: delivery}``); unknown values refused."""
    for kind, delivery in choices.items():
        NotificationKind(kind), Delivery(delivery)  # ValueError on anything not a choice
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )
