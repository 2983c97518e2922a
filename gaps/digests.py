"""The daily digest: one message per person per day at most, none when there is nothing new.

Apps contribute sections without this app knowing them: ``insights`` registers its "new feed
items" section in its ``AppConfig.ready``; this app contributes escalated gaps. A section is a
function ``(user, since, now) -> DigestSection | None``; ``since`` is when the person's last
digest went out (``None`` before the first), so nothing is told twice and nothing is lost if a
day is skipped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import DigestDelivery


@dataclass
class DigestSection:
    """One part of a digest: a title and the lines under it (with optional links)."""

    title: str
    lines: list[str] = field(default_factory=list)
    count: int = 0


SectionProvider = Callable[[User, datetime | None, datetime], DigestSection | None]

_sections: dict[str, SectionProvider] = {}
# Apps may widen who is asked for a digest (``roi`` adds the CX team and administrators, who
# hear of a failed rollup); a provider returns the ``Q`` on ``User`` of the people it adds.
_recipients: dict[str, Callable[[], Q]] = {}


def register_section(key: str, provider: SectionProvider) -> None:
    """Add (or replace, by key) a section every digest asks for."""
    _sections[key] = provider


def registered_sections() -> dict[str, SectionProvider]:
    return dict(_sections)


def register_recipients(key: str, provider: Callable[[], Q]) -> None:
    """Add (or replace, by key) people a digest can concern; they get one only when a
    section has something for them, as everyone else."""
    _recipients[key] = provider


def digest_recipients():
    """Everyone who owns a role or was escalated to, and whoever apps registered: the people a
    digest can concern."""
    concerned = Q(owned_roles__isnull=False) | Q(escalations__isnull=False)
    for provider in _recipients.values():
        concerned |= provider()
    return (
        User.objects.filter(is_active=True)
        .filter(concerned)
        .exclude(email="")
        .distinct()
        .select_related("language_preference")
        .annotate(last_digest_at=Max("digests__sent_at"))
    )


def digest_build(*, user: User, since: datetime | None, now: datetime) -> list[DigestSection]:
    """The non-empty sections of one person's digest."""
    sections = []
    for provider in _sections.values():
        section = provider(user, since, now)
        if section is not None and section.lines:
            sections.append(section)
    return sections


def digest_send(*, user: User, day: date, now: datetime | None = None) -> bool:
    """Send one person's digest for ``day`` unless sent already or empty; True if sent.

    The unique (recipient, day) row is written first, in the same transaction as the send
    decision: two runs at once cannot both send, and a failed send leaves no row behind.
    """
    now = now or timezone.now()
    since = getattr(user, "last_digest_at", None)
    if since is None:
        since = DigestDelivery.objects.filter(recipient=user).aggregate(m=Max("sent_at"))["m"]
    if DigestDelivery.objects.filter(recipient=user, day=day).exists():
        return False
    with translation.override(language_of(user)):
        return _digest_send(user=user, day=day, now=now, since=since)


def language_of(user: User) -> str:
    """The language the person chose on their preferences page, else the default.

    The preference is ``notifications.LanguagePreference`` (``user.language_preference``),
    read through the relation so that this app needs no import of that one; recipients of
    ``digests_send`` come with it joined.
    """
    preference = getattr(user, "language_preference", None)
    return preference.language if preference is not None else settings.LANGUAGE_CODE


def _digest_send(*, user: User, day: date, now: datetime, since: datetime | None) -> bool:
    sections = digest_build(user=user, since=since, now=now)
    if not sections:
        return False
    try:
        with transaction.atomic():
            DigestDelivery.objects.create(
                recipient=user,
                day=day,
                sent_at=now,
                summary={s.title: s.count or len(s.lines) for s in sections},
            )
            context = {"user": user, "sections": sections, "day": day}
            send_mail(
                subject=gettext("cxalign digest for %(day)s") % {"day": date_format(day, "d M Y")},
                message=render_to_string("gaps/digest.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
    except IntegrityError:
        return False  # Another run sent today's digest first.
    return True


def digests_send(*, day: date | None = None) -> int:
    """Send every due digest for ``day`` (default today); returns how many went out."""
    now = timezone.now()
    day = day or timezone.localdate(now)
    return sum(digest_send(user=user, day=day, now=now) for user in digest_recipients())
