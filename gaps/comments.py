"""The conversation on a gap: who may comment, writing and correcting comments, mentions.

Anyone who may see a gap and may write at all comments on it (the CX team, role owners,
integrations; executives read only, as everywhere). Visibility is the gap list's own
(``selectors.gaps_for_user``), so nobody comments on a gap they could not open. A comment may
be corrected by its author for ``CXALIGN_COMMENT_EDIT_MINUTES``; only an administrator deletes
one, and that leaves a line in the gap's history.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from notifications.models import NotificationKind
from notifications.services import notify

from . import permissions
from .models import Gap, GapComment, GapEvent
from .models.comments import MAX_COMMENT_LENGTH

# "@name" not preceded by a word character (so e-mail addresses are not mentions); Django
# usernames hold letters, digits and @ . + - _. A trailing full stop ends the sentence.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")


def may_comment(user: User | AnonymousUser) -> bool:
    """Whether the person may write comments at all (on gaps they can see)."""
    return (
        permissions.is_cx_team(user)
        or permissions.is_role_owner(user)
        or permissions.is_integration(user)
    )


def mentioned_names(body: str) -> list[str]:
    """The usernames a text mentions, in order, each once."""
    return list(dict.fromkeys(name.rstrip(".") for name in MENTION.findall(body)))


def mentionable_users(names: list[str]) -> QuerySet[User]:
    """Active people among ``names`` who may see gaps (a cxalign group or administrator)."""
    if not names:
        return User.objects.none()
    return (
        User.objects.filter(username__in=names, is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__isnull=False))
        .distinct()
    )


def comments_of(gap: Gap) -> QuerySet[GapComment]:
    """A gap's comments, oldest first, with authors and mentions (three queries in all)."""
    return (
        gap.comments.select_related("author")
        .prefetch_related(Prefetch("mentions", queryset=User.objects.order_by("username")))
        .order_by("created_at", "id")
    )


def editable_until(comment: GapComment):
    return comment.created_at + timedelta(minutes=settings.CXALIGN_COMMENT_EDIT_MINUTES)


def may_edit(user: User | AnonymousUser, comment: GapComment, *, now=None) -> bool:
    """The author, within the edit window."""
    now = now or timezone.now()
    return bool(
        user.is_authenticated and comment.author_id == user.pk and now < editable_until(comment)
    )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": gettext("Write something to comment.")})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {
                "body": gettext("At most %(limit)s characters (this has %(length)s).")
                % {"limit": MAX_COMMENT_LENGTH, "length": len(body)}
            }
        )
    return body


def _mention(comment: GapComment, *, actor: User, already: set[int]) -> None:
    """Link the people the comment mentions; tell those not mentioned before."""
    mentioned = list(mentionable_users(mentioned_names(comment.body)))
    comment.mentions.set(mentioned)
    fresh = [user for user in mentioned if user.pk not in already]
    if fresh:
        gap = comment.gap
        notify(
            recipients=fresh,
            kind=NotificationKind.MENTION,
            title=f"{actor.get_full_name() or actor.username} mentioned you on gap #{gap.pk}: "
            f"{gap.title}",
            url=comment.get_absolute_url(),
            actor=actor,
        )


@transaction.atomic
def comment_create(*, gap: Gap, author: User, body: str) -> GapComment:
    """Add a comment to a gap the author can see; mentioned people are told.

    The caller has found ``gap`` through ``gaps_for_user(author)`` (outside it: 404).
    """
    if not may_comment(author):
        raise PermissionDenied(_("Read-only access: you cannot comment on gaps."))
    comment = GapComment.objects.create(gap=gap, author=author, body=_clean_body(body))
    _mention(comment, actor=author, already=set())
    return comment


@transaction.atomic
def comment_edit(*, comment: GapComment, actor: User, body: str) -> GapComment:
    """Correct a comment: its author only, within the edit window. Newly mentioned people
    are told; those mentioned before are not told twice."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only its author may edit a comment."))
    if not may_edit(actor, comment):
        minutes = settings.CXALIGN_COMMENT_EDIT_MINUTES
        raise PermissionDenied(
            ngettext(
                "A comment can be edited for %(minutes)d minute after posting.",
                "A comment can be edited for %(minutes)d minutes after posting.",
                minutes,
            )
            % {"minutes": minutes}
        )
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    _mention(comment, actor=actor, already=set(comment.mentions.values_list("pk", flat=True)))
    return comment


@transaction.atomic
def comment_delete(*, comment: GapComment, actor: User) -> None:
    """Delete a comment: administrators only, and the gap's history says so."""
    if not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may delete a comment."))
    author = comment.author.username if comment.author else "a former user"
    GapEvent.objects.create(
        gap_id=comment.gap_id,
        kind=GapEvent.Kind.COMMENT_DELETED,
        actor=actor,
        note=f"A comment by {author} of {comment.created_at:%Y-%m-%d %H:%M} was deleted "
        "by an administrator.",
    )
    comment.delete()
