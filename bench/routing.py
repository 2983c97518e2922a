"""Benchmark: routing published insights into the feeds of an enterprise-sized organisation.

Runs against a throwaway database (``cx_bench_routing`` beside ``DATABASE_URL``'s, or an
in-memory SQLite one) dropped at the end, so it never touches real data or the test database.
Generates 40 teams × 10 roles (400 roles), themes, gaps with a month or two of occurrences,
routing rules and published insights (seeded, so runs compare), then times a full re-route
(``insights_route_published``: the task a rule change queues) from empty feeds and again over
full ones. Prints one JSON object per line (``name``, ``value``, ``unit``), the first being
``routing_insights_per_s`` (issue 13's figure).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxalign .venv/bin/python \
        bench/routing.py --insights 500 --profile
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxalign.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

LEVELS = ["executive", "director", "manager", "manager"] + ["individual_contributor"] * 5
LEVELS.append("partner")
CATEGORIES = ["product", "service", "policy", "process", "attitude"]
REGIONS = ["", "", "Nordics", "DACH", "UK", "Iberia"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insights", type=int, default=500)
    parser.add_argument("--teams", type=int, default=40, help="10 roles each")
    parser.add_argument("--gaps", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=40)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--profile", action="store_true", help="print the top of a profile")
    args = parser.parse_args()

    connection.settings_dict.setdefault("TEST", {})["NAME"] = "cx_bench_routing"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        generate(args)
        measure(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def generate(args) -> None:
    from gaps.models import Gap, Occurrence, Role, Team, Theme, Touchpoint
    from insights.models import Insight, RoutingRule

    rng = random.Random(args.seed)
    teams = Team.objects.bulk_create(
        Team(name=f"Team {n}", slug=f"team-{n}", customer_facing=n < 4) for n in range(args.teams)
    )
    roles = Role.objects.bulk_create(
        Role(name=f"{team.name} {level} {i}", team=team, level=level)
        for team in teams
        for i, level in enumerate(LEVELS)
    )
    themes = Theme.objects.bulk_create(Theme(name=f"Theme {n}", slug=f"t-{n}") for n in range(30))
    touchpoints = Touchpoint.objects.bulk_create(
        Touchpoint(
            name=f"Touchpoint {n}",
            team=teams[n % 4],
            channel="phone",
            cost_per_contact=Decimal("6.50"),
        )
        for n in range(10)
    )
    causing = [role for role in roles if role.level in ("manager", "director")]
    gaps = []
    for n in range(args.gaps):
        role = rng.choice(causing)
        gaps.append(
            Gap(
                title=f"Gap {n}",
                expectation="Customers expect one clear invoice a month.",
                delivery="They get three partial invoices.",
                category=rng.choice(CATEGORIES),
                causing_role=role,
                causing_team_id=role.team_id,
                severity=rng.randint(1, 5),
                touchpoint=rng.choice(touchpoints),
                status=rng.choice(["open", "open", "acknowledged", "in_remedy"]),
            )
        )
    gaps = Gap.objects.bulk_create(gaps)
    Gap.themes.through.objects.bulk_create(
        Gap.themes.through(gap=gap, theme=theme) for gap in gaps for theme in rng.sample(themes, 2)
    )
    now = timezone.now()
    Occurrence.objects.bulk_create(
        (
            Occurrence(
                gap=gap,
                occurred_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 60)),
                touchpoint_id=gap.touchpoint_id,
                source="bench",
                external_id=f"{gap.pk}-{i}",
            )
            for gap in gaps
            for i in range(rng.randint(0, 20))
        ),
        batch_size=5000,
    )
    for n in range(args.rules):
        team = rng.choice(teams)
        rule = RoutingRule.objects.create(
            name=f"Rule {n}",
            gap_category=rng.choice(["", "", *CATEGORIES]),
            region=rng.choice(REGIONS),
            team=team if n % 3 else None,
            target_levels=rng.sample(["executive", "director", "manager", "partner"], 2),
        )
        rule.themes.set(rng.sample(themes, rng.randint(0, 3)))
        rule.target_roles.set(rng.sample(roles, 3))
    insights = Insight.objects.bulk_create(
        Insight(
            title=f"Insight {n}",
            finding="Small businesses reconcile one invoice, not three.",
            evidence="“I spend a day a month on this.”\n“Three invoices, one order.”",
            recommendation="Send one invoice a month.",
            kind=rng.choice(["expectation", "experience"]),
            region=rng.choice(REGIONS),
            status="published",
            published_at=now - timedelta(days=rng.randint(0, 120)),
        )
        for n in range(args.insights)
    )
    Insight.themes.through.objects.bulk_create(
        Insight.themes.through(insight=insight, theme=theme)
        for insight in insights
        for theme in rng.sample(themes, 2)
    )
    Insight.related_gaps.through.objects.bulk_create(
        Insight.related_gaps.through(insight=insight, gap=gap)
        for insight in insights
        for gap in rng.sample(gaps, rng.randint(1, 3))
    )


def measure(args) -> None:
    from insights.models import FeedItem
    from insights.services import insights_route_published

    figures = []
    for label in ("empty", "full"):
        profiler = cProfile.Profile() if args.profile and label == "empty" else None
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            routed = insights_route_published()
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        if profiler:
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        rate = routed / seconds
        name = "routing_insights_per_s" if label == "empty" else "rerouting_insights_per_s"
        figures += [
            (name, round(rate, 1), "insights/s"),
            (f"routing_{label}_queries", len(queries.captured_queries), "queries"),
        ]
    figures.append(("routing_feed_items", FeedItem.objects.count(), "rows"))
    figures.append(("routing_insights", args.insights, "insights"))
    for name, value, unit in figures:
        print(json.dumps({"name": name, "value": value, "unit": unit}))


if __name__ == "__main__":
    main()
