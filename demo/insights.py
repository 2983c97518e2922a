"""Demo insights for ``manage.py seed_demo``: ~60 findings, routing rules, and every feed filled.

Runs after ``demo.organisation`` (the organisation, and gaps when the gaps demo has them).
Idempotent: insights and rules are looked up by title and name, and only the insights created
in this run are routed, so a second run changes nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from gaps.models import Gap, Role, Team, Theme
from insights import routing, services
from insights.models import FeedItem, Insight, InsightStatus, RoutingRule

from .insight_texts import ARCHIVED, DRAFTS, INSIGHTS, RULES

GAPS_PER_INSIGHT = 2


@transaction.atomic
def seed(stdout=None) -> dict:
    """Create the demo rules and insights, publish and route them; returns what was made."""
    themes = {theme.name: theme for theme in Theme.objects.all()}
    teams = {team.name: team for team in Team.objects.all()}
    roles = {(role.team.name, role.name): role for role in Role.objects.select_related("team")}
    rules_made = sum(_rule(rule, themes, teams, roles) for rule in RULES)

    rule_specs, all_roles = routing.active_rule_specs(), routing.all_roles()
    now = timezone.now()
    created: list[Insight] = []
    for index, row in enumerate(INSIGHTS):
        insight = _insight(row, themes, teams)
        if insight is None:
            continue
        created.append(insight)
        if insight.title in DRAFTS:
            continue
        # Spread publication over the last quarter so that recency means something.
        Insight.objects.filter(pk=insight.pk).update(
            status=InsightStatus.PUBLISHED,
            published_at=now - timedelta(days=(index * 37) % 90, hours=index % 9),
        )
        insight.refresh_from_db()
        services.insight_route(insight=insight, rules=rule_specs, roles=all_roles)
        if insight.title in ARCHIVED:
            services.insight_archive(insight=insight, actor=None)

    if created:
        _work_some_items()
    if stdout is not None:
        stdout.write(
            f"Insights: {len(created)} new ({Insight.objects.count()} in all), "
            f"{rules_made} new routing rules, {FeedItem.objects.count()} feed items."
        )
    return {"insights": created}


def _rule(row, themes, teams, roles) -> int:
    name, theme_names, category, region, kind, team, levels, role_keys = row
    if RoutingRule.objects.filter(name=name).exists():
        return 0
    rule = RoutingRule.objects.create(
        name=name,
        gap_category=category,
        region=region,
        kind=kind,
        team=teams.get(team),
        target_levels=levels,
    )
    rule.themes.set([themes[t] for t in theme_names if t in themes])
    rule.target_roles.set([roles[key] for key in role_keys if key in roles])
    return 1


def _insight(row, themes, teams) -> Insight | None:
    """A new insight, linked to the gaps of its team on its themes; None if it exists."""
    title, kind, source, segment, region, theme_names, team, finding, quotes, advice = row
    if Insight.objects.filter(title=title).exists():
        return None
    insight_themes = [themes[t] for t in theme_names if t in themes]
    gaps = Gap.objects.exclude(status=Gap.Status.ARCHIVED).filter(themes__in=insight_themes)
    linked = list(gaps.filter(causing_team=teams.get(team)).distinct()[:GAPS_PER_INSIGHT])
    return services.insight_create(
        actor=None,
        title=title,
        finding=finding,
        kind=kind,
        source=source,
        segment=segment,
        region=region,
        evidence="\n".join(f"“{quote}”" for quote in quotes),
        recommendation=advice,
        themes=insight_themes,
        related_gaps=linked,
    )


def _work_some_items() -> None:
    """A feed in use: in each feed the least relevant items were read, acted on or dismissed."""
    for role_id in FeedItem.objects.values_list("role_id", flat=True).distinct():
        items = list(FeedItem.objects.filter(role_id=role_id).order_by("relevance", "id")[:3])
        for item, state in zip(items, ("read", "acting", "done"), strict=False):
            services.feed_item_set_state(item=item, state=state, actor=None)
