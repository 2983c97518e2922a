"""The ROI rollup: the precomputed rows every ROI page, the summary API and the mails read.

- ``due``: which days a run must recompute;
- ``measures``: the measure families (embedded SQLite: grouped queries and per-gap formulas);
- ``writers``: daily, monthly and snapshot rows (SQLite), per-team open costs, skipped gaps;
- ``sql``: the measures and the writers on PostgreSQL, set-based;
- ``run``: one run in one transaction, the nightly job and ``manage.py rollup --since``.
"""

from .due import FIGURE_CHANGING_EVENTS, first_data_day, rollup_due_since
from .measures import GAP_FIGURE_LIMIT, RollupGapError
from .run import RollupResult, rollup_compute, rollup_nightly, rollup_run, rollup_since
from .writers import OPEN_STATUSES

__all__ = [
    "FIGURE_CHANGING_EVENTS",
    "GAP_FIGURE_LIMIT",
    "OPEN_STATUSES",
    "RollupGapError",
    "RollupResult",
    "first_data_day",
    "rollup_compute",
    "rollup_due_since",
    "rollup_nightly",
    "rollup_run",
    "rollup_since",
]
