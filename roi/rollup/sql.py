"""The rollup on PostgreSQL: every measure family computed and written set-based, in SQL.

``roi.rollup.run.rollup_run`` calls ``write_range`` inside the run's transaction. Nothing here
materialises a row in Python: each table is written by one ``INSERT … SELECT`` (daily rows
and monthly aggregates upserted with ``ON CONFLICT DO UPDATE``, stale rows of the range
deleted with one statement, snapshots replaced), so a run costs a fixed number of statements
whatever the data size. The embedded SQLite default keeps the Python path
(``roi.rollup.measures`` and ``roi.rollup.writers``: same rules, same figures).

The savings are the closed forms of ``roi.calculations`` in exact integer arithmetic, so that
the rows agree with the Python figures to the cent:

- measured savings of a closed gap as of T, in cents, rounded half-up =
  ⌊(2·max(0, B·e − P·W)·u·100 + W) ÷ 2W⌋ with B the baseline window's occurrences, e the
  microseconds from closing to T, P the occurrences since closing, W the window in
  microseconds and u the unit cost (``calculations.measured_savings`` divides the same
  product once);
- estimated savings of a prevented gap as of T = ⌊(2·m·min(days, horizon)·u·100 + 30) ÷ 60⌋
  with m the expected monthly occurrences.

A day D's row carries Σ over its gaps of cents(savings as of D + 1) − cents(savings as of D);
the cost model in force on each day applies, as in Python. Each gap's days are cut into
segments on which the inputs are constant (one cost model version; for a closed gap, the
occurrences since closing between two days that have some), so a day's figure is integer
arithmetic on the segment's constants, in one ``generate_series`` pass with no window over
gap-days; the per-gap figures are summed per (day, group id) by a hash aggregate
and each day's sum counted on two days (see ``_increments``). Zero stretches are never
generated, nor a prevented gap's days past its horizon (two rows stand for them).
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

import numpy as np
from django.db import connection

from gaps.models import OPEN_STATUSES

from .. import calculations as calc
from ..costs import CostModelTimeline
from ..models import CostModel, DailyRollup, RollupMeasures
from . import arrays

T = TypeVar("T")
ONE_DAY = timedelta(days=1)
US_PER_DAY = calc.MICROSECONDS_PER_DAY
EPOCH = date(1970, 1, 1)
# Above this many days recomputed, the rewritten tables get fresh statistics (the dashboard's
# plans went bad on statistics left stale by a full run).
ANALYZE_AFTER_DAYS = 31
WORK_MEM = "256MB"
# The statuses whose occurrences make a snapshot's monthly cost (the one set, gaps.models).
OPEN = tuple(OPEN_STATUSES)
MEASURES = RollupMeasures.MEASURES
MONEY_MEASURES = ("cost_incurred", "measured_savings", "estimated_savings", "remedy_spend")
# The sum of whole cents (and counts) as ``bigint``, exact: a temporary aggregate on
# ``int8pl`` (an overflow is an error, as in ``+``). Its state is one int8 held by value,
# where the built-in ``sum(bigint)`` keeps a 128-bit state allocated per group and returns
# ``numeric``: merging a million groups took a third less time and half the memory (no spill
# to disk at ``WORK_MEM``) at SCALE=1.
TOTAL = "pg_temp.rollup_total"
# The grains of ``rollup_daily``'s grouping sets: per-team days, per-role months.
TEAM_DAY, ROLE_MONTH = 1, 2


def _literal(value: date | Decimal | int) -> str:
    """An SQL literal of a value the code made itself (a date, an amount, a count of days):
    the cost model versions are inlined into CASE expressions, never user text."""
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, Decimal):
        return f"{value:f}::numeric"
    if isinstance(value, int):
        return str(int(value))
    raise TypeError(f"no SQL literal for {value!r}")


class Versions:
    """The cost model versions as SQL: ``case(day, pick)`` is ``pick(version)`` of the version
    in force on ``day`` (an SQL date expression), by ``roi.costs.version_in_force``'s rule."""

    def __init__(self, timeline: CostModelTimeline) -> None:
        self.models: list[CostModel] = timeline.versions or [timeline.on(date.min)]
        self.windows = sorted({m.baseline_window_days for m in self.models})

    def case(self, day: str, pick) -> str:
        branches = [
            f"WHEN {day} < {_literal(later.effective_from)} THEN {pick(model)}"
            for model, later in zip(self.models, self.models[1:], strict=False)
        ]
        last = pick(self.models[-1])
        return f"CASE {' '.join(branches)} ELSE {last} END" if branches else last

    def unit(self, day: str, gap: str, touchpoint_cost: str) -> str:
        """``roi.costs.gap_unit_cost`` of the gap row ``gap`` under the version on ``day``."""
        cost = self.case(day, lambda m: _literal(m.cost_per_contact))
        revenue = self.case(day, lambda m: _literal(m.revenue_at_risk_per_occurrence))
        return _unit(gap, touchpoint_cost, cost, revenue)

    def unit_columns(self, gap: str, touchpoint_cost: str) -> str:
        """The gap's unit cost in whole cents under each version, as columns ``u0``, ``u1``, …
        (the same rounding to cents as ``(unit * 100)::bigint`` per occurrence)."""
        return ", ".join(
            "({} * 100)::bigint AS u{}".format(
                _unit(
                    gap,
                    touchpoint_cost,
                    _literal(model.cost_per_contact),
                    _literal(model.revenue_at_risk_per_occurrence),
                ),
                index,
            )
            for index, model in enumerate(self.models)
        )

    def unit_cents(self, day: str, table: str) -> str:
        """The unit cost column (``u<index>``, see ``unit_columns``) of the version on ``day``."""
        index = {id(model): n for n, model in enumerate(self.models)}
        return self.case(day, lambda m: f"{table}.u{index[id(m)]}")

    def window(self, day: str) -> str:
        return self.case(day, lambda m: _literal(m.baseline_window_days))

    def baseline(self, day: str, table: str) -> str:
        """The baseline count column (``b<days>``) of the window in force on ``day``."""
        return self.case(day, lambda m: f"{table}.b{m.baseline_window_days}")

    def horizon(self, day: str) -> str:
        return self.case(day, lambda m: _literal(m.estimate_horizon_days))


