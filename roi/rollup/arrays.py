"""The savings increments of a full or partial rollup as array arithmetic (NumPy), on PostgreSQL.

A day D's row carries Σ over its gaps of cents(savings as of D + 1) − cents(savings as of D)
(``roi.rollup.run``). The figures are one per gap per day, by contract rounded per gap, so they
cannot be summed before rounding; at enterprise size that is millions of gap-days. In SQL
(``sql._savings_series``) each gap-day is a generated row; here a block of gaps is a matrix
(gaps × days), each day's figure a few int64 operations on whole columns, and the rows of a
block are summed per (team, role, category) before the next block: the same integers, about
fifty times less work, and memory bounded by the block, not the data.

Both forms compute exactly the closed forms of ``roi.calculations`` in integers (see
``sql``'s module docstring), and the Hypothesis tests (``tests/roi/test_rollup_properties.py``)
hold the rows to the per-gap formulas on random histories. Measured savings as of T, in
cents, with k = T − the closing day, o the closing's microseconds into its day, U the
microseconds of a day, B the baseline count of the window of w days, P the occurrences
since closing, u the unit cost in cents and m = B·k − P·w:

    X = U·m − B·o (the excess in occurrence-microseconds); cents = ⌊(2·X·u + w·U) ÷ 2·w·U⌋
    when X > 0, else 0. With u·m = w·q + r and w·U − 2·u·B·o = 2·w·U·c + s (0 ≤ r < w,
    0 ≤ s < 2·w·U): cents = q + c + [2·U·r + s ≥ 2·w·U], and X > 0 ⟺ m > ⌊B·o ÷ U⌋.

Every product stays far inside int64 when the run's figures are bounded: ``fits`` checks
that before a run takes this path, and a run that could leave int64 (amounts near the
per-gap limit) keeps the exact ``numeric`` SQL instead.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .. import calculations as calc

U = calc.MICROSECONDS_PER_DAY
EPOCH = date(1970, 1, 1)
# Products are checked against this bound (int64 holds 9.22e18), with room for the sums.
INT64_ROOM = 2**62
# Gaps per block: a block's matrices are BLOCK × days int64 (730 days: 1.5 MB each).
BLOCK = 256


@dataclass(frozen=True)
class Version:
    """A cost model version's inputs, in integers, from the day it takes effect."""

    first: int  # epoch day it takes effect (the first version: reaches back)
    cost_cents: Decimal
    revenue_cents: Decimal
    window: int
    horizon: int


def _unit_cents(gap: dict, version: Version) -> int:
    """``sql.Versions.unit`` in cents: the gap's own cost, its touchpoint's, the version's."""
    own = gap["cost_to_serve"] if gap["cost_to_serve"] is not None else gap["tp_cost"]
    revenue = gap["revenue_at_risk"]
    amount = (own * 100 if own is not None else version.cost_cents) + (
        revenue * 100 if revenue is not None else version.revenue_cents
    )
    return int(amount.to_integral_value(rounding="ROUND_HALF_UP"))


def _version_columns(versions: list[Version], days: np.ndarray) -> list[tuple[Version, np.ndarray]]:
    """Each version with the columns (days, as epoch days) on which it is in force."""
    out = []
    for index, version in enumerate(versions):
        lo = version.first if index else np.iinfo(np.int64).min
        hi = versions[index + 1].first if index + 1 < len(versions) else np.iinfo(np.int64).max
        columns = np.nonzero((days >= lo) & (days < hi))[0]
        if columns.size:
            out.append((version, columns))
    return out


