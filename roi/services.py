"""The roi app's writes: every one is the rollup's (``roi.rollup``), named here for the
callers that write (the nightly task, ``manage.py rollup``, the demo, the tests).

The rollup itself lives in a package of its own by concern: which days are due
(``roi.rollup.due``), the measure families (``roi.rollup.measures``, and on PostgreSQL
``roi.rollup.sql``), the writers (``roi.rollup.writers``) and one run (``roi.rollup.run``).
"""

from .rollup import *  # noqa: F403 - the rollup's entry points, named for the app's callers
from .rollup import __all__ as _ROLLUP_NAMES
from .rollup.due import ONE_DAY

__all__ = [*_ROLLUP_NAMES, "ONE_DAY"]
