"""Saved gap-list views: a person's own filters by name, and the two every person gets."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext

from .models import OPEN_STATUSES, Role, SavedGapView
from .permissions import owned_role_ids

# Keys that describe a view; the page number does not.
NOT_SAVED = frozenset({"page", "csrfmiddlewaretoken", "name"})


def saved_views_of(user, page: str) -> QuerySet[SavedGapView]:
    return SavedGapView.objects.filter(user=user, page=page)


def view_query(params: QueryDict) -> str:
    """The filters of a list request as a query string, without the page number."""
    kept = QueryDict(mutable=True)
    for key in params:
        if key not in NOT_SAVED:
            kept.setlist(key, [value for value in params.getlist(key) if value != ""])
    return kept.urlencode()


def saved_view_save(*, user, page: str, name: str, query: str) -> SavedGapView:
    """Save (or replace, by name) the view ``query`` of ``page`` for ``user``."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("Give the view a name.")})
    if len(name) > SavedGapView.NAME_MAX_LENGTH:
        raise ValidationError({"name": gettext("At most 80 characters.")})
    view, _created = SavedGapView.objects.update_or_create(
        user=user, page=page, name=name, defaults={"query": query}
    )
    return view


def saved_view_delete(*, user, pk: int) -> None:
    SavedGapView.objects.filter(user=user, pk=pk).delete()


def preset_views(user) -> list[tuple[str, str]]:
    """(name, url) of the views every person gets: an owner's are "my open gaps" and
    "overdue in my team"; the CX team's, open and overdue gaps."""
    open_filter = [("status", s) for s in OPEN_STATUSES]
    role_ids = owned_role_ids(user)
    if not role_ids:
        every = reverse("gaps:list") + "?"
        return [("Open gaps", every + urlencode(open_filter)), ("Overdue", every + "overdue=true")]
    mine = reverse("gaps:mine") + "?" + urlencode(open_filter)
    team_ids = sorted(set(Role.objects.filter(pk__in=role_ids).values_list("team_id", flat=True)))
    overdue_in_team = [*(("team", team) for team in team_ids), ("overdue", "true")]
    overdue = reverse("gaps:list") + "?" + urlencode(overdue_in_team)
    return [("My open gaps", mine), ("Overdue in my team", overdue)]