def _unit(gap: str, touchpoint_cost: str, cost: str, revenue: str) -> str:
    """``roi.costs.gap_unit_cost`` in SQL: the gap's own cost, its touchpoint's, the model's."""
    return (
        f"(coalesce({gap}.cost_to_serve, {touchpoint_cost}, {cost}) "
        f"+ coalesce({gap}.revenue_at_risk, {revenue}))"
    )


def day_us(day: str) -> str:
    """Microseconds from the epoch to 00:00 UTC of an SQL date."""
    return f"(({day}) - {_literal(EPOCH)})::numeric * {US_PER_DAY}"


def measured_cents(*, t_us: str, closed_us: str, b: str, w_us: str, p: str, unit: str) -> str:
    """Measured savings as of T in whole cents, rounded half-up, exactly (see module doc);
    ``w_us`` is the baseline window in microseconds."""
    big_w = f"({w_us})"
    excess = f"greatest(0, ({b}) * (({t_us}) - ({closed_us})) - ({p}) * {big_w})"
    return (
        f"CASE WHEN ({t_us}) <= ({closed_us}) THEN 0::numeric "
        f"ELSE div(2 * {excess} * ({unit}) * 100 + {big_w}, 2 * {big_w}) END"
    )


def estimated_cents(*, day: str, prevented_on: str, emo: str, horizon: str, unit: str) -> str:
    """Estimated savings as of T in whole cents, rounded half-up, exactly (see module doc)."""
    days = f"least(greatest(0, ({day}) - ({prevented_on})), {horizon})"
    return f"div(2 * coalesce({emo}, 0) * {days} * ({unit}) * 100 + 30, 60)"


def _ts(day: date) -> str:
    return _literal(day) + "::timestamp AT TIME ZONE 'UTC'"


def write_range(
    *, first: date, last: date, run_at, timeline: CostModelTimeline, figure_limit: Decimal
) -> tuple[int, list[dict]]:
    """Recompute the daily rows of ``[first, last]`` and the months holding them.

    Returns the number of daily rows written and the gaps left out of the savings because
    their figures would pass ``figure_limit`` (``[{"gap": id, "reason": …}]``).
    """
    versions = Versions(timeline)
    end = last + ONE_DAY
    with connection.cursor() as cursor:
        # For this transaction only: sorts and hashes of a full run in memory rather than on
        # disk, and no JIT compilation (it cost more than it saved on these plans).
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        _prepare(cursor, versions, first, end, figure_limit)
        cursor.execute(
            "SELECT gap_id, reason FROM rollup_skipped ORDER BY gap_id",
        )
        skipped = [{"gap": gap, "reason": reason} for gap, reason in cursor.fetchall()]
        increments = _array_increments(
            cursor,
            versions,
            first,
            last,
            alongside=lambda: _group_occurrences(cursor, versions, first, end),
        ) or _increments(versions, last)
        written = _write_daily(cursor, increments, first, last, run_at)
        _write_monthly(cursor, first, last, run_at)
    return written, skipped


