"""The same insight, read by different levels: money up top, gaps for managers, words below.

- executives and directors: what the linked gaps cost their teams per month, and the trend;
- managers: their team's open gaps on the insight's themes, and the process step involved;
- individual contributors and partners: the customers' own words, the expectation against the
  delivery of their gaps, and what to do differently.

Everything is computed from the data (gaps, occurrences, unit costs); nothing is typed in twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import ngettext

from cxalign import formats
from gaps.models import OPEN_STATUSES, Gap, Role, Team
from roi import calculations as calc
from roi.costs import cost_model_as_of, gap_unit_costs

from .models import Insight

ZERO = Decimal("0")

TEAM_GAPS_SHOWN = 10  # A manager's reading lists at most this many of the team's open gaps.

MONEY_LEVELS = (Role.Level.EXECUTIVE, Role.Level.DIRECTOR)
GAP_LEVELS = (Role.Level.MANAGER,)
WORDS_LEVELS = (Role.Level.INDIVIDUAL_CONTRIBUTOR, Role.Level.PARTNER)

# The three readings shown side by side in the preview, each named by the levels it serves.
PREVIEW_LEVELS = (
    (Role.Level.EXECUTIVE, "Executives and directors"),
    (Role.Level.MANAGER, "Managers"),
    (Role.Level.INDIVIDUAL_CONTRIBUTOR, "Individual contributors and partners"),
)


@dataclass(frozen=True)
class MonthlyCost:
    """What one gap cost in the 30 days before ``as_of`` and in the 30 days before that."""

    unit_cost: Decimal
    occurrences: int
    previous_occurrences: int

    @property
    def current(self) -> Decimal:
        return calc.monthly_cost(self.occurrences, self.unit_cost)

    @property
    def previous(self) -> Decimal:
        return calc.monthly_cost(self.previous_occurrences, self.unit_cost)


def gap_monthly_costs(gaps: Iterable[Gap], as_of: date) -> dict[int, MonthlyCost]:
    """Monthly cost of each gap as of the start of ``as_of`` (UTC) and of the month before.

    Monthly cost as ``roi.calculations.monthly_cost`` defines it (the occurrences in the 30 days
    before ``as_of`` times unit cost); the trend compares it with the 30 days before that. Unit
    costs are the ROI app's (``roi.costs``: defaults from the touchpoint and the cost model in
    force), so feeds and the dashboard agree. Two queries whatever the number of gaps (their
    touchpoints loaded with them).
    """
    gaps = list(gaps)
    if not gaps:
        return {}
    start, end = calc.monthly_cost_window(as_of)
    previous_start, _ = calc.monthly_cost_window(as_of - timedelta(days=calc.MONTHLY_COST_DAYS))
    counts = {
        row["pk"]: row
        for row in Gap.objects.filter(pk__in=[g.pk for g in gaps])
        .annotate(
            current=Count(
                "occurrences",
                filter=Q(occurrences__occurred_at__gte=start, occurrences__occurred_at__lt=end),
            ),
            previous=Count(
                "occurrences",
                filter=Q(
                    occurrences__occurred_at__gte=previous_start,
                    occurrences__occurred_at__lt=start,
                ),
            ),
        )
        .values("pk", "current", "previous")
    }
    units = gap_unit_costs(gaps, as_of)
    return {
        gap.pk: MonthlyCost(
            # gap_unit_costs prices every gap it is given: the default is never read.
            unit_cost=units.get(gap.pk, ZERO),  # pragma: no mutate
            occurrences=counts[gap.pk]["current"] if gap.pk in counts else 0,
            previous_occurrences=counts[gap.pk]["previous"] if gap.pk in counts else 0,
        )
        for gap in gaps
    }


def money(amount: Decimal, currency: str = "") -> str:
    """Money as written into a stored summary: ``EUR 1,234.50``.

    Summaries are written once, when an insight is routed, and kept as text; they are
    written in English (docs/i18n.md), so their money is too.
    """
    # Not mutated for "en" → "EN", equivalent (Django's to_locale lowercases); dropping the
    # language is caught by test_summaries_write_money_in_english_whatever_language_is_active.
    return formats.money(amount, currency, language="en")  # pragma: no mutate


def trend_text(current: Decimal, previous: Decimal, currency: str = "") -> str:
    if previous == ZERO:
        return "new this month" if current > ZERO else "no cost in either month"
    change = ((current - previous) / previous * 100).quantize(Decimal("1"), ROUND_HALF_UP)
    if change == 0:
        return "flat on the month before"
    direction = "up" if change > 0 else "down"  # pragma: no mutate (0 returned "flat" above)
    return f"{direction} {abs(change)} % on the month before ({money(previous, currency)})"


@dataclass
class Tailoring:
    """One level's reading of an insight: a headline, lines and the figures behind them."""

    level: str
    headline: str
    lines: list[str] = field(default_factory=list)
    monthly_cost: Decimal | None = None
    previous_monthly_cost: Decimal | None = None
    gaps: list[Gap] = field(default_factory=list)

    def as_text(self) -> str:
        return "\n".join([self.headline, *self.lines])


