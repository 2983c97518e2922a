"""Which roles an insight reaches, and why: rule matching and relevance, without writes.

``insights.services.insight_route`` writes what this module decides; the rule form's
"which roles would this reach?" preview asks the same questions of a rule not yet saved.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.utils import timezone

from gaps.models import Gap, Role

from .models import Insight, RoutingRule
from .tailoring import TailoringContext

# Match strength: causing a linked gap is the strongest reason an insight concerns a role; a rule
# is stronger the more conditions it names (a rule with none reaches its targets with anything).
CAUSING_ROLE_STRENGTH = 1.0
RULE_BASE_STRENGTH = 0.4
RULE_STRENGTH_PER_CONDITION = 0.15

# Weights of relevance (sum 1): how bad, how costly, how clearly theirs, how fresh.
WEIGHT_SEVERITY = 0.35
WEIGHT_COST = 0.25
WEIGHT_MATCH = 0.25
WEIGHT_RECENCY = 0.15
RECENCY_DAYS = 90  # An insight's freshness fades to nothing over a quarter.
COST_SCALE = 4  # log10: a gap costing 10,000 a month scores the full cost weight.


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule's conditions and targets as plain values (saved or only being previewed)."""

    name: str
    theme_ids: frozenset[int] = frozenset()
    gap_category: str = ""
    region: str = ""
    kind: str = ""
    team_id: int | None = None
    target_levels: tuple[str, ...] = ()
    target_role_ids: frozenset[int] = frozenset()
    rule_id: int | None = None

    @classmethod
    def of(cls, rule: RoutingRule) -> "RuleSpec":
        """From a saved rule whose ``themes`` and ``target_roles`` are prefetched."""
        return cls(
            name=rule.name,
            theme_ids=frozenset(t.pk for t in rule.themes.all()),
            gap_category=rule.gap_category,
            region=rule.region.strip(),
            kind=rule.kind,
            team_id=rule.team_id,
            target_levels=tuple(rule.target_levels or ()),
            target_role_ids=frozenset(r.pk for r in rule.target_roles.all()),
            rule_id=rule.pk,
        )

    @classmethod
    def from_data(cls, data: dict) -> "RuleSpec":
        """From a rule not saved yet (a form's or serializer's cleaned data): for previews."""
        return cls(
            name=data.get("name") or "this rule",
            theme_ids=frozenset(theme.pk for theme in data.get("themes") or ()),
            gap_category=data.get("gap_category") or "",
            region=(data.get("region") or "").strip(),
            kind=data.get("kind") or "",
            team_id=data["team"].pk if data.get("team") else None,
            target_levels=tuple(data.get("target_levels") or ()),
            target_role_ids=frozenset(role.pk for role in data.get("target_roles") or ()),
        )

    def conditions_met(self, insight: Insight, theme_ids: set[int], categories: set[str]):
        """The conditions this rule names that the insight meets, or None if one fails."""
        met = []
        if self.theme_ids:
            if not self.theme_ids & theme_ids:
                return None
            met.append("theme")
        if self.gap_category:
            if self.gap_category not in categories:
                return None
            met.append(f"{self.gap_category} gap")
        if self.region:
            if self.region.casefold() != insight.region.strip().casefold():
                return None
            met.append(f"region {insight.region}")
        if self.kind:
            if self.kind != insight.kind:
                return None
            met.append(f"{self.kind} insight")
        return met

    def targets(self, roles: list[Role]) -> list[Role]:
        """The roles this rule reaches among ``roles`` (all roles, loaded once)."""
        return [
            role
            for role in roles
            if role.id in self.target_role_ids
            or (
                role.level in self.target_levels
                and (self.team_id is None or role.team_id == self.team_id)
            )
        ]

    @cached_property  # Asked for every role a rule reaches: tens of thousands per batch.
    def strength(self) -> float:
        conditions = sum(
            bool(value) for value in (self.theme_ids, self.gap_category, self.region, self.kind)
        )
        return RULE_BASE_STRENGTH + RULE_STRENGTH_PER_CONDITION * conditions


@dataclass
class Target:
    """One role an insight reaches, the strongest reason for it, and the rule if any."""

    role: Role
    strength: float
    reason: str
    rule_id: int | None = None
    reasons: list[str] = field(default_factory=list)


def active_rule_specs() -> list[RuleSpec]:
    rules = RoutingRule.objects.filter(active=True).prefetch_related("themes", "target_roles")
    return [RuleSpec.of(rule) for rule in rules]


def all_roles() -> list[Role]:
    return list(Role.objects.select_related("team"))


def rule_reach(rules: list[RuleSpec], roles: list[Role]) -> dict[RuleSpec, list[Role]]:
    """The roles each rule targets: the same for every insight, so worked out once per batch."""
    return {spec: spec.targets(roles) for spec in rules}


