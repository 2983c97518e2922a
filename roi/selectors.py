"""Reads of the ROI app. The dashboard, summary, recognition and CX Day pages read only the
precomputed rollups (months × teams, months × roles, gap snapshots, runs): never occurrences,
so their cost does not grow with the data. Only a single gap's before/after page counts its own
occurrences.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gaps.models import Gap, Occurrence, Team

from . import calculations as calc
from .costs import CostModelTimeline, cost_model_as_of
from .figure_inputs import gap_savings
from .figures import Summary, Totals, summarise, summarise_for_team
from .freshness import Freshness, ensure_fresh
from .models import (
    DailyRollup,
    DailyTeamRollup,
    GapSnapshot,
    MonthlyRoleRollup,
    MonthlyTeamRollup,
    RollupMeasures,
    RollupRun,
    TeamOpenCost,
)
from .rollup import OPEN_STATUSES

ZERO = calc.ZERO


def rollup_rows(rows: QuerySet[DailyRollup]) -> QuerySet[DailyRollup]:
    """Rows as the API lists them: with team and role, newest day first."""
    return rows.select_related("team", "role").order_by(
        "-date", "team__name", "role__name", "category"
    )


def today() -> date:
    return timezone.now().astimezone(UTC).date()


def totals_from_rollups(as_of: date, team: Team | None = None) -> Totals:
    """The totals as of ``as_of`` (00:00 UTC) from the precomputed rows, in two queries that
    read at most months × teams + 30 × teams rows whatever the data: the months fully before
    ``as_of``'s month from ``MonthlyTeamRollup`` (unique index on (month, team)), and the days
    of its month before it from ``DailyTeamRollup`` (unique index on (date, team)).

    Equal to ``roi.figure_inputs.totals_as_of`` (gaps and occurrences) for any day the rollups
    cover; the tests hold the two together.
    """
    month = as_of.replace(day=1)
    sums = {name: Sum(name) for name in RollupMeasures.MEASURES}
    months = MonthlyTeamRollup.objects.filter(month__lt=month)
    days = DailyTeamRollup.objects.filter(date__gte=month, date__lt=as_of)
    if team is not None:
        months, days = months.filter(team=team), days.filter(team=team)
    return Totals.from_row(months.aggregate(**sums)) + Totals.from_row(days.aggregate(**sums))


def figures_day(as_of: date, state: Freshness) -> date:
    """The day the figures are as of: ``as_of``, but never after the day following the last
    covered day (nothing after it has been rolled up; ``rolled_through`` tells the client).
    Before any run covered a day, ``as_of`` itself (and the totals are empty)."""
    if state.rolled_through is None:
        return as_of
    return min(as_of, state.rolled_through + timedelta(days=1))


@dataclass
class RoiSummary:
    """The headline figures and how fresh the rows behind them are: what the summary API,
    the dashboard and the printable summary all show (one answer per figure)."""

    summary: Summary
    freshness: Freshness
    requested: date


def summary_at(as_of: date, team: Team | None, state: Freshness) -> Summary:
    """The one summary selector: the headline figures as of ``as_of`` (or the last day the
    rollups cover) from the precomputed tables only. ``roi_summary`` (the API and the
    printable summary) and ``dashboard`` both call it, so a page and the API cannot differ
    for the same day; ``roi.figure_inputs.totals_as_of`` is only the tests' reference."""
    day = figures_day(as_of, state)
    assemble = summarise if team is None else summarise_for_team
    return assemble(as_of=day, totals=totals_from_rollups(day, team), timeline=CostModelTimeline())


def roi_summary(*, as_of: date | None = None, team: Team | None = None) -> RoiSummary:
    """DESIGN.md's summary as of ``as_of`` (default today, UTC) from the rollups, brought up
    to date first when they are due (``roi.freshness``)."""
    current = today()
    state = ensure_fresh(today=current)
    as_of = as_of or current
    return RoiSummary(summary=summary_at(as_of, team, state), freshness=state, requested=as_of)