@dataclass
class TailoringContext:
    """What tailoring reads, loaded once per insight and shared by every role it reaches."""

    insight: Insight
    gaps: list[Gap]
    costs: dict[int, MonthlyCost]
    theme_ids: list[int]
    currency: str = ""
    team_open_gaps: dict[int, list[Gap]] = field(default_factory=dict)
    # Loaded for a batch of insights (``load_many``): each team's open gaps per theme, the
    # first ``TEAM_GAPS_SHOWN`` of each, so that no team's list needs a query of its own.
    top_open_gaps: dict[tuple[int, int], list[Gap]] | None = None
    # Readings already written, by (reading, team): roles of one team and reading read alike.
    readings: dict[tuple[str, int], "Tailoring"] = field(default_factory=dict)
    # A manager's line per open gap, shared by the contexts of a batch (the same gaps recur).
    gap_lines: dict[int, str] = field(default_factory=dict)
    # Relevance's gap part (severity, cost score) per team: routing.relevance fills it.
    gap_scores: dict[int, tuple[float, float]] = field(default_factory=dict)
    # Relevance per (team, match strength) and the insight's recency: routing.relevance fills
    # them, so that the roles of a team reached alike share one computation.
    relevances: dict[tuple[int, float], Decimal] = field(default_factory=dict)
    recency: float | None = None
    # Each reading's text by (reading, team), joined once (``tailored_text``).
    texts: dict[tuple[str, int], str] = field(default_factory=dict)

    @classmethod
    def load(cls, insight: Insight, as_of: date | None = None) -> "TailoringContext":
        as_of = as_of or timezone.now().date()
        # From Gap, not the relation: the insight may carry a slimmer prefetched list of gaps.
        gaps = list(
            Gap.objects.filter(insights=insight)
            .select_related("touchpoint", "causing_role", "causing_team")
            .order_by("pk")
        )
        return cls(
            insight=insight,
            gaps=gaps,
            costs=gap_monthly_costs(gaps, as_of),
            theme_ids=[theme.pk for theme in insight.themes.all()],
            currency=cost_model_as_of(as_of).currency,
        )

    @cached_property
    def gap_team_ids(self) -> frozenset[int]:
        """The teams causing the linked gaps (asked once per role reached)."""
        return frozenset(g.causing_team_id for g in self.gaps)

    def gaps_of_team(self, team: Team | None) -> list[Gap]:
        """The linked gaps a team causes; with no team (a preview) all linked gaps."""
        if team is None:
            return self.gaps
        return [g for g in self.gaps if g.causing_team_id == team.id]

    def reading_team(self, reading: str, team: Team | None) -> int:
        """Whose reading a team gets: its own (its id), or the one for all teams (0).

        The money and words readings of a team causing none of the linked gaps speak of all
        linked gaps and never name the team: one text serves every such team (most of the
        hundreds of roles an insight reaches) and the preview. The gaps reading names the team.
        """
        if team is None:
            return 0
        if reading != "gaps" and team.id not in self.gap_team_ids:
            return 0
        return team.id

    @classmethod
    def load_many(
        cls,
        insights: list[Insight],
        as_of: date | None = None,
        cache: "TailoringCache | None" = None,
    ) -> dict[int, "TailoringContext"]:
        """The contexts of many insights (themes prefetched) in a fixed number of queries.

        Linked gaps, their monthly costs and the currency are read once for the whole batch,
        and every team's open gaps on the batch's themes in one ranked query, instead of one
        query per insight and per team. A ``cache`` shared by the batches of one re-route
        keeps what does not depend on the insight (each team's open gaps per theme, the
        currency, the managers' gap lines), so later batches read only themes not seen yet.
        """
        cache = cache if cache is not None else TailoringCache(as_of or timezone.now().date())
        as_of = cache.as_of
        links = Insight.related_gaps.through.objects.filter(
            insight_id__in=[insight.pk for insight in insights]
        ).values_list("insight_id", "gap_id")
        gap_ids: dict[int, list[int]] = {}
        for insight_id, gap_id in links:
            gap_ids.setdefault(insight_id, []).append(gap_id)
        gaps = Gap.objects.filter(pk__in={g for ids in gap_ids.values() for g in ids})
        by_id = {g.pk: g for g in gaps.select_related("touchpoint", "causing_role", "causing_team")}
        costs = gap_monthly_costs(by_id.values(), as_of)
        if cache.currency is None:
            cache.currency = cost_model_as_of(as_of).currency
        theme_ids = {insight.pk: [t.pk for t in insight.themes.all()] for insight in insights}
        cache.load_themes({t for ids in theme_ids.values() for t in ids})
        return {
            insight.pk: cls(
                insight=insight,
                gaps=[by_id[pk] for pk in sorted(gap_ids.get(insight.pk, ()))],
                costs=costs,
                theme_ids=theme_ids[insight.pk],
                currency=cache.currency,
                top_open_gaps=cache.top_open_gaps,
                gap_lines=cache.gap_lines,
            )
            for insight in insights
        }

    def open_gaps_on_themes(self, team: Team | None) -> list[Gap]:
        """The team's open gaps linked to the insight or sharing a theme with it, worst first.

        One query per team, or none when the context was loaded for a batch (``load_many``).
        """
        key = team.id if team else 0
        if key not in self.team_open_gaps and self.top_open_gaps is not None:
            candidates = {
                g.id: g
                for g in self.gaps
                if g.status in OPEN_STATUSES and (team is None or g.causing_team_id == team.id)
            }
            if team is not None:
                for theme_id in self.theme_ids:
                    candidates.update(
                        (g.id, g) for g in self.top_open_gaps.get((team.id, theme_id), ())
                    )
            self.team_open_gaps[key] = sorted(
                candidates.values(), key=lambda g: (g.severity, g.detected_on, g.id), reverse=True
            )[:TEAM_GAPS_SHOWN]
        if key not in self.team_open_gaps:
            linked = [g.pk for g in self.gaps]
            gaps = Gap.objects.filter(status__in=OPEN_STATUSES).select_related("touchpoint")
            if team is not None:
                gaps = gaps.filter(causing_team=team)
            on_topic = Q(pk__in=linked)
            if team is not None and self.theme_ids:
                on_topic |= Q(themes__in=self.theme_ids)
            self.team_open_gaps[key] = list(
                gaps.filter(on_topic)
                .distinct()
                .order_by("-severity", "-detected_on", "-id")[:TEAM_GAPS_SHOWN]
            )
        return self.team_open_gaps[key]