def insight_targets(
    insight: Insight,
    gaps: list[Gap],
    rules: list[RuleSpec],
    roles: list[Role],
    reach: dict[RuleSpec, list[Role]] | None = None,
) -> dict[int, Target]:
    """Every role the insight reaches: the causing roles of its gaps, then each matching rule.

    ``reach`` (``rule_reach(rules, roles)``) may be passed in when routing many insights.
    """
    # A reach passed in is ``rule_reach(rules, roles)`` itself: working it out again would only
    # cost time, so mutants of this line are equivalent (mutmut skips it).
    reach = rule_reach(rules, roles) if reach is None else reach  # pragma: no mutate
    theme_ids = {t.pk for t in insight.themes.all()}
    categories = {gap.category for gap in gaps}
    by_id = {role.id: role for role in roles}
    targets: dict[int, Target] = {}

    def offer(role: Role, strength: float, reason: str, rule_id: int | None) -> None:
        target = targets.get(role.id)
        if target is None:
            targets[role.id] = Target(role, strength, reason, rule_id, [reason])
            return
        # Only how many reasons there are is read ("and N more"): what is appended is not, so
        # mutants of this line are equivalent (mutmut skips it).
        target.reasons.append(reason)  # pragma: no mutate
        if strength > target.strength:
            target.strength, target.reason, target.rule_id = strength, reason, rule_id

    for gap in gaps:
        role = by_id.get(gap.causing_role_id)
        if role is not None:
            reason = f'Your role causes gap #{gap.pk} "{gap.title}"'
            offer(role, CAUSING_ROLE_STRENGTH, reason, None)
    for spec in rules:
        met = spec.conditions_met(insight, theme_ids, categories)
        if met is None:
            continue
        because = f" ({', '.join(met)})" if met else " (every insight)"
        for role in reach[spec]:
            offer(role, spec.strength, f'Rule "{spec.name}"{because}', spec.rule_id)
    for target in targets.values():
        # Every reason named, the strongest first: "and 1 more reason" told people nothing.
        others = [reason for reason in target.reasons if reason != target.reason]
        reason = target.reason + "".join(f"; also {other}" for other in others)
        target.reason = reason if len(reason) <= 300 else reason[:299] + "…"
    return targets


def relevance(context: TailoringContext, target: Target) -> Decimal:
    """How much an insight concerns a role, from 0 to 1 (three decimals); feeds sort by it.

    ==============  ======  =================================================================
    part            weight  score from 0 to 1
    ==============  ======  =================================================================
    severity        35 %    worst severity ÷ 5 of the linked gaps the role's team causes (a
                            team causing none of them: of all linked gaps)
    monthly cost    25 %    log10(1 + those gaps' cost in the last 30 days) ÷ 4, at most 1
                            (10,000 a month is full)
    match strength  25 %    ``target.strength``: 1.0 for a causing role; a rule 0.4 + 0.15 per
                            condition it names (``RuleSpec.strength``)
    recency         15 %    1 − days since publication ÷ 90, at least 0 (a draft: fresh)
    ==============  ======  =================================================================

    docs/insights.md explains it with a worked example; tests/insights/test_relevance.py pins
    each line.

    Of a target only its team and match strength count, so the score is worked out once per
    (team, strength) in a context and shared by every role alike (routing reaches hundreds of
    roles per insight, in a handful of teams and strengths). Recency is taken once per context:
    it moves by a millionth a minute, far below the three decimals stored.
    """
    # A team causing none of the linked gaps scores on all of them, like every such team. Any
    # reading but "gaps" keys alike, and a missed cache only recomputes the same score: mutants
    # of these two lines are equivalent (mutmut skips them).
    team_key = context.reading_team("money", target.role.team)  # pragma: no mutate
    key = (team_key, target.strength)
    score = context.relevances.get(key)  # pragma: no mutate
    if score is None:
        score = context.relevances[key] = _relevance(context, target)
    return score


def _relevance(context: TailoringContext, target: Target) -> Decimal:
    team_id = target.role.team_id
    if team_id not in context.gap_scores:  # Computed once per team and insight.
        gaps = context.gaps_of_team(target.role.team) or context.gaps
        severity = max((g.severity for g in gaps), default=0) / 5
        cost = float(sum(context.costs[g.pk].current for g in gaps))
        context.gap_scores[team_id] = (severity, min(1.0, math.log10(1 + cost) / COST_SCALE))
    severity, cost_score = context.gap_scores[team_id]
    if context.recency is None:
        now = timezone.now()
        published = context.insight.published_at or now
        age_days = max(0.0, (now - published).total_seconds() / 86_400)
        context.recency = max(0.0, 1 - age_days / RECENCY_DAYS)
    score = (
        WEIGHT_SEVERITY * severity
        + WEIGHT_COST * cost_score
        + WEIGHT_MATCH * target.strength
        + WEIGHT_RECENCY * context.recency
    )
    # Each part is at most 1 and the weights sum to 1: the cap only guards against a float
    # error beyond the third decimal, so raising it is an equivalent mutant (mutmut skips it).
    return Decimal(f"{min(score, 1.0):.3f}")  # pragma: no mutate


def matching_insights(spec: RuleSpec, limit: int = 10) -> tuple[int, list[Insight]]:
    """How many published insights a rule matches now, and the newest ``limit`` of them."""
    # Conditions read a linked gap's category only: which of its columns are loaded changes no
    # match, so mutants of these two lines are equivalent (mutmut skips them).
    category = Gap.objects.only("id", "category")  # pragma: no mutate
    gaps = models.Prefetch("related_gaps", queryset=category)  # pragma: no mutate
    insights = Insight.objects.filter(status=Insight.Status.PUBLISHED).prefetch_related(
        "themes", gaps
    )
    matched = [
        insight
        for insight in insights
        if spec.conditions_met(
            insight,
            {t.pk for t in insight.themes.all()},
            {g.category for g in insight.related_gaps.all()},
        )
        is not None
    ]
    return len(matched), matched[:limit]
