"""The gap status machine as data: which moves exist and who may make each.

``gaps.services.gap_transition`` enforces it; pages and the API ask ``moves_for`` which buttons
and choices to offer, so the table below is the single source of truth.

Who: the CX team may make every move; a role owner only on gaps attributed to a role they own
and only the moves marked ``owner``; executives and integrations make none.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cxalign.text import Text

from .models import Gap
from .models.gaps import GapStatus as S
from .permissions import acts_as_owner, is_cx_team


@dataclass(frozen=True)
class Move:
    """One legal status change."""

    source: str
    target: str
    label: Text
    owner: bool = False  # a role owner of the causing role may make it
    needs_note: Text = ""  # a note is required; the text says what it must say
    needs_root_cause: bool = False


ALL_LIVE = (S.OPEN, S.ACKNOWLEDGED, S.IN_REMEDY, S.CLOSED, S.DISPUTED, S.PREVENTED)

MOVES: tuple[Move, ...] = (
    Move(S.OPEN, S.ACKNOWLEDGED, _("Acknowledge"), owner=True),
    Move(S.OPEN, S.DISPUTED, _("Dispute"), owner=True, needs_note=_("the reason for the dispute")),
    Move(S.ACKNOWLEDGED, S.DISPUTED, _("Dispute"), owner=True, needs_note=_("the reason")),
    Move(S.ACKNOWLEDGED, S.IN_REMEDY, _("Start remedy"), owner=True),
    Move(S.ACKNOWLEDGED, S.CLOSED, _("Close"), owner=True, needs_root_cause=True),
    Move(S.IN_REMEDY, S.CLOSED, _("Close"), owner=True, needs_root_cause=True),
    # The CX team re-attributes a disputed gap (optionally to another role) and reopens it.
    Move(S.DISPUTED, S.OPEN, _("Re-attribute and reopen")),
    # The causing role withdraws its dispute and accepts the gap after all.
    Move(S.DISPUTED, S.ACKNOWLEDGED, _("Accept after all"), owner=True),
    # A closed gap whose customers keep meeting it (the recurring flag) is reopened.
    Move(S.CLOSED, S.OPEN, _("Reopen"), owner=True, needs_note=_("why it is reopened")),
    *(Move(source, S.ARCHIVED, _("Archive")) for source in ALL_LIVE),
    Move(S.ARCHIVED, S.OPEN, _("Restore")),
)

_BY_KEY = {(move.source, move.target): move for move in MOVES}


class MoveConflict(ValidationError):
    """The gap changed (moved or re-attributed) after the caller read it; the move is stale.

    A ``ValidationError``, so that pages show it as a form error like any refused move; the
    API answers it with 409 Conflict, telling a client to read the gap again, not to fix its
    input.
    """

    @classmethod
    def gap_changed(cls, gap: Gap) -> "MoveConflict":
        return cls(
            {
                "to": (
                    "Someone changed this gap meanwhile: it is now "
                    f"{Gap.Status(gap.status).label.lower()}, attributed to "
                    f"{gap.causing_role}. Reload it and choose again."
                )
            }
        )


def find_move(source: str, target: str) -> Move | None:
    return _BY_KEY.get((source, target))


__all__ = ["MOVES", "Move", "MoveConflict", "acts_as_owner", "find_move", "may_make", "moves_for"]


def may_make(user, gap: Gap, move: Move) -> bool:
    if is_cx_team(user):
        return True
    return move.owner and acts_as_owner(user, gap)


def moves_for(user, gap: Gap) -> list[Move]:
    """The moves ``user`` may make on ``gap`` now, in table order."""
    return [m for m in MOVES if m.source == gap.status and may_make(user, gap, m)]