def cx_day(year: int) -> date:
    """CX Day: the first Tuesday of October."""
    first = date(year, 10, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def median_of(histogram: dict[str, int]) -> Decimal | None:
    """The median of the values a ``{"value": how many}`` histogram holds."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted((int(value), n) for value, n in histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return Decimal(nth(total // 2))
    return (Decimal(nth(total // 2 - 1)) + Decimal(nth(total // 2))) / 2


MEASURES = RollupMeasures.MEASURES
# Days to acknowledge and to close, summed over monthly rows inside the database: one JSON
# object per row and kind, merged without decoding each in Python (``json_each`` on SQLite).
HISTOGRAM_SQL = {
    "postgresql": (
        "SELECT 'acknowledge', j.key, sum(j.value::bigint) FROM {table} m "
        "CROSS JOIN LATERAL jsonb_each_text(m.acknowledge_days) j WHERE m.id IN ({ids}) "
        "GROUP BY j.key UNION ALL "
        "SELECT 'close', j.key, sum(j.value::bigint) FROM {table} m "
        "CROSS JOIN LATERAL jsonb_each_text(m.close_days) j WHERE m.id IN ({ids}) GROUP BY j.key"
    ),
    "sqlite": (
        "SELECT 'acknowledge', j.key, sum(j.value) FROM {table} m, json_each(m.acknowledge_days) j "
        "WHERE m.id IN ({ids}) GROUP BY j.key UNION ALL "
        "SELECT 'close', j.key, sum(j.value) FROM {table} m, json_each(m.close_days) j "
        "WHERE m.id IN ({ids}) GROUP BY j.key"
    ),
}


def day_histograms(monthly: QuerySet[MonthlyTeamRollup]) -> tuple[dict, dict]:
    """The ``acknowledge_days`` and ``close_days`` histograms of ``monthly``'s rows added up:
    ``({"days": gaps}, {"days": gaps})``, in one grouped query whatever the rows."""
    ids_sql, ids_params = monthly.order_by().values("id").query.sql_with_params()
    sql = HISTOGRAM_SQL[connection.vendor].format(
        table=MonthlyTeamRollup._meta.db_table, ids=ids_sql
    )
    histograms: dict[str, dict[str, int]] = {"acknowledge": {}, "close": {}}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, *ids_params])
        for kind, days, n in cursor.fetchall():
            histograms[kind][days] = int(n)
    return histograms["acknowledge"], histograms["close"]


def _no_measures() -> dict:
    return {name: getattr(Totals, name) for name in MEASURES}


def _add_measures(sums: dict, row: dict) -> None:
    """Add a ``values()`` row's measures into ``sums`` (plain numbers: no object per row)."""
    for name in MEASURES:
        sums[name] += row[name]


def month_span(month: date) -> tuple[date, date]:
    """A month's first and last day."""
    return month, add_months(month, 1) - timedelta(days=1)


def drill_down_url(
    *,
    team=None,
    role_id: int | None = None,
    settled: bool = False,
    detected: tuple[date | None, date | None] | None = None,
    closed: tuple[date | None, date | None] | None = None,
    prevented: tuple[date | None, date | None] | None = None,
) -> str:
    """The gap list filtered to the gaps behind a figure.

    ``team`` and ``role_id`` narrow to the causing team or role; ``settled`` to closed and
    prevented gaps (those that carry savings). ``closed`` and ``prevented`` are (first, last)
    days, both included, of the day the rollup dates the gap by (``closed_at``'s UTC day,
    ``prevented_on``), with the status the rollup requires; ``detected`` bounds ``detected_on``.
    A bound left ``None`` is open.
    """
    query: list[tuple[str, object]] = []
    if team is not None:
        query.append(("team", getattr(team, "pk", team)))
    if role_id is not None:
        query.append(("causing_role", role_id))
    if settled:
        query += [("status", "closed"), ("status", "prevented")]
    for name, span, status in (
        ("detected", detected, None),
        ("closed", closed, "closed"),
        ("prevented", prevented, "prevented"),
    ):
        if span is None:
            continue
        if status:
            query.append(("status", status))
        first, last = span
        if first is not None:
            query.append((f"{name}_after", first.isoformat()))
        if last is not None:
            query.append((f"{name}_before", last.isoformat()))
    return _gap_list_path(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF) + (
        "?" + urlencode(query) if query else ""
    )


@lru_cache(maxsize=8)
def _gap_list_path(script_prefix: str, urlconf: str) -> str:
    """``reverse("gaps:list")`` once per prefix and URLconf: a dashboard links ~150 figures."""
    return reverse("gaps:list", urlconf=urlconf)


@dataclass
class Dashboard:
    """Everything the dashboard and the executive summary draw, already added up."""

    as_of: date | None
    freshness: Freshness
    start: date
    end: date
    team: Team | None
    summary: Summary | None = None
    period: dict[str, calc.Figure] = field(default_factory=dict)
    months: list[tuple[date, Totals]] = field(default_factory=list)
    teams: list[tuple[Team, Totals]] = field(default_factory=list)
    top_open: list[GapSnapshot] = field(default_factory=list)
    top_savers: list[GapSnapshot] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.summary.currency if self.summary else "EUR"

    @property
    def last_run(self) -> RollupRun | None:
        return self.freshness.last_run

    def settled_months(self) -> list[dict]:
        """Each month's gaps closed and prevented, with the gap lists that hold exactly them."""
        return [
            {
                "month": month,
                "closed": totals.gaps_closed,
                "prevented": totals.gaps_prevented,
                "closed_url": drill_down_url(team=self.team, closed=month_span(month)),
                "prevented_url": drill_down_url(team=self.team, prevented=month_span(month)),
            }
            for month, totals in self.months
        ]

    def team_rows(self) -> list[dict]:
        """Each team's figures in the period, and the gap lists behind them: the gaps closed
        and prevented in the period (exactly the counts), the settled gaps whose savings these
        are, and all of its gaps (what the cost incurred comes from)."""
        period = (self.start, month_span(self.end)[1])
        return [
            {
                "team": team,
                "totals": totals,
                "savings_url": drill_down_url(team=team, settled=True),
                "gaps_url": drill_down_url(team=team),
                "closed_url": drill_down_url(team=team, closed=period),
                "prevented_url": drill_down_url(team=team, prevented=period),
            }
            for team, totals in self.teams
        ]

    def chart_data(self) -> dict:
        """What the charts plot, as plain JSON numbers (the figures themselves stay exact),
        and where each bar leads: the gap list filtered to the gaps behind it."""
        return {
            # Per dataset: measured savings of a month come from the gaps closed by its end,
            # estimated ones from those prevented by its end; the cost incurred from gaps
            # detected by its end (the list cannot filter by when occurrences happened).
            "month_links": [
                [
                    drill_down_url(team=self.team, closed=(None, month_span(month)[1])),
                    drill_down_url(team=self.team, prevented=(None, month_span(month)[1])),
                    drill_down_url(team=self.team, detected=(None, month_span(month)[1])),
                ]
                for month, _ in self.months
            ],
            "settled_links": [
                [
                    drill_down_url(team=self.team, closed=month_span(month)),
                    drill_down_url(team=self.team, prevented=month_span(month)),
                ]
                for month, _ in self.months
            ],
            "team_links": [
                [drill_down_url(team=team, settled=True), drill_down_url(team=team)]
                for team, _ in self.teams
            ],
            "closed": [t.gaps_closed for _, t in self.months],
            "prevented": [t.gaps_prevented for _, t in self.months],
            "open_links": [reverse("gaps:detail", args=[s.gap_id]) for s in self.top_open],
            "currency": self.currency,
            # Axis ticks follow the interface language (Intl.NumberFormat); legends are
            # translated here, so the script holds no text of its own.
            "locale": translation.get_language() or settings.LANGUAGE_CODE,
            "text": {
                "measured": gettext("Measured savings"),
                "estimated": gettext("Estimated savings"),
                "cost": gettext("Cost incurred"),
                "team_savings": gettext("Savings (measured + estimated)"),
                "open_cost": gettext("Cost per month"),
                "gaps_closed": gettext("Gaps closed"),
                "gaps_prevented": gettext("Gaps prevented"),
            },
            "months": [month.strftime("%Y-%m") for month, _ in self.months],
            "measured": [float(t.measured_savings) for _, t in self.months],
            "estimated": [float(t.estimated_savings) for _, t in self.months],
            "cost": [float(t.cost_incurred) for _, t in self.months],
            "teams": [team.name for team, _ in self.teams],
            "team_savings": [
                float(t.measured_savings + t.estimated_savings) for _, t in self.teams
            ],
            "team_cost": [float(t.cost_incurred) for _, t in self.teams],
            "open_gaps": [s.gap.title for s in self.top_open],
            "open_cost": [float(s.monthly_cost) for s in self.top_open],
        }


def dashboard(
    *,
    start: date | None = None,
    end: date | None = None,
    team: Team | None = None,
    state: Freshness | None = None,
):
    """The executive dashboard from the precomputed tables only, in a fixed number of queries.

    Brought up to date first when the rollup is due (``roi.freshness``), unless the caller
    did that already and passes the rollups' ``state``. Totals and ROI are
    ``roi_summary``'s as of the day after the last rolled-up day; period figures add the
    months ``start``..``end`` (default: the twelve months up to the last rolled-up day).
    """
    if state is None:
        state = ensure_fresh(today=today())
    through = state.rolled_through
    as_of = through + timedelta(days=1) if through else None
    end = end or month_of(through or today())
    start = start or add_months(end, -11)
    board = Dashboard(as_of=as_of, freshness=state, start=start, end=end, team=team)
    if as_of is None:
        return board

    board.summary = summary_at(as_of, team, state)
    quarter_from = quarter_start(through)  # type: ignore[arg-type]  # set when figures exist
    # Only the months drawn and the quarter's: at most (months + 3) × teams rows, read as
    # plain values (no model instance per row) and added up in one pass.
    monthly = MonthlyTeamRollup.objects.filter(
        Q(month__range=(start, end)) | Q(month__gte=quarter_from)
    ).order_by("month", "team__name")
    snapshots = GapSnapshot.objects.all()
    if team is not None:
        monthly = monthly.filter(team=team)
        snapshots = snapshots.filter(team=team)
    rows = list(monthly.values("month", "team_id", *MEASURES))

    by_month: dict[date, dict] = defaultdict(_no_measures)
    by_team: dict[int, dict] = defaultdict(_no_measures)
    period, quarter = _no_measures(), _no_measures()
    for row in rows:
        if row["month"] >= quarter_from:
            _add_measures(quarter, row)
        if not start <= row["month"] <= end:
            continue
        _add_measures(by_month[row["month"]], row)
        _add_measures(by_team[row["team_id"]], row)
        _add_measures(period, row)
    acknowledge, close = day_histograms(monthly.filter(month__range=(start, end)))
    month = start
    while month <= end:
        board.months.append((month, Totals(**by_month.get(month, _no_measures()))))
        month = add_months(month, 1)
    teams = {team.pk: team} if team is not None else Team.objects.in_bulk()
    board.teams = sorted(
        ((teams[pk], Totals(**sums)) for pk, sums in by_team.items()),
        key=lambda pair: -(pair[1].measured_savings + pair[1].estimated_savings),
    )
    period, quarter = Totals(**period), Totals(**quarter)  # type: ignore[assignment]  # rows become Totals

    # One row per team, written with the snapshots: never a sum over every open gap's row.
    open_costs = TeamOpenCost.objects.all()
    if team is not None:
        open_costs = open_costs.filter(team=team)
    open_cost = open_costs.aggregate(total=Sum("monthly_cost"), gaps=Coalesce(Sum("open_gaps"), 0))
    board.top_open = top_snapshots(snapshots, "status", OPEN_STATUSES, "monthly_cost")
    board.top_savers = top_snapshots(
        snapshots, "savings_kind", ("measured", "estimated"), "savings"
    )
    board.period = _period_figures(
        board, period, quarter, quarter_from, open_cost, acknowledge, close
    )
    return board


def top_snapshots(
    snapshots: QuerySet[GapSnapshot], key: str, values, amount: str, limit: int = 10
) -> list[GapSnapshot]:
    """The ``limit`` snapshots with the largest ``amount`` among those whose ``key`` is one of
    ``values``, with their gap, role and team: two small queries whatever the gaps.

    The ten are chosen on the snapshot table alone, one index scan per value, each walking
    the ``(key, amount)`` index backwards and stopping after ten (``gapsnapshot_status_cost``,
    ``gapsnapshot_kind_savings``); only those are joined to their gaps. Joining every snapshot
    to its gap before keeping ten, and sorting the lot, is what made the dashboard slow at
    tens of thousands of gaps. SQLite, which allows no ``LIMIT`` inside a ``UNION``, sorts
    the matching snapshots in one query instead (demo-sized data).
    """
    ordered = (f"-{amount}", "gap_id")
    if connection.features.supports_slicing_ordering_in_compound:
        firsts = [
            snapshots.filter(**{key: value})
            .order_by(*ordered)
            .values_list("pk", amount, "gap_id")[:limit]
            for value in values
        ]
        candidates = list(firsts[0].union(*firsts[1:], all=True))
    else:
        # SQLite (the embedded default) has no LIMIT inside UNION: one sorted query.
        candidates = list(
            snapshots.filter(**{f"{key}__in": values})
            .order_by(*ordered)
            .values_list("pk", amount, "gap_id")[:limit]
        )
    ids = [pk for pk, _, _ in sorted(candidates, key=lambda c: (-c[1], c[2]))[:limit]]
    chosen = GapSnapshot.objects.filter(pk__in=ids).select_related(
        "gap", "gap__causing_role", "team"
    )
    by_pk = {snapshot.pk: snapshot for snapshot in chosen}
    # A rollup that replaced the snapshots between the two reads leaves some ids unknown:
    # fewer rows this once rather than an error.
    return [by_pk[pk] for pk in ids if pk in by_pk]


def month_of(day: date) -> date:
    return day.replace(day=1)


def _period_figures(board, period, quarter, quarter_from, open_cost, acknowledge, close):
    span = {"from": board.start.strftime("%Y-%m"), "to": board.end.strftime("%Y-%m")}
    team = {"team": board.team.name if board.team else "all teams"}
    monthly_cost = open_cost["total"] or ZERO
    return {
        "measured_savings": calc.Figure(
            "measured",
            period.measured_savings,
            "Σ of the daily increments of closed gaps' measured savings in the period",
            {**span, **team},
        ),
        "estimated_savings": calc.Figure(
            "estimated",
            period.estimated_savings,
            "Σ of the daily increments of prevented gaps' estimated savings in the period",
            {**span, **team},
        ),
        "cost_incurred": calc.Figure(
            "cost",
            period.cost_incurred,
            "occurrences in the period × unit_cost",
            {**span, **team, "occurrences": period.occurrences},
        ),
        "remedy_spend": calc.Figure(
            "cost",
            period.remedy_spend,
            "Σ remedy_cost of gaps closed or prevented in the period",
            {
                **span,
                **team,
                "gaps_closed": period.gaps_closed,
                "gaps_prevented": period.gaps_prevented,
            },
        ),
        "open_monthly_cost": calc.Figure(
            "cost",
            monthly_cost,
            "Σ over open gaps of occurrences in the last 30 days × unit_cost",
            {"as_of": board.as_of.isoformat(), **team, "open_gaps": open_cost["gaps"]},
        ),
        "quarter_closed": calc.Figure(
            "count",
            Decimal(quarter.gaps_closed),
            "gaps closed from the quarter's first day to the last rolled-up day",
            {"quarter_from": quarter_from.isoformat(), **team},
        ),
        "quarter_prevented": calc.Figure(
            "count",
            Decimal(quarter.gaps_prevented),
            "gaps prevented from the quarter's first day to the last rolled-up day",
            {"quarter_from": quarter_from.isoformat(), **team},
        ),
        "median_acknowledge": calc.Figure(
            "days",
            median_of(acknowledge),
            "median of whole days from detected_on to the day acknowledged, over gaps "
            "acknowledged in the period",
            {**span, **team, "gaps": sum(acknowledge.values())},
        ),
        "median_close": calc.Figure(
            "days",
            median_of(close),
            "median of whole days from detected_on to the day closed, over gaps closed in "
            "the period",
            {**span, **team, "gaps": sum(close.values())},
        ),
    }


@dataclass
class Ranked:
    """One role or team on the recognition board."""

    name: str
    team: str
    role_id: int | None = None
    team_id: int | None = None
    gaps_closed: int = 0
    gaps_prevented: int = 0
    measured_savings: Decimal = ZERO
    estimated_savings: Decimal = ZERO
    year: int | None = None  # the board's: the counts are of gaps closed or prevented in it

    @property
    def savings(self) -> Decimal:
        return self.measured_savings + self.estimated_savings

    def _in_year(self, kind: str) -> str:
        span: tuple[date | None, date | None] = (
            (date(self.year, 1, 1), date(self.year, 12, 31)) if self.year else (None, None)
        )
        if kind == "closed":
            return drill_down_url(team=self.team_id, role_id=self.role_id, closed=span)
        return drill_down_url(team=self.team_id, role_id=self.role_id, prevented=span)

    @property
    def closed_url(self) -> str:
        """The gaps this row closed in the year: as many as ``gaps_closed``."""
        return self._in_year("closed")

    @property
    def prevented_url(self) -> str:
        """The gaps this row prevented in the year: as many as ``gaps_prevented``."""
        return self._in_year("prevented")

    @property
    def count(self) -> int:
        return self.gaps_closed + self.gaps_prevented

    @property
    def gaps_url(self) -> str:
        """The closed and prevented gaps behind this row, on the gap list."""
        return drill_down_url(team=self.team_id, role_id=self.role_id, settled=True)


@dataclass
class Recognition:
    """The year's board: roles and teams ranked by savings and by gaps closed or prevented."""

    year: int
    roles: list[Ranked]
    teams: list[Ranked]
    currency: str = "EUR"

    def top(self, items: list[Ranked], key: str, limit: int = 10) -> list[Ranked]:
        keyed = [i for i in items if getattr(i, key)]
        return sorted(keyed, key=lambda i: (-getattr(i, key), i.name))[:limit]

    @property
    def roles_by_savings(self) -> list[Ranked]:
        return self.top(self.roles, "savings")

    @property
    def roles_by_count(self) -> list[Ranked]:
        return self.top(self.roles, "count")

    @property
    def teams_by_savings(self) -> list[Ranked]:
        return self.top(self.teams, "savings")

    @property
    def teams_by_count(self) -> list[Ranked]:
        return self.top(self.teams, "count")

    @property
    def preventers(self) -> list[Ranked]:
        """CX Day's heroes: who prevented the most gaps, then by estimated savings."""
        keyed = [i for i in self.roles if i.gaps_prevented]
        return sorted(keyed, key=lambda i: (-i.gaps_prevented, -i.estimated_savings, i.name))[:10]

    @property
    def totals(self) -> Ranked:
        total = Ranked(name="All", team="")
        for role in self.roles:
            total.gaps_closed += role.gaps_closed
            total.gaps_prevented += role.gaps_prevented
            total.measured_savings += role.measured_savings
            total.estimated_savings += role.estimated_savings
        return total


def recognition(year: int) -> Recognition:
    """The year's recognition board from the months × roles aggregate (one query)."""
    rows = (
        MonthlyRoleRollup.objects.filter(
            month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1)
        )
        .values("role_id", "role__name", "team_id", "team__name")
        .annotate(
            closed=Sum("gaps_closed"),
            prevented=Sum("gaps_prevented"),
            measured=Sum("measured_savings"),
            estimated=Sum("estimated_savings"),
        )
        .order_by()
    )
    roles, teams = [], {}  # type: ignore[var-annotated]
    for row in rows:
        ranked = Ranked(
            name=row["role__name"],
            team=row["team__name"],
            role_id=row["role_id"],
            year=year,
            gaps_closed=row["closed"] or 0,
            gaps_prevented=row["prevented"] or 0,
            measured_savings=calc.cents(row["measured"] or ZERO),
            estimated_savings=calc.cents(row["estimated"] or ZERO),
        )
        roles.append(ranked)
        team = teams.setdefault(
            row["team_id"],
            Ranked(name=row["team__name"], team="", team_id=row["team_id"], year=year),
        )
        team.gaps_closed += ranked.gaps_closed
        team.gaps_prevented += ranked.gaps_prevented
        team.measured_savings += ranked.measured_savings
        team.estimated_savings += ranked.estimated_savings
    currency = cost_model_as_of(min(date(year, 12, 31), today())).currency
    return Recognition(year=year, roles=roles, teams=list(teams.values()), currency=currency)