@dataclass
class TailoringCache:
    """What tailoring reads that is the same for every insight, shared by a re-route's batches.

    A full re-route reads rules and roles once at its start; this keeps, the same way, each
    team's open gaps per theme (loaded the first time a batch names the theme), the currency
    and each open gap's line in a manager's reading. Without it every batch of 50 reloaded
    the same few thousand gaps. Monthly costs stay per batch: they are the linked gaps'.
    """

    as_of: date
    top_open_gaps: dict[tuple[int, int], list[Gap]] = field(default_factory=dict)
    themes_loaded: set[int] = field(default_factory=set)
    currency: str | None = None
    gap_lines: dict[int, str] = field(default_factory=dict)

    def load_themes(self, theme_ids: set[int]) -> None:
        """Read the open gaps of the themes not read yet (two queries, none if all were)."""
        missing = theme_ids - self.themes_loaded
        if missing:
            self.top_open_gaps.update(top_open_gaps_by_team_and_theme(missing))
            self.themes_loaded |= missing


def top_open_gaps_by_team_and_theme(theme_ids: set[int]) -> dict[tuple[int, int], list[Gap]]:
    """Each (causing team, theme)'s first ``TEAM_GAPS_SHOWN`` open gaps, worst first: two queries.

    The first few of a union of lists are among the first few of each list, so a team's open
    gaps on any set of themes follow from these without a query of their own.
    """
    if not theme_ids:
        return {}
    ranked = (
        Gap.themes.through.objects.filter(theme_id__in=theme_ids, gap__status__in=OPEN_STATUSES)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("gap__causing_team_id"), F("theme_id")],
                order_by=[
                    F("gap__severity").desc(),
                    F("gap__detected_on").desc(),
                    F("gap_id").desc(),
                ],
            )
        )
        .filter(rank__lte=TEAM_GAPS_SHOWN)  # type: ignore[misc]  # the window annotated above
        .values_list("gap__causing_team_id", "theme_id", "gap_id")
    )
    rows = list(ranked)
    # Loading more gaps than the ranked ones would change nothing read from this dict: mutants
    # of these two lines are equivalent (mutmut skips them; ``in_bulk(None)`` loads every gap).
    ranked_ids = {gap_id for _, _, gap_id in rows}  # pragma: no mutate
    gaps = Gap.objects.select_related("touchpoint").in_bulk(ranked_ids)  # pragma: no mutate
    top: dict[tuple[int, int], list[Gap]] = {}
    for team_id, theme_id, gap_id in rows:
        top.setdefault((team_id, theme_id), []).append(gaps[gap_id])
    return top


