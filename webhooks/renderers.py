"""What an event says about its object: the API's detail representation, a link, and who it
concerns (for subscriptions narrowed to a role or team).

One renderer per model the domain emits events for, each reading any number of objects in a
fixed number of queries and serialising them with the serializer of the API's detail endpoint,
so a webhook's ``data`` is exactly what ``GET /api/v1/<resource>/{id}/`` shows (with no user:
fields that depend on the reader, such as a gap's allowed moves, are empty).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch


@dataclass(frozen=True)
class Rendered:
    """One object of one event, ready to become deliveries."""

    data: dict[str, Any]
    key: str = ""  # the object's identity within one emission ("gaps.gap:12")
    path: str = ""  # the object's page, made absolute with settings.SITE_URL
    title: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    role_ids: frozenset[int] = field(default_factory=frozenset)
    team_ids: frozenset[int] = field(default_factory=frozenset)


def _gaps(ids: Iterable[int]) -> list[Rendered]:
    """Gaps concern their causing role and team, and the roles they were escalated to (a
    director's channel hears of the overdue gaps of its team that reached it)."""
    from gaps.api.serializers import GapSerializer
    from gaps.models import Escalation, Gap, Theme

    ids = list(ids)
    escalated_to: dict[int, set[int]] = {}
    for gap_id, role_id in Escalation.objects.filter(gap_id__in=ids).values_list(
        "gap_id", "role_id"
    ):
        escalated_to.setdefault(gap_id, set()).add(role_id)
    gaps = (
        Gap.objects.filter(pk__in=ids)
        .select_related(
            "causing_role__team", "causing_team", "touchpoint", "remedy_owner", "created_by"
        )
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))
        .order_by("pk")
    )
    return [
        Rendered(
            data=GapSerializer(gap).data,
            key=f"gaps.gap:{gap.pk}",
            path=gap.get_absolute_url(),
            title=gap.title,
            facts=(
                ("Status", gap.get_status_display()),
                ("Severity", str(gap.severity)),
                ("Causing role", gap.causing_role.name if gap.causing_role else ""),
                ("Team", gap.causing_team.name if gap.causing_team else ""),
            ),
            role_ids=frozenset(({gap.causing_role_id} | escalated_to.get(gap.pk, set())) - {None}),
            team_ids=frozenset({gap.causing_team_id} - {None}),
        )
        for gap in gaps
    ]


def _insights(ids: Iterable[int]) -> list[Rendered]:
    from gaps.models import Gap
    from insights.api.serializers import InsightSerializer
    from insights.models import Insight

    insights = (
        Insight.objects.filter(pk__in=list(ids))
        .defer("search_vector")
        .prefetch_related(
            "themes",
            Prefetch(
                "related_gaps",
                queryset=Gap.objects.only("id", "causing_role_id", "causing_team_id"),
            ),
        )
        .order_by("pk")
    )
    return [
        Rendered(
            data=InsightSerializer(insight).data,
            key=f"insights.insight:{insight.pk}",
            path=insight.get_absolute_url(),
            title=insight.title,
            facts=(
                ("Kind", insight.get_kind_display()),
                ("Source", insight.get_source_display() if insight.source else "—"),
                ("Finding", insight.finding[:300]),
            ),
            role_ids=frozenset(g.causing_role_id for g in insight.related_gaps.all()) - {None},
            team_ids=frozenset(g.causing_team_id for g in insight.related_gaps.all()) - {None},
        )
        for insight in insights
    ]


def _feed_items(ids: Iterable[int]) -> list[Rendered]:
    from insights.api.serializers import FeedItemSerializer
    from insights.models import FeedItem
    from insights.selectors import with_feed_relations

    items = with_feed_relations(FeedItem.objects.filter(pk__in=list(ids))).order_by("pk")
    return [
        Rendered(
            data=FeedItemSerializer(item).data,
            key=f"insights.feeditem:{item.pk}",
            path=item.insight.get_absolute_url(),
            title=item.insight.title,
            facts=(
                ("Role", item.role.name),
                ("Team", item.role.team.name),
                ("Why", item.reason),
                ("Summary", item.tailored_summary[:300]),
            ),
            role_ids=frozenset({item.role_id}),
            team_ids=frozenset({item.role.team_id}),
        )
        for item in items
    ]


def _change_reviews(ids: Iterable[int]) -> list[Rendered]:
    """Change reviews concern the role making the change (and its team)."""
    from reviews.api.serializers import ChangeReviewSerializer
    from reviews.models import ChangeReview

    reviews = (
        ChangeReview.objects.filter(pk__in=list(ids))
        .select_related("role__team", "created_by")
        .prefetch_related("touchpoints", "themes")
        .order_by("pk")
    )
    return [
        Rendered(
            data=ChangeReviewSerializer(review).data,
            key=f"reviews.changereview:{review.pk}",
            path=review.get_absolute_url(),
            title=review.title,
            facts=(
                ("Status", review.get_status_display()),
                ("Role", review.role.name),
                ("Team", review.role.team.name),
                ("Launch", review.launch_on.isoformat()),
            ),
            role_ids=frozenset({review.role_id}),
            team_ids=frozenset({review.role.team_id}),
        )
        for review in reviews
    ]


RENDERERS: dict[str, Callable[[Iterable[int]], list[Rendered]]] = {
    "gaps.gap": _gaps,
    "insights.insight": _insights,
    "insights.feeditem": _feed_items,
    "reviews.changereview": _change_reviews,
}


def render_objects(model: str, ids: Iterable[int]) -> list[Rendered]:
    """The objects of ``model`` (a label such as ``"gaps.gap"``) still there, rendered."""
    return RENDERERS[model](ids)


def render_data(
    data: dict[str, Any], *, role_id: int | None = None, team_id: int | None = None
) -> Rendered:
    """A payload given as a dict (a rollup run, a change review), as it came; a ``path`` key
    (the page to link to) is taken out of it for the link."""
    data = dict(data)
    path = str(data.pop("path", "") or "")
    title = str(data.get("title") or "")
    return Rendered(
        data=data,
        key="data",
        path=path,
        title=title,
        facts=tuple(
            (name.replace("_", " ").capitalize(), str(value))
            for name, value in data.items()
            if name not in ("title", "path") and isinstance(value, str | int | float)
        )[:6],
        role_ids=frozenset(() if role_id is None else (role_id,)),
        team_ids=frozenset(() if team_id is None else (team_id,)),
    )
