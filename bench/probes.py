"""Measures ``bench/run.py`` takes in a child process of their own, on the scratch database.

``queries``: SQL statements per request of the gap list (API), the gap page, the dashboard, the
feed and a 1,000-row ingest batch, through Django's test client with ``CaptureQueriesContext``
(the same settings as gunicorn; the ingest batch is rolled back). ``routing``: insights routed
per second through ``insights.services.insights_route`` in batches of 50 (their feed items
removed first, all rolled back). Each prints one JSON object; a missing entry point prints
``null`` with a note.

    DATABASE_URL=postgres://…/cx_bench_bench python bench/probes.py queries --seed 13
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset


class Rollback(Exception):
    """Raised inside ``transaction.atomic`` to undo what a probe wrote."""


def ingest_items(gap_ids: list[int], *, size: int, batch: int, source: str) -> list[dict]:
    """One batch of pushed occurrences over recent days, as an integration sends them."""
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        {
            "gap": gap_ids[(batch * size + i) % len(gap_ids)],
            "occurred_at": (now - timedelta(minutes=7 * (batch * size + i) % 40_000 + 60))
            .isoformat()
            .replace("+00:00", "Z"),
            "source": source,
            "external_id": f"{batch}-{i}",
        }
        for i in range(size)
    ]


def ingest_gap_ids() -> list[int]:
    """Gaps occurrences arrive for: live ones and closed ones (their recurring check counts)."""
    from gaps.models import Gap

    return list(
        Gap.objects.filter(status__in=["open", "acknowledged", "in_remedy", "closed"])
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )


def queries(seed: int) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def count(client: Client, method: str, path: str, **kwargs) -> tuple[int | None, int]:
        with CaptureQueriesContext(connection) as captured:
            answer = getattr(client, method)(path, **kwargs)
        return (len(captured) if 200 <= answer.status_code < 300 else None), answer.status_code

    from bench import harness

    # Pages need the static manifest, as under gunicorn.
    harness.ensure_static(dict(os.environ))
    figures: dict = {}
    api = Client(HTTP_AUTHORIZATION=f"Token {dataset.token_key(seed, 'cx')}")
    figures["gap_list_queries"] = count(api, "get", "/api/v1/gaps/", data={"status": "open"})
    cx = Client()
    cx.force_login(User.objects.get(username="cx"))
    figures["gap_page_html_queries"] = count(cx, "get", "/gaps/", data={"status": "open"})
    executive = Client()
    executive.force_login(User.objects.get(username="exec"))
    figures["dashboard_queries"] = count(executive, "get", "/roi/")
    owner = User.objects.get(username="owner")
    role = owner.owned_roles.order_by("pk").first()
    owner_client = Client()
    owner_client.force_login(owner)
    figures["feed_queries"] = count(owner_client, "get", f"/insights/feed/{role.pk}/")
    integration = Client(HTTP_AUTHORIZATION=f"Token {dataset.token_key(seed, 'integration')}")
    body = ingest_items(ingest_gap_ids(), size=1000, batch=0, source="bench-probe")
    try:
        with transaction.atomic():
            figures["ingest_batch_queries"] = count(
                integration,
                "post",
                "/api/v1/occurrences/",
                data=json.dumps(body),
                content_type="application/json",
            )
            raise Rollback
    except Rollback:
        pass
    return {name: {"value": value, "status": status} for name, (value, status) in figures.items()}


def routing(count: int, budget_s: float) -> dict:
    from django.db import transaction
    from django.utils import timezone

    try:
        from insights import routing as rules_of
        from insights.models import FeedItem, Insight
        from insights.services import insights_route
        from insights.tailoring import TailoringCache
    except ImportError as error:
        return {"value": None, "note": f"no routing entry point: {error}"}
    insights = list(Insight.objects.filter(status="published").order_by("pk")[:count])
    routed = 0
    elapsed = 0.0
    batch = 50  # as insights_route_published routes them
    try:
        with transaction.atomic():
            FeedItem.objects.filter(insight__in=insights).delete()
            started = time.perf_counter()
            rules, roles, cache = (
                rules_of.active_rule_specs(),
                rules_of.all_roles(),
                TailoringCache(timezone.now().date()),
            )
            for index in range(0, len(insights), batch):
                ids = [insight.pk for insight in insights[index : index + batch]]
                insights_route(insight_ids=ids, rules=rules, roles=roles, cache=cache)
                routed += len(ids)
                if time.perf_counter() - started > budget_s:
                    break
            elapsed = time.perf_counter() - started
            items = FeedItem.objects.filter(insight__in=insights[:routed]).count()
            raise Rollback
    except Rollback:
        pass
    return {
        "value": round(routed / elapsed, 1) if elapsed else None,
        "routed": routed,
        "feed_items": items,
        "seconds": round(elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["queries", "routing"])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()

    dataset.setup_django(os.environ["DATABASE_URL"])
    result = queries(args.seed) if args.probe == "queries" else routing(args.count, args.budget)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