def _reading(level: str):
    """The reading a level gets (money, gaps or words) and the function that writes it."""
    # A reading's name is only a key of the context's caches ("gaps" alone is compared):
    # spelt otherwise it reads the same, so these two names are not mutated.
    if level in MONEY_LEVELS:
        return "money", _for_money  # pragma: no mutate
    if level in GAP_LEVELS:
        return "gaps", _for_gaps
    return "words", _for_words  # pragma: no mutate


def tailor(context: TailoringContext, *, level: str, team: Team | None = None) -> Tailoring:
    """How a role of ``level`` in ``team`` reads the insight (``team=None``: a preview).

    Written once per reading and team in a context: the roles of a team at levels sharing a
    reading (say, its two managers) get the same text, and routing reaches hundreds of roles.
    """
    reading, write = _reading(level)
    key = (reading, context.reading_team(reading, team))
    if key not in context.readings:
        context.readings[key] = write(context, level, team)
    written = context.readings[key]
    return written if written.level == level else replace(written, level=level)


def tailored_text(context: TailoringContext, *, level: str, team: Team | None = None) -> str:
    """``tailor(...).as_text()``, joined once per reading and team and shared by their roles.

    The text never names the level, so the roles of a team that share a reading (an executive
    and a director, a contributor and a partner) share the very same string: routing writes it
    to hundreds of feeds per insight without joining it again.
    """
    reading = _reading(level)[0]
    key = (reading, context.reading_team(reading, team))
    text = context.texts.get(key)  # pragma: no mutate (a missed cache only joins it again)
    if text is None:
        text = context.texts[key] = tailor(context, level=level, team=team).as_text()
    return text