class Savings:
    """Per (group, day) sums of savings increments, filled block by block.

    Each gap row carries its group's dense id (``gid``, below ``groups``); ``measured`` and
    ``estimated`` are (groups × days) int64 rows of day D's increments, D from ``first`` to
    ``last``.
    """

    def __init__(self, first: date, last: date, versions: list[Version], groups: int):
        self.first = first
        self.n_days = (last - first).days + 1
        # Figures as of T for T = first … last + 1 (one more column than there are days).
        self.t_days = np.arange(self.n_days + 1, dtype=np.int64) + (first - EPOCH).days
        self.columns = _version_columns(versions, self.t_days)
        self.groups = groups
        self._measured: list[np.ndarray] = []
        self._estimated: list[np.ndarray] = []

    def _add(
        self, target: list[np.ndarray], gids: np.ndarray, figures: np.ndarray, start: np.ndarray
    ) -> None:
        """Telescope each gap's figures into increments of the days from its first day on,
        and add them to its group's row."""
        increments = np.diff(figures, axis=1)  # day j: figure(j + 1) − figure(j)
        increments[np.arange(self.n_days)[None, :] < start[:, None]] = 0
        while len(target) < self.groups:
            target.append(np.zeros(self.n_days, dtype=np.int64))
        order = np.argsort(gids, kind="stable")
        gids, increments = gids[order], increments[order]
        bounds = np.flatnonzero(np.r_[True, gids[1:] != gids[:-1]])
        sums = np.add.reduceat(increments, bounds, axis=0)
        for gid, row in zip(gids[bounds], sums, strict=True):
            target[gid] += row

    def add_measured(
        self, block: list[dict], post_gap: np.ndarray, post_day: np.ndarray, post_n: np.ndarray
    ) -> None:
        """A block of closed gaps (``rollup_closed`` rows, ascending ``gap_id``) and their
        post-closing occurrences per day (arrays ascending by gap: gap, epoch day, count)."""
        n, width = len(block), self.n_days + 1
        ids = np.array([g["gap_id"] for g in block], dtype=np.int64)
        lo = int(np.searchsorted(post_gap, ids[0], side="left"))
        hi = int(np.searchsorted(post_gap, ids[-1], side="right"))
        rows = np.searchsorted(ids, post_gap[lo:hi])
        # An occurrence on day d counts from T = d + 1 on.
        columns = post_day[lo:hi] + 1 - self.t_days[0]
        arrivals = np.zeros((n, width), dtype=np.int64)
        inside = columns < width
        np.add.at(arrivals, (rows[inside], columns[inside]), post_n[lo:hi][inside])
        before = np.array([g["p_before"] for g in block], dtype=np.int64)
        p = np.cumsum(arrivals, axis=1) + before[:, None]
        closed_day = np.array([(g["closed_date"] - EPOCH).days for g in block], dtype=np.int64)
        k = self.t_days[None, :] - closed_day[:, None]
        figures = np.zeros((n, width), dtype=np.int64)
        for version, columns_in_force in self.columns:
            w = version.window
            units = [_unit_cents(g, version) for g in block]
            # Per gap: ⌊B·o ÷ U⌋, and c, s of w·U − 2·u·B·o (Python ints, exact).
            threshold, c, s = [], [], []
            for gap, unit in zip(block, units, strict=True):
                bo = gap[f"b{w}"] * gap["offset"]
                threshold.append(bo // U)
                quotient, remainder = divmod(w * U - 2 * unit * bo, 2 * w * U)
                c.append(quotient)
                s.append(remainder)
            b = np.array([g[f"b{w}"] for g in block], dtype=np.int64)[:, None]
            uc = np.array(units, dtype=np.int64)[:, None]
            m = b * k[:, columns_in_force] - p[:, columns_in_force] * w
            q, r = np.divmod(uc * m, w)
            cents = q + np.array(c, dtype=np.int64)[:, None]
            cents += 2 * U * r + np.array(s, dtype=np.int64)[:, None] >= 2 * w * U
            positive = (m > np.array(threshold, dtype=np.int64)[:, None]) & (uc > 0)
            figures[:, columns_in_force] = np.where(positive, cents, 0)
        self._add(self._measured, self._gids(block), figures, self._starts(block))

    def _gids(self, block: list[dict]) -> np.ndarray:
        return np.array([g["gid"] for g in block], dtype=np.int64)

    def _starts(self, block: list[dict]) -> np.ndarray:
        return np.array([(g["start_day"] - self.first).days for g in block], dtype=np.int64)

    def add_estimated(self, block: list[dict]) -> None:
        """A block of prevented gaps (``rollup_prevented`` rows)."""
        n, width = len(block), self.n_days + 1
        prevented = np.array([(g["prevented_on"] - EPOCH).days for g in block], dtype=np.int64)
        em = np.array([_expected_cents(g["emo"]) for g in block], dtype=np.int64)
        figures = np.zeros((n, width), dtype=np.int64)
        for version, columns in self.columns:
            uc = np.array(
                [_unit_cents(g, version) for g in block],
                dtype=np.int64,
            )
            days = np.clip(self.t_days[None, columns] - prevented[:, None], 0, version.horizon)
            cents = (2 * em[:, None] * days * uc[:, None] + 3000) // 6000
            figures[:, columns] = np.where((em > 0)[:, None] & (uc > 0)[:, None], cents, 0)
        self._add(self._estimated, self._gids(block), figures, self._starts(block))

    def add_all(self, closed: list[dict], prevented: list[dict], post: np.ndarray) -> None:
        """Every closed gap (with ``post``: gap, epoch day, count of its post-closing
        occurrences, ascending by gap) and every prevented gap, ``BLOCK`` gaps at a time."""
        for start in range(0, len(closed), BLOCK):
            self.add_measured(closed[start : start + BLOCK], post[:, 0], post[:, 1], post[:, 2])
        for start in range(0, len(prevented), BLOCK):
            self.add_estimated(prevented[start : start + BLOCK])

    def copy_chunks(self, groups_per_chunk: int = 256) -> Iterator[bytes]:
        """The nonzero (day, group) sums as a PostgreSQL binary COPY of (day int4 offset from
        ``first``, group int4, measured int8, estimated int8), a few groups at a time so that
        the bytes never hold more than a slice of the rows."""
        yield b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
        empty = np.zeros(self.n_days, dtype=np.int64)
        for low in range(0, self.groups, groups_per_chunk):
            gids = range(low, min(low + groups_per_chunk, self.groups))
            measured = np.stack([_row(self._measured, g, empty) for g in gids])
            estimated = np.stack([_row(self._estimated, g, empty) for g in gids])
            gid, day = np.nonzero((measured != 0) | (estimated != 0))
            rows = np.empty(gid.size, dtype=COPY_RECORD)
            rows["fields"], rows["l1"], rows["l2"], rows["l3"], rows["l4"] = 4, 4, 4, 8, 8
            rows["day"], rows["gid"] = day, gid + low
            rows["m"], rows["e"] = measured[gid, day], estimated[gid, day]
            yield rows.tobytes()
        yield struct.pack(">h", -1)


# One row of PostgreSQL's binary COPY: a field count, then each field's length and value.
COPY_RECORD = np.dtype(
    [
        ("fields", ">i2"),
        ("l1", ">i4"),
        ("day", ">i4"),
        ("l2", ">i4"),
        ("gid", ">i4"),
        ("l3", ">i4"),
        ("m", ">i8"),
        ("l4", ">i4"),
        ("e", ">i8"),
    ]
)


def _row(rows: list[np.ndarray], index: int, empty: np.ndarray) -> np.ndarray:
    return rows[index] if index < len(rows) else empty


def _expected_cents(emo: Decimal | None) -> int:
    if emo is None:
        return 0
    return int((emo * 100).to_integral_value(rounding="ROUND_HALF_UP"))


def versions_of(models) -> list[Version]:
    """The timeline's versions (``sql.Versions.models``) as integers."""
    return [
        Version(
            first=(model.effective_from - EPOCH).days,
            cost_cents=model.cost_per_contact * 100,
            revenue_cents=model.revenue_at_risk_per_occurrence * 100,
            window=int(model.baseline_window_days),
            horizon=int(model.estimate_horizon_days),
        )
        for model in models
    ]


def fits(
    bound_cents: int,
    closed: list[dict],
    prevented: list[dict],
    versions: list[Version],
    t_last: date,
) -> bool:
    """Whether every product and sum of the array path stays inside int64: the sum of the
    gaps' largest figures (``rollup_figures.bound``), and per gap the largest u·m and
    2·em·days·u. A run failing this takes the exact ``numeric`` SQL."""
    if bound_cents >= INT64_ROOM:
        return False
    for version in versions:
        for gap in closed:
            unit = abs(_unit_cents(gap, version))
            b = gap[f"b{version.window}"]
            k = (t_last - gap["closed_date"]).days + 1
            reach = max(b * k, (gap["p_all"] + 1) * version.window)
            if unit * reach >= INT64_ROOM or b * gap["offset"] >= INT64_ROOM:
                return False
        for gap in prevented:
            unit = abs(_unit_cents(gap, version))
            if 2 * _expected_cents(gap["emo"]) * version.horizon * unit + 3000 >= INT64_ROOM:
                return False
    return True
