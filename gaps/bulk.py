"""Bulk actions of the CX team on the gap list: the one-gap services, applied to each gap.

Nothing here writes a gap itself: re-attributing and adding a theme go through
``services.gap_update`` and archiving through ``services.gap_transition``, so every gap gets
the same checks and the same history entry as when changed on its own page.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Gap, Role, Theme
from .models.gaps import GapStatus as S
from .permissions import is_cx_team


class BulkAction(models.TextChoices):
    REATTRIBUTE = "reattribute", _("Re-attribute to a role")
    ADD_THEME = "add_theme", _("Add a theme")
    ARCHIVE = "archive", _("Archive")


@dataclass
class BulkResult:
    """Which gaps changed, and why the others did not (title → reason)."""

    changed: list[Gap] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def _reason(error: ValidationError) -> str:
    return " ".join(error.messages)


def gaps_bulk_apply(
    *,
    gaps: Iterable[Gap],
    actor,
    action: str,
    role: Role | None = None,
    theme: Theme | None = None,
    note: str = "",
) -> BulkResult:
    """Apply ``action`` to each gap; a gap the service refuses is reported, the rest change."""
    if not is_cx_team(actor):
        raise PermissionDenied(gettext("Only the CX team changes gaps in bulk."))
    result = BulkResult()
    for gap in gaps:
        try:
            if action == BulkAction.REATTRIBUTE:
                services.gap_update(gap=gap, actor=actor, causing_role=role)
            elif action == BulkAction.ADD_THEME:
                themes = [*gap.themes.all(), theme]
                services.gap_update(gap=gap, actor=actor, themes=themes)
            elif action == BulkAction.ARCHIVE:
                services.gap_transition(gap=gap, to=S.ARCHIVED, actor=actor, note=note)
            else:
                raise ValidationError(gettext("Unknown action “%(action)s”.") % {"action": action})
        except ValidationError as error:
            result.refused[gap.title] = _reason(error)
        else:
            result.changed.append(gap)
    return result