def _for_money(context: TailoringContext, level: str, team: Team | None) -> Tailoring:
    gaps = context.gaps_of_team(team) or context.gaps
    whose = "your teams'" if team is not None and context.gaps_of_team(team) else "the linked"
    # Equivalent without ZERO (no gaps: 0, shown as nothing), so not mutated.
    current = sum((context.costs[g.pk].current for g in gaps), ZERO)  # pragma: no mutate
    previous = sum((context.costs[g.pk].previous for g in gaps), ZERO)  # pragma: no mutate
    insight = context.insight
    result = Tailoring(
        level=level,  # pragma: no mutate (tailor() sets the level asked for anyway)
        headline=insight.finding,
        monthly_cost=current,
        previous_monthly_cost=previous,
        gaps=gaps,
    )
    if not gaps:
        result.lines.append("No gaps are linked yet, so there is no cost to show.")
        return result
    result.lines.append(
        f"Cost of {whose} {len(gaps)} {ngettext('gap', 'gaps', len(gaps))} in the last 30 days: "
        f"{money(current, context.currency)} ({trend_text(current, previous, context.currency)})."
    )
    for gap in sorted(gaps, key=lambda g: context.costs[g.pk].current, reverse=True)[:5]:
        cost = context.costs[gap.pk]
        result.lines.append(
            f"- {gap.title} ({gap.causing_team.name}): {cost.occurrences} "
            f"{ngettext('occurrence', 'occurrences', cost.occurrences)} × "
            f"{money(cost.unit_cost)} = {money(cost.current, context.currency)} a month"
        )
    return result


def _for_gaps(context: TailoringContext, level: str, team: Team | None) -> Tailoring:
    insight = context.insight
    gaps = context.open_gaps_on_themes(team)
    who = f"{team.name}'s" if team is not None else "The linked teams'"
    # tailor() sets the level asked for anyway: a mutant of this line's level is equivalent.
    result = Tailoring(level=level, headline=insight.finding, gaps=gaps)  # pragma: no mutate
    if not gaps:
        result.lines.append(f"{who} open gaps on these themes: none right now.")
    else:
        result.lines.append(f"{who} open gaps on these themes: {len(gaps)}.")
    for gap in gaps:
        line = context.gap_lines.get(gap.id)  # pragma: no mutate (a miss writes it again)
        if line is None:
            step = gap.get_journey_stage_display() or "step not recorded"
            where = f" at {gap.touchpoint.name}" if gap.touchpoint is not None else ""
            line = context.gap_lines[gap.id] = (
                f"- {gap.title} (severity {gap.severity}, {gap.get_status_display().lower()}): "
                f"process step {step}{where}"
            )
        result.lines.append(line)
    return result


def _for_words(context: TailoringContext, level: str, team: Team | None) -> Tailoring:
    insight = context.insight
    # tailor() sets the level asked for anyway: a mutant of this line's level is equivalent.
    result = Tailoring(level=level, headline=insight.finding)  # pragma: no mutate
    quotes = insight.quotes[:3]
    if quotes:
        result.lines.append("In customers' words:")
        result.lines.extend(f"- {quote}" for quote in quotes)
    gaps = context.gaps_of_team(team) or context.gaps
    result.gaps = gaps
    for gap in gaps[:3]:
        result.lines.append(f"They expect: {gap.expectation} They get: {gap.delivery}")
    if insight.recommendation:
        result.lines.append(f"What to do differently: {insight.recommendation}")
    return result


def preview(insight: Insight, as_of: date | None = None) -> list[tuple[str, Tailoring]]:
    """Each level's reading, for the insight page before publishing."""
    context = TailoringContext.load(insight, as_of)
    return [(label, tailor(context, level=level)) for level, label in PREVIEW_LEVELS]