def _prepare(cursor, versions: Versions, first: date, end: date, figure_limit: Decimal) -> None:
    """Small temporary tables the families share: closed and prevented gaps with their
    baseline and post-closing counts, their figures as of ``end``, and the gaps left out."""
    # Left by an earlier run in the same outer transaction (tests, the demo): ON COMMIT DROP
    # drops them only when that commits.
    cursor.execute(
        "DROP TABLE IF EXISTS rollup_versions, rollup_gaps, rollup_groups, rollup_closed, "
        "rollup_post, rollup_prevented, rollup_figures, rollup_skipped, rollup_occurrences, "
        "rollup_savings, rollup_day_groups, rollup_daily"
    )
    # The versions as day ranges (first and last day included; open ends NULL, so that the
    # first version reaches back and the last one forward), for the per-day series.
    cursor.execute(
        "CREATE TEMP TABLE rollup_versions (v_first date, v_last date, cost numeric, "
        "revenue numeric, w int, w_us numeric, horizon int) ON COMMIT DROP"
    )
    models = versions.models
    cursor.executemany(
        "INSERT INTO rollup_versions VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            (
                model.effective_from if index else None,
                later.effective_from - ONE_DAY if later else None,
                model.cost_per_contact,
                model.revenue_at_risk_per_occurrence,
                model.baseline_window_days,
                model.baseline_window_days * US_PER_DAY,
                model.estimate_horizon_days,
            )
            for index, (model, later) in enumerate(zip(models, [*models[1:], None], strict=True))
        ],
    )
    cursor.execute(f"CREATE OR REPLACE AGGREGATE {TOTAL}(bigint) (sfunc = int8pl, stype = bigint)")
    # Every gap's group (team, role, category) as a dense id, numbered in the daily rows' key
    # order, and its unit cost in cents under each version: the families are summed per
    # (day, group id), a narrower key than the four columns (and no per-occurrence join to
    # the touchpoints or numeric arithmetic). Taken once, so that every statement of the run
    # sees the same groups; a gap created or moved meanwhile is in the next run's days
    # (``due``).
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_gaps ON COMMIT DROP AS
        SELECT g.id AS gap_id, g.causing_team_id AS team_id, g.causing_role_id AS role_id,
               g.category,
               (dense_rank() OVER (ORDER BY g.causing_team_id, g.causing_role_id, g.category)
                - 1)::int AS gid,
               {versions.unit_columns("g", "tp.cost_per_contact")}
        FROM gaps_gap g LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
        """  # noqa: S608 - the code's own literals
    )
    cursor.execute(
        "CREATE TEMP TABLE rollup_groups ON COMMIT DROP AS "
        "SELECT DISTINCT gid, team_id, role_id, category FROM rollup_gaps"
    )
    # Temporary tables have no statistics until analysed: planned as ~200 rows (the versions)
    # or from their size alone, they got bad join orders.
    cursor.execute("ANALYZE rollup_versions, rollup_gaps, rollup_groups")
    # One baseline count per window length a version uses (whole days, the code's own ints).
    baselines = ", ".join(
        "(SELECT count(*) FROM gaps_occurrence o WHERE o.gap_id = g.id "  # noqa: S608
        f"AND o.occurred_at >= g.closed_at - {int(w)} * interval '86400 seconds' "
        f"AND o.occurred_at < g.closed_at) AS b{int(w)}"
        for w in versions.windows
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_closed ON COMMIT DROP AS
        SELECT g.id AS gap_id, r.gid, g.cost_to_serve, g.revenue_at_risk,
               tp.cost_per_contact AS tp_cost, g.closed_at,
               extract(epoch FROM g.closed_at) * 1000000 AS closed_us,
               greatest(%(first)s::date, (g.closed_at AT TIME ZONE 'UTC')::date) AS start_day,
               0::bigint AS p_before, 0::bigint AS p_all, {baselines}
        FROM gaps_gap g JOIN rollup_gaps r ON r.gap_id = g.id
        LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
        WHERE g.status = 'closed' AND g.closed_at < {_ts(end)}
        """,  # noqa: S608 - the inlined parts are the code's own literals
        {"first": first},
    )
    cursor.execute("ANALYZE rollup_closed")
    # Post-closing occurrences per gap and day, up to the range's end (before the range:
    # only their total matters).
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_post ON COMMIT DROP AS
        SELECT o.gap_id, (o.occurred_at AT TIME ZONE 'UTC')::date AS d, count(*) AS n
        FROM rollup_closed c JOIN gaps_occurrence o ON o.gap_id = c.gap_id
        WHERE o.occurred_at >= c.closed_at AND o.occurred_at < {_ts(end)}
        GROUP BY 1, 2
        """  # noqa: S608
    )
    cursor.execute("CREATE INDEX ON rollup_post (gap_id, d)")
    cursor.execute("ANALYZE rollup_post")
    cursor.execute(
        """
        UPDATE rollup_closed c SET p_before = s.before, p_all = s.total
        FROM (
            SELECT p.gap_id, coalesce(sum(p.n) FILTER (WHERE p.d < c.start_day), 0) AS before,
                   sum(p.n) AS total
            FROM rollup_post p JOIN rollup_closed c USING (gap_id) GROUP BY p.gap_id
        ) s
        WHERE s.gap_id = c.gap_id
        """
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_prevented ON COMMIT DROP AS
        SELECT g.id AS gap_id, r.gid, g.cost_to_serve, g.revenue_at_risk,
               tp.cost_per_contact AS tp_cost,
               g.expected_monthly_occurrences AS emo, g.prevented_on,
               greatest(%(first)s::date, g.prevented_on) AS start_day
        FROM gaps_gap g JOIN rollup_gaps r ON r.gap_id = g.id
        LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
        WHERE g.status = 'prevented' AND g.prevented_on < {_literal(end)}
        """,  # noqa: S608
        {"first": first},
    )
    cursor.execute("ANALYZE rollup_prevented")
    end_day = _literal(end)
    unit_c = versions.unit(end_day, "c", "c.tp_cost")
    unit_p = versions.unit(end_day, "p", "p.tp_cost")
    measured_args = {
        "t_us": day_us(end_day),
        "closed_us": "c.closed_us",
        "b": versions.baseline(end_day, "c"),
        "w_us": f"({versions.window(end_day)}) * {US_PER_DAY}::numeric",
        "unit": unit_c,
    }
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_figures ON COMMIT DROP AS
        SELECT c.gap_id, 'measured'::text AS kind,
               {measured_cents(p="c.p_all", **measured_args)} AS cents,
               {measured_cents(p="0", **measured_args)} AS bound
        FROM rollup_closed c
        UNION ALL
        SELECT p.gap_id, 'estimated', e.cents, e.cents
        FROM rollup_prevented p, LATERAL (SELECT {
            estimated_cents(
                day=end_day,
                prevented_on="p.prevented_on",
                emo="p.emo",
                horizon=versions.horizon(end_day),
                unit=unit_p,
            )
        } AS cents) e
        """  # noqa: S608
    )
    limit_cents = figure_limit * 100
    cursor.execute(
        """
        CREATE TEMP TABLE rollup_skipped ON COMMIT DROP AS
        SELECT gap_id,
               format('its %%s savings could reach %%s, beyond the %%s a gap''s figure '
                      'may add to the rollup',
                      kind, (bound / 100)::numeric(30, 2), %(limit)s::numeric) AS reason
        FROM rollup_figures WHERE bound > %(limit_cents)s
        """,
        {"limit": figure_limit, "limit_cents": limit_cents},
    )


# Above this, an int8 product could overflow: the segment takes the numeric path instead.
INT8_SAFE = 9 * 10**18


def _savings_series(versions: Versions, last: date) -> str:
    """Every closed and prevented gap's savings in cents as of each day T whose figure the
    run needs, as rows (t, gid, start_day, measured, estimated).

    A gap's savings are cut into segments on which one formula holds: the cost model version
    in force and, for a closed gap, the occurrences since closing (constant between two days
    with occurrences). On a segment the figure is ⌊(a·k + x) ÷ 2W⌋ of the day index k, so a day
    costs two int8 multiplications and one division; a segment whose product could leave int8
    (bounded inputs make it rare) takes exact ``numeric``. What is zero is never generated:
    closed gaps with no baseline, days before the savings turn positive. A prevented gap past
    its horizon keeps a constant figure: those days come as two rows in ``_plateaus``.
    """
    end = _literal(last + ONE_DAY)
    baseline = " ".join(f"WHEN {int(w)} THEN c.b{int(w)}" for w in versions.windows)
    in_force = (
        "JOIN rollup_versions v ON (v.v_first IS NULL OR v.v_first <= {to}) "
        "AND (v.v_last IS NULL OR v.v_last >= {since}) "
        "CROSS JOIN LATERAL (SELECT greatest({since}, v.v_first) AS lo, "
        "least({to}, v.v_last) AS hi, "
        "((coalesce({gap}.cost_to_serve, {gap}.tp_cost, v.cost) "
        "+ coalesce({gap}.revenue_at_risk, v.revenue)) * 100)::bigint AS uc) x"
    )
    not_skipped = "NOT IN (SELECT gap_id FROM rollup_skipped)"
    return f"""
        WITH post_segments AS (
            -- Days T on which the occurrences since closing, P(T), stay the same: from the
            -- range's start to the first day with one, then from each such day + 1 on.
            SELECT c.gap_id, c.start_day AS seg_from,
                   coalesce(min(p.d), {end}) AS seg_to, c.p_before AS p
            FROM rollup_closed c
            LEFT JOIN rollup_post p ON p.gap_id = c.gap_id AND p.d >= c.start_day
            GROUP BY c.gap_id, c.start_day, c.p_before
          UNION ALL
            SELECT p.gap_id, p.d + 1, coalesce(lead(p.d) OVER w, {end}),
                   c.p_before + sum(p.n) OVER w
            FROM rollup_post p JOIN rollup_closed c ON c.gap_id = p.gap_id
            WHERE p.d >= c.start_day
            WINDOW w AS (PARTITION BY p.gap_id ORDER BY p.d)
        ),
        measured_parts AS (
            -- X(T) = B·e(T) − P·W (e: µs since closing) grows by a = B·day per day; x0 is
            -- X on the segment's first day.
            SELECT c.gap_id, c.gid, c.start_day, x.lo, x.hi, x.uc,
                   v.w_us::bigint AS w_us,
                   (CASE v.w {baseline} END)::numeric * {US_PER_DAY} AS a,
                   (CASE v.w {baseline} END)::numeric
                       * ((x.lo - {_literal(EPOCH)})::numeric * {US_PER_DAY} - c.closed_us)
                   - s.p * v.w_us AS x0
            FROM post_segments s JOIN rollup_closed c ON c.gap_id = s.gap_id
            {in_force.format(since="s.seg_from", to="s.seg_to", gap="c")}
            WHERE c.gap_id {not_skipped}
        ),
        measured_runs AS (
            -- From the first day X > 0 (before it the savings are zero): its X is x1.
            SELECT m.*, m.lo + z.k0 AS lo1, m.x0 + m.a * z.k0 AS x1
            FROM measured_parts m
            CROSS JOIN LATERAL (
                SELECT CASE WHEN m.x0 > 0 THEN 0 ELSE floor(-m.x0 / m.a)::int + 1 END AS k0
            ) z
            WHERE m.a > 0 AND m.uc > 0 AND m.hi >= m.lo
              AND m.x0 + m.a * (m.hi - m.lo) > 0
        ),
        measured_typed AS MATERIALIZED (
            SELECT r.*, f.fits,
                   CASE WHEN f.fits THEN r.a::bigint END AS a8,
                   CASE WHEN f.fits THEN r.x1::bigint END AS x8
            FROM measured_runs r
            CROSS JOIN LATERAL (
                SELECT 2 * r.uc * (r.x1 + r.a * (r.hi - r.lo1)) + r.w_us < {INT8_SAFE} AS fits
            ) f
        ),
        estimated_parts AS (
            SELECT p.gap_id, p.gid, p.start_day, p.prevented_on,
                   x.lo, x.hi, x.uc, v.horizon,
                   (coalesce(p.emo, 0) * 100)::bigint AS em
            FROM rollup_prevented p
            {in_force.format(since="p.start_day", to=end, gap="p")}
            WHERE p.gap_id {not_skipped}
        ),
        estimated_growth AS MATERIALIZED (
            SELECT e.*, least(e.hi, e.prevented_on + e.horizon) AS grow_to,
                   2::numeric * e.em * e.horizon * e.uc + 3000 < {INT8_SAFE} AS fits
            FROM estimated_parts e
            WHERE e.em > 0 AND e.uc > 0 AND e.hi >= e.lo
        )
        SELECT m.lo1 + m.k AS t, m.gid, m.start_day,
               CASE WHEN m.fits THEN (2 * m.uc * (m.x8 + m.a8 * m.k) + m.w_us) / (2 * m.w_us)
                    ELSE div(2 * m.uc * (m.x1 + m.a * m.k) + m.w_us, 2 * m.w_us)::bigint
               END AS measured,
               0::bigint AS estimated
        FROM (SELECT *, generate_series(0, hi - lo1) AS k FROM measured_typed) m
      UNION ALL
        SELECT e.lo + e.k, e.gid, e.start_day, 0::bigint,
               CASE WHEN e.fits
                    THEN (2 * e.em * (e.lo - e.prevented_on + e.k) * e.uc + 3000) / 6000
                    ELSE div(
                        2::numeric * e.em * (e.lo - e.prevented_on + e.k) * e.uc + 3000, 6000
                    )::bigint
               END
        FROM (SELECT *, generate_series(0, grow_to - lo) AS k FROM estimated_growth) e
    """  # noqa: S608 - the code's own fragments and literals


def _plateaus(versions: Versions, last: date) -> str:
    """Prevented gaps past their horizon: the figure C stays constant from day a to day b,
    so its daily increments telescope to +C on day a − 1 (unless a is the first day the run
    counts from) and −C on day b (unless b is past the range)."""
    end = _literal(last + ONE_DAY)
    return f"""
        SELECT d.day, p.gid, 0, 0, 0, 0, 0::bigint, 0::bigint,
               d.sign * f.cents, 0::bigint
        FROM rollup_prevented p
        JOIN rollup_versions v ON (v.v_first IS NULL OR v.v_first <= {end})
             AND (v.v_last IS NULL OR v.v_last >= p.start_day)
        CROSS JOIN LATERAL (
            SELECT greatest(p.start_day, v.v_first, p.prevented_on + v.horizon + 1) AS a,
                   least({end}, v.v_last) AS b,
                   (coalesce(p.emo, 0) * 100)::bigint AS em,
                   ((coalesce(p.cost_to_serve, p.tp_cost, v.cost)
                     + coalesce(p.revenue_at_risk, v.revenue)) * 100)::bigint AS uc
        ) x
        CROSS JOIN LATERAL (
            SELECT div(2::numeric * x.em * v.horizon * x.uc + 3000, 6000)::bigint AS cents
        ) f
        CROSS JOIN LATERAL (
            VALUES (x.a - 1, 1), (x.b, -1)
        ) d(day, sign)
        WHERE x.a <= x.b AND f.cents <> 0
          AND p.gap_id NOT IN (SELECT gap_id FROM rollup_skipped)
          AND ((d.sign = 1 AND x.a > p.start_day) OR (d.sign = -1 AND x.b <= {_literal(last)}))
    """  # noqa: S608 - the code's own fragments and literals


def _increments(versions: Versions, last: date) -> str:
    """Daily rows of savings increments: day D gets Σ over its gaps of cents(D + 1) −
    cents(D). Summed per (day, group) first (one hash aggregate, no sort per gap), each
    day T's figures count twice: added to day T − 1 (when T is past the gap's first day) and
    taken from day T (when T is in the range); the sum over a gap telescopes to the same
    increments."""
    return f"""
        SELECT x.d, s.gid, 0, 0, 0, 0, 0::bigint,
               x.measured::bigint, x.estimated::bigint, 0::bigint
        FROM (
            SELECT t, gid,
                   coalesce(sum(measured) FILTER (WHERE t > start_day), 0) AS m_plus,
                   coalesce(sum(estimated) FILTER (WHERE t > start_day), 0) AS e_plus,
                   coalesce(sum(measured) FILTER (WHERE t <= {_literal(last)}), 0) AS m_minus,
                   coalesce(sum(estimated) FILTER (WHERE t <= {_literal(last)}), 0) AS e_minus
            FROM ({_savings_series(versions, last)}) series
            GROUP BY t, gid
        ) s
        CROSS JOIN LATERAL (
            VALUES (s.t - 1, s.m_plus, s.e_plus), (s.t, -s.m_minus, -s.e_minus)
        ) x(d, measured, estimated)
        WHERE x.measured <> 0 OR x.estimated <> 0
      UNION ALL
        {_plateaus(versions, last)}
    """  # noqa: S608 - the code's own fragments


def _array_increments(
    cursor, versions: Versions, first: date, last: date, alongside: Callable[[], None]
) -> str | None:
    """The savings increments computed as arrays (``roi.rollup.arrays``) into a temporary
    table, and the SQL that reads them as daily part-rows; ``None`` when the run's figures
    could leave int64 (then ``_increments`` computes them in exact ``numeric`` SQL).

    Once the inputs are read, the arrays (and the check that they fit) are computed in a
    second thread while this one runs ``alongside`` (the occurrences' grouping, which either
    way runs once): PostgreSQL's backend works on one core and NumPy on the other, instead
    of one after the other. The thread touches no database; its error, if any, is raised
    here once both are done."""
    closed = _rows(
        cursor,
        f"""
        SELECT gap_id, gid, cost_to_serve, revenue_at_risk, tp_cost,
               (closed_at AT TIME ZONE 'UTC')::date AS closed_date,
               (closed_us - ((closed_at AT TIME ZONE 'UTC')::date - {_literal(EPOCH)})::numeric
                   * {US_PER_DAY})::bigint AS "offset",
               start_day, p_before, p_all, {", ".join(f"b{int(w)}" for w in versions.windows)}
        FROM rollup_closed WHERE gap_id NOT IN (SELECT gap_id FROM rollup_skipped)
        ORDER BY gap_id
        """,  # noqa: S608 - the code's own column names
    )
    prevented = _rows(
        cursor,
        """
        SELECT gap_id, gid, cost_to_serve, revenue_at_risk, tp_cost, emo, prevented_on, start_day
        FROM rollup_prevented WHERE gap_id NOT IN (SELECT gap_id FROM rollup_skipped)
        ORDER BY gap_id
        """,
    )
    cursor.execute(
        "SELECT coalesce(sum(bound), 0) FROM rollup_figures "
        "WHERE gap_id NOT IN (SELECT gap_id FROM rollup_skipped)"
    )
    bound = int(cursor.fetchone()[0])
    post = np.empty((0, 3), dtype=np.int64)
    if closed:
        cursor.execute(
            f"""
            SELECT p.gap_id, p.d - {_literal(EPOCH)}, p.n
            FROM rollup_post p JOIN rollup_closed c USING (gap_id)
            WHERE p.d >= c.start_day AND p.d <= %(last)s
              AND p.gap_id NOT IN (SELECT gap_id FROM rollup_skipped)
            ORDER BY p.gap_id
            """,  # noqa: S608
            {"last": last},
        )
        # fetchall: iterating the cursor row by row cost a second at SCALE=1 (325,000 rows).
        post = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    integer_versions = arrays.versions_of(versions.models)
    groups = 1 + max((gap["gid"] for gap in (*closed, *prevented)), default=-1)

    def compute() -> arrays.Savings | None:
        if not arrays.fits(bound, closed, prevented, integer_versions, last + ONE_DAY):
            return None
        savings = arrays.Savings(first, last, integer_versions, groups=groups)
        savings.add_all(closed, prevented, post)
        return savings

    savings = _beside(compute, alongside)
    if savings is None:
        return None
    cursor.execute(
        "CREATE TEMP TABLE rollup_savings (day int, gid int, measured bigint, estimated bigint) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY rollup_savings FROM STDIN (FORMAT BINARY)") as copy:
        for chunk in savings.copy_chunks():
            copy.write(chunk)
    return f"""
        SELECT {_literal(first)} + s.day, s.gid, 0, 0, 0, 0,
               0::bigint, s.measured, s.estimated, 0::bigint
        FROM rollup_savings s
    """  # noqa: S608 - the code's own literal


def _rows(cursor, sql: str) -> list[dict]:
    cursor.execute(sql)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _beside(compute: Callable[[], T], alongside: Callable[[], None]) -> T:
    """Run ``compute`` (no database) in a second thread while ``alongside`` runs here; wait
    for both, then raise the first error of either, or return what ``compute`` returned."""
    failed: list[BaseException] = []
    returned: list[T] = []

    def work() -> None:
        try:
            returned.append(compute())
        except BaseException as error:  # handed to the caller's thread below
            failed.append(error)

    thread = threading.Thread(target=work, name="rollup-savings-arrays", daemon=True)
    thread.start()
    try:
        alongside()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return returned[0]


def _group_occurrences(cursor, versions: Versions, first: date, end: date) -> None:
    """The occurrences of ``[first, end)`` counted per (day, group id) with their cost in
    cents (the unit cost of the version in force on the occurrence's day, ``rollup_gaps``),
    into ``rollup_occurrences``: the one pass over the occurrence table."""
    occurrence_day = "(o.occurred_at AT TIME ZONE 'UTC')::date"
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_occurrences ON COMMIT DROP AS
        SELECT {occurrence_day} AS d, r.gid, count(*) AS n,
               {TOTAL}({versions.unit_cents(occurrence_day, "r")}) AS cents
        FROM gaps_occurrence o JOIN rollup_gaps r ON r.gap_id = o.gap_id
        WHERE o.occurred_at >= {_ts(first)} AND o.occurred_at < {_ts(end)}
        GROUP BY 1, 2
        """  # noqa: S608 - the code's own literals
    )