@dataclass
class BeforeAfter:
    """One gap's occurrences per 30-day month around its closing (or up to today)."""

    gap: Gap
    as_of: date
    savings: calc.Figure
    currency: str
    labels: list[str]
    counts: list[int]
    anchor_label: str

    def chart_data(self) -> dict:
        return {
            "labels": self.labels,
            "counts": self.counts,
            "anchor": self.anchor_label,
            "text": {
                "occurrences": gettext("Occurrences per 30 days"),
                "subtitle": gettext("Months before (−) and after (+) the gap was %(anchor)s")
                % {"anchor": self.anchor_label},
            },
        }


def gap_before_after(gap: Gap, as_of: date) -> BeforeAfter:
    """Occurrences per 30-day month before and after closing: the picture behind the savings.

    For a closed gap the months are counted from ``closed_at`` (−3 … −1 before, +1 … after);
    for any other gap, the twelve months up to ``as_of``.
    """
    model = cost_model_as_of(as_of)
    end = calc.day_start(as_of)
    if gap.status == Gap.Status.CLOSED and gap.closed_at is not None:
        anchor = gap.closed_at
        before = -(-model.baseline_window_days // 30)
        after = max(1, -(-int((end - anchor).days) // 30))
        start = anchor - timedelta(days=30 * before)
        anchor_label = gettext("closed")
    else:
        anchor, before, after = end, 12, 0
        start = end - timedelta(days=360)
        anchor_label = gettext("as of")
    per_day = (
        Occurrence.objects.filter(gap=gap, occurred_at__gte=start, occurred_at__lt=end)
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    buckets = {k: 0 for k in range(-before, after)}
    anchor_day = anchor.astimezone(UTC).date()
    for row in per_day:
        index = (row["day"] - anchor_day).days // 30
        if index in buckets:
            buckets[index] += row["n"]
    # The sign stays in the label: the chart colours the months after (+) apart.
    labels = [
        gettext("month %(number)s") % {"number": f"{k + 1:+d}" if k >= 0 else f"{k:d}"}
        for k in buckets
    ]
    return BeforeAfter(
        gap=gap,
        as_of=as_of,
        savings=gap_savings(gap, as_of),
        currency=model.currency,
        labels=labels,
        counts=list(buckets.values()),
        anchor_label=anchor_label,
    )
