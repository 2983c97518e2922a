"""The dashboard's content, rendered once per state of its figures and reused until it changes.

Every figure of ``/roi/`` comes from the precomputed tables, which only the rollup writes, plus
a few live names (teams, the top gaps' titles) and the cost model's timeline. Rendering those
~75 figures with their formulas, ~150 drill-down links and the charts' data cost about as much
Python as computing them; both are done once per state here, and a request that finds them
reads one cache entry (the page around them, with its CSRF token and navigation, is rendered
for every request as before).

The key holds everything the content depends on:

- the rollups' state as ``roi.freshness`` reads it on every request anyway (last run and its
  status, when it finished, the days covered, whether the rollup is due, failed or outdated):
  a rollup run, or a write that makes it due (occurrences, gaps, their history, cost model
  versions), gives another key;
- ``board`` generation (``cxalign.generations``), replaced on every save or delete of a gap
  (titles of the top ten, snapshots removed with a deleted gap), a team (names, the team
  picker) or a cost model version (the timeline the summary reads);
- the interface language, the query string (filters, and their errors), the script prefix
  (links), and today's date (the default period before the first run).

It is not keyed per person: the page is the same for everyone it admits (``can_see_pages``
is checked before the cache is read, and no figure is scoped per user). Writes that bypass
``save()`` (``QuerySet.update``) do not replace the generation: entries live ``BOARD_TTL``
seconds at most.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from cxalign import generations

from .freshness import Freshness

BOARD_TTL = 600
GENERATION = "board"
KEY = "roi:board:{database}:{generation}:{digest}"


def board_changed(**kwargs) -> None:
    """Signal receiver: a gap, team or cost model version was saved or deleted."""
    generations.replace(GENERATION)


def key(request: HttpRequest, state: Freshness, today) -> str:
    """The cache key of the dashboard content ``request`` asks for, in the rollups' ``state``."""
    run = state.last_run
    parts = (
        run and (run.pk, run.status, run.finished_at),
        state.rolled_through,
        state.computed_at,
        state.due,
        state.failed,
        state.error,
        state.outdated,
        translation.get_language(),
        request.META.get("QUERY_STRING", ""),
        get_script_prefix(),
        today,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return KEY.format(
        database=generations.database(),
        generation=generations.current(GENERATION),
        digest=digest,
    )


def content(key: str, render: Callable[[], str]) -> SafeString:
    """The content under ``key``, rendered (and stored) when the cache has none."""
    body = cache.get(key)
    if body is None:
        body = str(render())
        cache.set(key, body, BOARD_TTL)
    return mark_safe(body)  # noqa: S308 - a template's own output, escaped when rendered