@contextmanager
def _indexes_built_after(*, rebuild: bool) -> Iterator[None]:
    """With ``rebuild``, drop ``DailyRollup``'s unique constraint and secondary indexes for the
    block and create them again after it, through Django's schema editor so that names and
    definitions stay the model's own. Only for an empty table (the first run): the drop
    locks the table until the run commits, and nothing is there to read yet."""
    if not rebuild:
        yield
        return
    constraints = list(DailyRollup._meta.constraints)
    indexes = list(DailyRollup._meta.indexes)
    with connection.schema_editor(atomic=False, collect_sql=False) as editor:
        for constraint in constraints:
            editor.remove_constraint(DailyRollup, constraint)
        for index in indexes:
            editor.remove_index(DailyRollup, index)
    yield
    with connection.schema_editor(atomic=False, collect_sql=False) as editor:
        for constraint in constraints:
            editor.add_constraint(DailyRollup, constraint)
        for index in indexes:
            editor.add_index(DailyRollup, index)


def _write_daily(cursor, increments: str, first: date, last: date, run_at) -> int:
    """Every family summed per (day, group id) into ``rollup_day_groups``, the per-team days
    and per-role months from it; the daily rows written from it with one ``INSERT … SELECT``
    (upserted when the range already holds rows, whose stale rows are then deleted).
    Returns the rows written."""
    end = last + ONE_DAY
    columns = ", ".join(MEASURES)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*MEASURES, "computed_at"))
    nonzero = " OR ".join(f"{TOTAL}({name}) <> 0" for name in MEASURES)
    # Money travels as whole cents in bigint (exact, and summed far faster than numeric),
    # in ``rollup_day_groups`` and ``rollup_daily`` too (the months and team days are summed
    # from them); one division by 100 where a row is written. Bounded inputs and the per-gap
    # limit keep it in range.
    sums = ", ".join(f"{TOTAL}({name}) AS {name}" for name in MEASURES)
    values = _money_values("n.")
    # The families' part-rows merged on (day, group id): one hash aggregate on a narrow key.
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_day_groups ON COMMIT DROP AS
        SELECT d, gid, {sums}
        FROM (
            SELECT g.detected_on AS d, r.gid, 1 AS gaps_opened, 0 AS gaps_closed,
                   0 AS gaps_prevented, 0::bigint AS occurrences, 0::bigint AS cost_incurred,
                   0::bigint AS measured_savings, 0::bigint AS estimated_savings,
                   0::bigint AS remedy_spend
            FROM gaps_gap g JOIN rollup_gaps r ON r.gap_id = g.id
            WHERE g.detected_on BETWEEN %(first)s AND %(last)s
          UNION ALL
            SELECT (g.closed_at AT TIME ZONE 'UTC')::date, r.gid, 0, 1, 0, 0, 0, 0, 0,
                   (g.remedy_cost * 100)::bigint
            FROM gaps_gap g JOIN rollup_gaps r ON r.gap_id = g.id
            WHERE g.status = 'closed' AND g.closed_at >= {_ts(first)}
              AND g.closed_at < {_ts(end)}
          UNION ALL
            SELECT g.prevented_on, r.gid, 0, 0, 1, 0, 0, 0, 0, (g.remedy_cost * 100)::bigint
            FROM gaps_gap g JOIN rollup_gaps r ON r.gap_id = g.id
            WHERE g.status = 'prevented' AND g.prevented_on BETWEEN %(first)s AND %(last)s
          UNION ALL
            SELECT d, gid, 0, 0, 0, n, cents, 0, 0, 0 FROM rollup_occurrences
          UNION ALL
            {increments}
        ) parts
        GROUP BY d, gid
        HAVING {nonzero}
        """,  # noqa: S608 - the inlined parts are the code's own literals and fixed names
        {"first": first, "last": last},
    )
    # Temporary tables are never analysed on their own: without statistics the statements
    # below were planned for a few hundred rows.
    cursor.execute("ANALYZE rollup_day_groups")
    # The per-team days and the per-role months, in one pass (two small hash tables).
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_daily ON COMMIT DROP AS
        SELECT GROUPING(d) * 2 + GROUPING(role_id) AS grain,
               d AS date, month, team_id, role_id, {sums}
        FROM (
            SELECT n.*, date_trunc('month', n.d)::date AS month, g.team_id, g.role_id
            FROM rollup_day_groups n JOIN rollup_groups g USING (gid)
        ) days
        GROUP BY GROUPING SETS ((d, team_id), (month, team_id, role_id))
        HAVING {nonzero}
        """  # noqa: S608 - fixed names
    )
    # The daily rows with their key: ordered by (day, group id), which is the key's order
    # (the ids are numbered in (team, role, category) order).
    daily = f"""
        SELECT n.d, g.team_id, g.role_id, g.category, {values}, %(run_at)s
        FROM rollup_day_groups n JOIN rollup_groups g USING (gid)
    """  # noqa: S608 - fixed names
    cursor.execute(
        "SELECT (SELECT count(*) FROM rollup_day_groups), "
        "EXISTS (SELECT 1 FROM roi_dailyrollup WHERE date BETWEEN %(first)s AND %(last)s), "
        "EXISTS (SELECT 1 FROM roi_dailyrollup)",
        {"first": first, "last": last},
    )
    written, range_held, table_held = cursor.fetchone()
    if not range_held:
        # A first run over these days (or after the rows were cleared): nothing to compare
        # with or to delete, so a plain INSERT, without the upsert's check per row. Into an
        # empty table, the secondary indexes are built after the rows instead of growing
        # with them (measured at SCALE=1: 4.8 s instead of 8.3 s for 995,000 rows), and the
        # rows need no order; into a table that holds other days, they go in key order, so
        # that the unique index grows at its right edge.
        order = " ORDER BY n.d, n.gid" if table_held else ""
        with _indexes_built_after(rebuild=not table_held):
            cursor.execute(
                f"""
                INSERT INTO roi_dailyrollup
                    (date, team_id, role_id, category, {columns}, computed_at)
                {daily}{order}
                """,
                {"run_at": run_at},
            )
        return written
    # Only new and changed rows are written (a re-run or a nightly run rewrites little), and
    # the range's rows that are no longer computed (their gaps moved) are deleted.
    cursor.execute(
        f"""
        INSERT INTO roi_dailyrollup (date, team_id, role_id, category, {columns}, computed_at)
        {daily}
        ON CONFLICT (date, team_id, role_id, category) DO UPDATE SET {updates}
        WHERE ({", ".join(f"roi_dailyrollup.{name}" for name in MEASURES)})
              IS DISTINCT FROM ({", ".join(f"EXCLUDED.{name}" for name in MEASURES)})
        """,
        {"run_at": run_at},
    )
    cursor.execute(
        """
        DELETE FROM roi_dailyrollup d
        WHERE d.date BETWEEN %(first)s AND %(last)s
          AND NOT EXISTS (
              SELECT 1 FROM rollup_day_groups n JOIN rollup_groups g USING (gid)
              WHERE (n.d, g.team_id, g.role_id, g.category)
                    = (d.date, d.team_id, d.role_id, d.category)
          )
        """,
        {"first": first, "last": last},
    )
    return written


