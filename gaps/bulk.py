"""Bulk actions of the CX team on the gap list: the one-gap services, applied to each gap.

Nothing here writes a gap itself: re-attributing and adding a theme go through
``services.gap_update`` and archiving through ``services.gap_transition``, so every gap gets
the same checks and the same history entry as when changed on its own page.

"Select all" applies an action to every gap the list's filters match, not only the page shown:
``gaps_matching`` reads the filters again on the server (the same ``GapFilterSet``), and acts
only if they still match the number of gaps the person saw and confirmed (a list that grew or
shrank since is not what they agreed to), and at most ``MAX_BULK_GAPS`` at once (each gap is a
service call with its own history: a request must finish; narrow the filters for more).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .filtersets import GapFilterSet
from .models import Gap, Role, Theme
from .models.gaps import GapStatus as S
from .permissions import check_may_bulk_change

MAX_BULK_GAPS = 500


class BulkAction(models.TextChoices):
    REATTRIBUTE = "reattribute", _("Re-attribute to a role")
    ADD_THEME = "add_theme", _("Add a theme")
    ARCHIVE = "archive", _("Archive")


@dataclass
class BulkResult:
    """Which gaps changed, and why the others were skipped ("#id title" → reason)."""

    changed: list[Gap] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def _reason(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or gettext("You may not change this gap.")
    return " ".join(error.messages)


def gaps_matching(*, actor, query: str, expected: int | None) -> QuerySet[Gap]:
    """Every gap the list's filters (``query``, the list's query string) match for ``actor``,
    if they are still the ``expected`` number and no more than ``MAX_BULK_GAPS``."""
    filterset = GapFilterSet(
        QueryDict(query), queryset=selectors.with_lateness(selectors.gaps_for_user(actor))
    )
    if not filterset.is_valid():
        raise ValidationError(gettext("The list's filters are not valid: fix them first."))
    gaps = filterset.qs.order_by("pk")
    count = gaps.count()
    if expected is None or count != expected:
        raise ValidationError(
            gettext(
                "The filters now match %(count)s gaps, not the %(expected)s you confirmed: "
                "look at the list again and apply once more."
            )
            % {"count": count, "expected": expected}
        )
    if count > MAX_BULK_GAPS:
        raise ValidationError(
            gettext("%(count)s gaps match: at most %(most)s change at once. Narrow the filters.")
            % {"count": count, "most": MAX_BULK_GAPS}
        )
    return gaps


def gaps_bulk_apply(
    *,
    gaps: Iterable[Gap],
    actor,
    action: str,
    role: Role | None = None,
    theme: Theme | None = None,
    note: str = "",
) -> BulkResult:
    """Apply ``action`` to each gap; a gap the service refuses (its rules, or the actor's
    permission on that gap) is skipped and reported with the reason, the rest change."""
    check_may_bulk_change(actor)
    result = BulkResult()
    for gap in gaps:
        try:
            if action == BulkAction.REATTRIBUTE:
                services.gap_update(gap=gap, actor=actor, causing_role=role)
            elif action == BulkAction.ADD_THEME:
                if theme is None:
                    raise ValidationError({"theme": "Pick the theme to add."})
                themes = [*gap.themes.all(), theme]
                services.gap_update(gap=gap, actor=actor, themes=themes)
            elif action == BulkAction.ARCHIVE:
                services.gap_transition(gap=gap, to=S.ARCHIVED, actor=actor, note=note)
            else:
                raise ValidationError(gettext("Unknown action “%(action)s”.") % {"action": action})
        except (ValidationError, PermissionDenied) as error:
            result.refused[f"#{gap.pk} {gap.title}"] = _reason(error)
        else:
            result.changed.append(gap)
    return result