def _money_values(prefix: str) -> str:
    """The measures of a cents row as the tables store them (money × 0.01: exact, already at
    the columns' two decimals, and cheaper than a division, which rounds to its own scale)."""
    return ", ".join(
        f"{prefix}{name}::numeric * 0.01" if name in MONEY_MEASURES else f"{prefix}{name}"
        for name in MEASURES
    )


def _month_days() -> str:
    """Per (month, team, role), in cents, the months holding the range: the range's own days
    summed by ``rollup_daily``'s grouping sets, the months' other days from
    ``roi_dailyrollup``."""
    stored = ", ".join(
        f"({name} * 100)::bigint" if name in MONEY_MEASURES else name for name in MEASURES
    )
    columns = ", ".join(MEASURES)
    return f"""
        SELECT month, team_id, role_id, {columns} FROM rollup_daily WHERE grain = {ROLE_MONTH}
      UNION ALL
        SELECT date_trunc('month', date)::date, team_id, role_id, {stored} FROM roi_dailyrollup
        WHERE (date >= %(first_month)s AND date < %(first)s)
           OR (date > %(last)s AND date < %(end_month)s)
    """  # noqa: S608 - fixed names


def _write_monthly(cursor, first: date, last: date, run_at) -> None:
    """Re-add the months holding ``[first, last]`` and the range's days per team, upserted;
    the rows of those months and days not written are deleted.

    One pass over the months' daily rows sums them per (month, team, role) into a temporary
    table; the per-team months are summed from that (a few thousand rows, not a million),
    and the per-team days from ``rollup_daily``."""
    first_month = first.replace(day=1)
    end_month = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    params = {
        "first_month": first_month,
        "end_month": end_month,
        "first": first,
        "last": last,
        "run_at": run_at,
    }
    columns = ", ".join(MEASURES)
    sums = ", ".join(f"{TOTAL}({name}) AS {name}" for name in MEASURES)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*MEASURES, "computed_at"))
    cursor.execute("DROP TABLE IF EXISTS rollup_role_months")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_role_months ON COMMIT DROP AS
        SELECT month, team_id, role_id, {sums}
        FROM ({_month_days()}) days GROUP BY 1, 2, 3
        """,  # noqa: S608 - fixed names
        params,
    )
    measures = ", ".join(
        f"coalesce(d.{name}, 0)::numeric * 0.01"
        if name in MONEY_MEASURES
        else f"coalesce(d.{name}, 0)"
        for name in MEASURES
    )
    span = (
        "{moment} >= %(first_month)s::timestamp AT TIME ZONE 'UTC' "
        "AND {moment} < %(end_month)s::timestamp AT TIME ZONE 'UTC'"
    )
    histogram = """
        SELECT '{kind}' AS kind,
               date_trunc('month', {moment} AT TIME ZONE 'UTC')::date AS month,
               causing_team_id AS team_id,
               greatest(0, ({moment} AT TIME ZONE 'UTC')::date - detected_on) AS days,
               count(*) AS n
        FROM gaps_gap WHERE {where} AND {span}
        GROUP BY 1, 2, 3, 4
    """
    histograms = " UNION ALL ".join(
        histogram.format(kind=kind, moment=moment, where=where, span=span.format(moment=moment))
        for kind, moment, where in (
            ("close", "closed_at", "status = 'closed'"),
            ("acknowledge", "acknowledged_at", "true"),
        )
    )
    cursor.execute(
        f"""
        INSERT INTO roi_monthlyteamrollup
            (month, team_id, {columns}, acknowledge_days, close_days, computed_at)
        SELECT coalesce(d.month, h.month), coalesce(d.team_id, h.team_id), {measures},
               coalesce(h.acknowledge_days, '{{}}'), coalesce(h.close_days, '{{}}'), %(run_at)s
        FROM (SELECT month, team_id, {sums} FROM rollup_role_months GROUP BY 1, 2) d
        FULL OUTER JOIN (
            SELECT month, team_id,
                   jsonb_object_agg(days::text, n) FILTER (WHERE kind = 'acknowledge')
                       AS acknowledge_days,
                   jsonb_object_agg(days::text, n) FILTER (WHERE kind = 'close') AS close_days
            FROM ({histograms}) counted GROUP BY 1, 2
        ) h ON h.month = d.month AND h.team_id = d.team_id
        ON CONFLICT (month, team_id) DO UPDATE
            SET {updates}, acknowledge_days = EXCLUDED.acknowledge_days,
                close_days = EXCLUDED.close_days
        """,  # noqa: S608 - fixed names and the code's own fragments
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO roi_monthlyrolerollup (month, team_id, role_id, {columns}, computed_at)
        SELECT month, team_id, role_id, {_money_values("")}, %(run_at)s FROM rollup_role_months
        ON CONFLICT (month, team_id, role_id) DO UPDATE SET {updates}
        """,  # noqa: S608
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO roi_dailyteamrollup (date, team_id, {columns}, computed_at)
        SELECT date, team_id, {_money_values("")}, %(run_at)s
        FROM rollup_daily WHERE grain = {TEAM_DAY}
        ON CONFLICT (date, team_id) DO UPDATE SET {updates}
        """,  # noqa: S608
        params,
    )
    for table in ("roi_monthlyteamrollup", "roi_monthlyrolerollup"):
        cursor.execute(
            f"DELETE FROM {table} WHERE month >= %(first_month)s AND month < %(end_month)s "  # noqa: S608
            "AND computed_at <> %(run_at)s",
            params,
        )
    cursor.execute(
        "DELETE FROM roi_dailyteamrollup WHERE date BETWEEN %(first)s AND %(last)s "
        "AND computed_at <> %(run_at)s",
        params,
    )


def write_snapshots(*, as_of: date, timeline: CostModelTimeline) -> None:
    """Replace every gap's snapshot (archived gaps: none) with its figures as of ``as_of``,
    the day after the range ``write_range`` just computed (its temporary figures)."""
    versions = Versions(timeline)
    unit = versions.unit(_literal(as_of), "g", "tp.cost_per_contact")
    start, end = calc.monthly_cost_window(as_of)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM roi_gapsnapshot")
        cursor.execute(
            f"""
            INSERT INTO roi_gapsnapshot (gap_id, team_id, status, as_of, unit_cost,
                occurrences_last_30_days, monthly_cost, savings_kind, savings)
            SELECT g.id, g.causing_team_id, g.status, %(as_of)s, {unit},
                   coalesce(r.n, 0), coalesce(r.n, 0) * {unit},
                   CASE WHEN f.gap_id IS NULL OR s.gap_id IS NOT NULL THEN 'none'
                        ELSE f.kind END,
                   CASE WHEN s.gap_id IS NULL THEN coalesce(f.cents, 0) / 100 ELSE 0 END
            FROM gaps_gap g
            LEFT JOIN gaps_touchpoint tp ON tp.id = g.touchpoint_id
            LEFT JOIN (
                SELECT o.gap_id, count(*) AS n
                FROM gaps_occurrence o JOIN gaps_gap og ON og.id = o.gap_id
                WHERE og.status = ANY(%(open)s)
                  AND o.occurred_at >= %(start)s AND o.occurred_at < %(end)s
                GROUP BY o.gap_id
            ) r ON r.gap_id = g.id
            LEFT JOIN rollup_figures f ON f.gap_id = g.id
            LEFT JOIN rollup_skipped s ON s.gap_id = g.id
            WHERE g.status <> 'archived'
            """,  # noqa: S608 - the code's own literals
            {"as_of": as_of, "open": list(OPEN), "start": start, "end": end},
        )


def analyze(*, first: date, last: date) -> None:
    """Fresh statistics for the rewritten tables after a big run (a long range)."""
    if (last - first).days < ANALYZE_AFTER_DAYS:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE roi_dailyrollup, roi_monthlyteamrollup, roi_monthlyrolerollup, roi_gapsnapshot"
        )
