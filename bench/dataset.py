"""The enterprise dataset at any SCALE, deterministic for a seed, written with psycopg 3 ``COPY``.

SCALE=1 is the size issue 13 names: 40 teams, 400 roles, 60 touchpoints, 50,000 gaps,
5,000,000 occurrences over two years, 10,000 insights published and routed into feed items,
two cost model versions, users and API tokens for each group. Smaller scales shrink the
volumes but keep a believable organisation (at least 5 teams, 20 roles, 200 gaps).

Determinism: the same seed, scale and anchor day (the day the data ends: today, UTC, unless
``--anchor`` says otherwise) give the same rows, ids included. The scratch database remembers what
it holds in a ``bench_dataset`` table, so ``--keep`` skips generation when it already holds that
scale and seed (whatever the anchor: a kept dataset simply ends on the day it was made).

Rows go in through ``COPY`` for speed, but the column lists come from the Django models: any
column another branch adds with a default is filled with that default, so the generator keeps
working while the schema grows. Denormalised or derived columns that need code (a search vector
written by a service, say) are left to their defaults; a generated column is skipped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cx_bench \
        python bench/dataset.py --scale 0.02 --seed 13 [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

GENERATOR_VERSION = 2
PASSWORD = "bench-password"  # noqa: S105 - every bench user's password; scratch data only
CATEGORIES = ["product", "service", "policy", "process", "attitude"]
CATEGORY_WEIGHTS = [30, 20, 20, 25, 5]
STATUSES = ["open", "acknowledged", "in_remedy", "closed", "disputed", "prevented", "archived"]
STATUS_WEIGHTS = [28, 12, 13, 32, 3, 8, 4]
ORIGINS = [
    "voc_survey",
    "complaint",
    "support_contact",
    "employee_report",
    "audit",
    "review",
    "social",
]
CHANNELS = ["web", "app", "email", "phone", "chat", "in_person", "post", "social"]
LEVELS = ["executive", "director", "manager", "individual_contributor", "partner"]
SOURCES = ["zendesk", "salesforce", "survey-tool", "chat-widget"]
INSIGHT_SOURCES = [
    "survey",
    "interviews",
    "reviews",
    "support_transcripts",
    "sales_loss_analysis",
    "social",
]
REGIONS = ["", "Nordics", "DACH", "UK", "Iberia", "North America", "APAC"]
ACK_DAYS = {5: 2, 4: 5, 3: 10, 2: 20, 1: 30}
FACING = ("Marketing", "Sales", "Support")
BASE_TEAMS = ["Billing", "Engineering", "Legal", "Logistics", "IT", "HR", "Partners", *FACING]
THEMES = [
    "invoice clarity",
    "delivery time",
    "refund speed",
    "contract wording",
    "onboarding",
    "password reset",
    "order tracking",
    "pricing transparency",
    "app stability",
    "returns",
    "hold times",
    "first contact resolution",
    "data privacy",
    "renewal terms",
    "payment options",
    "product quality",
    "documentation",
    "accessibility",
    "upgrade path",
    "outage updates",
    "fair usage",
    "cancellation",
    "welcome pack",
    "spare parts",
    "installer visits",
    "warranty claims",
    "statement layout",
    "direct debit",
    "loyalty rewards",
    "language support",
]
NOUNS = [
    "invoice",
    "delivery",
    "refund",
    "contract",
    "password",
    "parcel",
    "price",
    "update",
    "agent",
    "statement",
    "order",
    "renewal",
    "courier",
    "portal",
    "warranty",
    "discount",
    "account",
]
VERBS = [
    "arrives late",
    "is unclear",
    "changes without notice",
    "takes three calls",
    "needs a form",
    "is missing",
    "is charged twice",
    "breaks on mobile",
    "is in English only",
]


@dataclass(frozen=True)
class Sizes:
    teams: int
    roles: int
    touchpoints: int
    gaps: int
    occurrences: int
    insights: int
    days: int = 730

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            teams=max(5, round(40 * scale)),
            roles=max(20, round(400 * scale)),
            touchpoints=max(6, round(60 * scale)),
            gaps=max(200, round(50_000 * scale)),
            occurrences=max(2_000, round(5_000_000 * scale)),
            insights=max(50, round(10_000 * scale)),
        )


def token_key(seed: int, username: str) -> str:
    """The clear API key of a bench user: derived, so every bench script can compute it."""
    return hashlib.sha256(f"cxalign-bench-{seed}-{username}".encode()).hexdigest()[:40]


# Users the scripts sign in as, with their group and token scopes.
ALL_SCOPES = [
    "gaps:read",
    "gaps:write",
    "occurrences:write",
    "insights:read",
    "insights:write",
    "roi:read",
]
PRINCIPALS = {
    "cx": ("cx_team", ALL_SCOPES),
    "exec": ("executive", ["gaps:read", "insights:read", "roi:read"]),
    "integration": (
        "integration",
        ["gaps:read", "gaps:write", "occurrences:write", "insights:read", "insights:write"],
    ),
    "owner": ("role_owner", ["gaps:read", "gaps:write", "insights:read", "insights:write"]),
}


def setup_django(db_url: str) -> None:
    """Django on the scratch database with the production settings."""
    os.environ.update(harness.app_environment(db_url))
    import django

    django.setup()


# --- COPY through the models' own column lists ------------------------------------------------


class Copier:
    """``COPY table (columns…)`` for a model; columns not given take the model's defaults."""

    def __init__(self, model, columns: list[str]):
        from django.db import connection
        from django.utils import timezone

        self.model = model
        now = timezone.now()
        by_column = {f.column: f for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in by_column]
        if missing:
            raise RuntimeError(f"{model.__name__} has no column {missing}: the schema changed")
        self.extra_columns, self.extra_values = [], ()
        extras = []
        for column, field in by_column.items():
            if column in columns or getattr(field, "generated", False):
                continue
            if field.primary_key:
                continue  # identity column: the database numbers it
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default():
                value = field.get_db_prep_save(field.get_default(), connection)
            elif field.null:
                value = None
            elif field.empty_strings_allowed:
                value = ""
            else:
                raise RuntimeError(
                    f"{model.__name__}.{field.name} needs a value the generator does not know"
                )
            self.extra_columns.append(column)
            extras.append(value)
        self.extra_values = tuple(extras)
        self.columns = [*columns, *self.extra_columns]

    def write(self, rows) -> int:
        from django.db import connection
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        count = 0
        extra = self.extra_values
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row + extra if extra else row)
                count += 1
        return count


def copy_rows(model, columns: list[str], rows) -> int:
    return Copier(model, columns).write(rows)


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


# --- The generator -----------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    return f"The {rng.choice(NOUNS)} {rng.choice(VERBS)}"


def generate(*, scale: float, seed: int, anchor: date) -> dict[str, int]:
    """Fill the (migrated, empty) scratch database; returns the row counts written."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from gaps.models import ApiToken, Gap, GapEvent, Occurrence, Role, Team, Theme, Touchpoint
    from insights.models import FeedItem, Insight, RoutingRule
    from roi.models import CostModel

    rng = random.Random(seed)
    sizes = Sizes.at(scale)
    end = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)  # 00:00 of the anchor day
    start = end - timedelta(days=sizes.days)
    counts: dict[str, int] = {}

    with transaction.atomic():
        # People first: one password hash for all (hashing 400 passwords would dominate SCALE=1).
        password = make_password(PASSWORD, salt="cxalignbench")
        groups = dict(Group.objects.values_list("name", "pk"))
        usernames = [*PRINCIPALS, "admin"]
        owners = [f"owner{n}" for n in range(1, sizes.roles + 1)]
        user_rows = []
        for pk, name in enumerate([*usernames, *owners], start=1):
            superuser = name == "admin"
            user_rows.append(
                (
                    pk,
                    name,
                    password,
                    superuser,
                    superuser,
                    True,
                    "",
                    "",
                    f"{name}@bench.invalid",
                    end,
                )
            )
        counts["users"] = copy_rows(
            User,
            [
                "id",
                "username",
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "first_name",
                "last_name",
                "email",
                "date_joined",
            ],
            user_rows,
        )
        user_id = {row[1]: row[0] for row in user_rows}
        membership = [(user_id[name], groups[group]) for name, (group, _) in PRINCIPALS.items()]
        membership += [(user_id[name], groups["role_owner"]) for name in owners]
        copy_rows(User.groups.through, ["user_id", "group_id"], membership)
        # Tokens for the principals, and for every role owner (the load test's owners use them).
        scoped = [(name, scopes) for name, (_group, scopes) in PRINCIPALS.items()]
        scoped += [(name, PRINCIPALS["owner"][1]) for name in owners]
        tokens = [
            (
                user_id[name],
                f"bench {name}",
                token_key(seed, name)[:8],
                ApiToken.hash_key(token_key(seed, name)),
                _json(scopes),
                end,
            )
            for name, scopes in scoped
        ]
        copy_rows(
            ApiToken, ["user_id", "name", "prefix", "key_hash", "scopes", "created_at"], tokens
        )

        # The organisation.
        team_names = BASE_TEAMS[: sizes.teams] + [
            f"Division {n}" for n in range(1, sizes.teams - len(BASE_TEAMS) + 1)
        ]
        teams = [(pk, name, f"team-{pk}", name in FACING) for pk, name in enumerate(team_names, 1)]
        counts["teams"] = copy_rows(Team, ["id", "name", "slug", "customer_facing"], teams)
        roles = []
        for pk in range(1, sizes.roles + 1):
            team = teams[(pk - 1) % len(teams)][0]
            rank = (pk - 1) // len(teams)  # 0 heads the team, then directors, managers, ICs
            level = (
                ["executive", "director", "manager", "manager"][rank]
                if rank < 4
                else ("partner" if rank % 6 == 5 else "individual_contributor")
            )
            roles.append((pk, f"{level.replace('_', ' ').title()} {pk}", team, level))
        counts["roles"] = copy_rows(Role, ["id", "name", "team_id", "level"], roles)
        # The demo role owner owns three roles; everyone else one.
        role_owners = [(pk, user_id[f"owner{pk}"]) for pk, *_ in roles]
        role_owners += [(pk, user_id["owner"]) for pk in (1, 2, len(teams) + 1)]
        copy_rows(Role.owners.through, ["role_id", "user_id"], role_owners)
        touchpoints = [
            (
                pk,
                f"Touchpoint {pk}",
                teams[(pk - 1) % len(teams)][0],
                CHANNELS[pk % len(CHANNELS)],
                Decimal(rng.randint(200, 4500)) / 100,
            )
            for pk in range(1, sizes.touchpoints + 1)
        ]
        counts["touchpoints"] = copy_rows(
            Touchpoint, ["id", "name", "team_id", "channel", "cost_per_contact"], touchpoints
        )
        themes = [(pk, name, name.replace(" ", "-")) for pk, name in enumerate(THEMES, 1)]
        copy_rows(Theme, ["id", "name", "slug"], themes)
        counts["cost_models"] = copy_rows(
            CostModel,
            [
                "effective_from",
                "currency",
                "cost_per_contact",
                "revenue_at_risk_per_occurrence",
                "baseline_window_days",
                "estimate_horizon_days",
                "program_cost_per_month",
            ],
            [
                (
                    start.date(),
                    "EUR",
                    Decimal("6.00"),
                    Decimal("20.00"),
                    90,
                    365,
                    Decimal("5000.00"),
                ),
                (
                    start.date() + timedelta(days=365),
                    "EUR",
                    Decimal("7.00"),
                    Decimal("22.00"),
                    90,
                    365,
                    Decimal("6000.00"),
                ),
            ],
        )

        # Gaps: most caused behind the touchpoints, a few roles causing many (a skew), statuses
        # spread with past dates, money mostly left to the defaults.
        role_weights = [
            (0.15 if teams[(r[2] - 1)][3] else 1.0) / (1 + (i % 50)) ** 0.8
            for i, r in enumerate(roles)
        ]
        gaps = []
        gap_rows = []
        cx = user_id["cx"]
        for pk in range(1, sizes.gaps + 1):
            role = rng.choices(roles, role_weights)[0]
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            severity = rng.choices([1, 2, 3, 4, 5], [10, 25, 35, 20, 10])[0]
            detected = start.date() + timedelta(
                days=30 + int(rng.random() ** 0.8 * (sizes.days - 31))
            )
            closed_at = prevented_on = acknowledged_at = None
            root_cause = dispute = ""
            remedy_cost = Decimal("0.00")
            expected = None
            if status in ("acknowledged", "in_remedy", "closed"):
                acknowledged_at = _moment(detected, rng.randint(0, 10), rng)
            if status == "closed":
                closed_day = detected + timedelta(days=rng.randint(10, 200))
                closed_day = min(closed_day, anchor - timedelta(days=1))
                closed_at = _moment(closed_day, 0, rng)
                acknowledged_at = min(acknowledged_at, closed_at)
                root_cause = f"{_sentence(rng)} because of a rule in {role[1]}."
                remedy_cost = Decimal(rng.randint(0, 4_000_000)) / 100
            elif status == "prevented":
                prevented_on = detected
                expected = Decimal(rng.randint(100, 20_000)) / 100
                remedy_cost = Decimal(rng.randint(10_000, 2_000_000)) / 100
            elif status == "disputed":
                dispute = "Not ours: the rule is set by another team."
            cost = Decimal(rng.randint(100, 4000)) / 100 if rng.random() < 0.4 else None
            revenue = Decimal(rng.randint(0, 10_000)) / 100 if rng.random() < 0.5 else None
            touchpoint = rng.randrange(1, sizes.touchpoints + 1) if rng.random() < 0.9 else None
            title = f"{_sentence(rng)} ({pk})"
            gaps.append((pk, role[0], role[2], detected, status, closed_at, touchpoint))
            gap_rows.append(
                (
                    pk,
                    title,
                    f"Customers expect the {rng.choice(NOUNS)} to be right first time.",
                    f"{_sentence(rng)}.",
                    rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
                    rng.choice(ORIGINS),
                    touchpoint,
                    role[0],
                    role[2],
                    severity,
                    status,
                    detected,
                    rng.choice(["select", "get", "use", ""]),
                    cost,
                    revenue,
                    expected,
                    remedy_cost,
                    root_cause,
                    dispute,
                    detected + timedelta(days=ACK_DAYS[severity]),
                    acknowledged_at,
                    closed_at,
                    prevented_on,
                    cx,
                    _moment(detected, 0, rng),
                )
            )
        counts["gaps"] = copy_rows(
            Gap,
            [
                "id",
                "title",
                "expectation",
                "delivery",
                "category",
                "origin",
                "touchpoint_id",
                "causing_role_id",
                "causing_team_id",
                "severity",
                "status",
                "detected_on",
                "journey_stage",
                "cost_to_serve",
                "revenue_at_risk",
                "expected_monthly_occurrences",
                "remedy_cost",
                "root_cause",
                "dispute_reason",
                "acknowledge_due_on",
                "acknowledged_at",
                "closed_at",
                "prevented_on",
                "created_by_id",
                "created_at",
            ],
            gap_rows,
        )
        del gap_rows
        copy_rows(
            Gap.themes.through,
            ["gap_id", "theme_id"],
            (
                (pk, theme)
                for pk, *_ in gaps
                for theme in random.Random(seed * 100_003 + pk).sample(
                    range(1, len(themes) + 1), 1 + pk % 3
                )
            ),
        )
        counts["gap_events"] = copy_rows(
            GapEvent,
            ["gap_id", "kind", "actor_id", "from_status", "to_status", "note", "changes", "at"],
            _events(gaps, cx, rng, end - timedelta(hours=1)),
        )

        # Occurrences: a heavy-tailed rate per gap (a few gaps bring most contacts), over two
        # years, dropping to about a fifth after closing (a few recur), none for prevented gaps.
        started = time.perf_counter()
        counts["occurrences"] = copy_rows(
            Occurrence,
            [
                "gap_id",
                "occurred_at",
                "touchpoint_id",
                "source",
                "external_id",
                "customer_ref",
                "recorded_at",
            ],
            _occurrences(gaps, sizes.occurrences, end, seed),
        )
        counts["occurrences_copy_s"] = round(time.perf_counter() - started, 1)

        # Insights: published over the two years (some drafts and archived), themes, gaps.
        insight_rows, insight_gaps, insight_themes = [], [], []
        for pk in range(1, sizes.insights + 1):
            status = rng.choices(["published", "draft", "archived"], [90, 7, 3])[0]
            published = _moment(
                start.date() + timedelta(days=rng.randrange(30, sizes.days)), 0, rng
            )
            noun = rng.choice(NOUNS)
            insight_rows.append(
                (
                    pk,
                    f"Customers say the {noun} {rng.choice(VERBS)} ({pk})",
                    f"{_sentence(rng)}; {rng.randint(5, 60)}% of {rng.choice(NOUNS)} contacts"
                    " mention it.",
                    f'"{_sentence(rng)}."\n"{_sentence(rng)} again."',
                    "Check the rule before it ships.",
                    rng.choice(["expectation", "experience"]),
                    rng.choice(INSIGHT_SOURCES),
                    rng.choice(["", "Small business", "Enterprise"]),
                    rng.choice(REGIONS),
                    status,
                    published if status != "draft" else None,
                    cx,
                    published,
                )
            )
            for gap in rng.sample(range(1, sizes.gaps + 1), rng.randint(1, 3)):
                insight_gaps.append((pk, gap))
            for theme in rng.sample(range(1, len(themes) + 1), rng.randint(1, 2)):
                insight_themes.append((pk, theme))
        counts["insights"] = copy_rows(
            Insight,
            [
                "id",
                "title",
                "finding",
                "evidence",
                "recommendation",
                "kind",
                "source",
                "segment",
                "region",
                "status",
                "published_at",
                "created_by_id",
                "created_at",
            ],
            insight_rows,
        )
        copy_rows(Insight.related_gaps.through, ["insight_id", "gap_id"], insight_gaps)
        copy_rows(Insight.themes.through, ["insight_id", "theme_id"], insight_themes)

        # Routing rules (themes → levels) and the feed items routing put there: the causing
        # roles of each published insight's gaps, and the roles its rules target.
        rules = []
        rule_themes = []
        for pk in range(1, 21):
            level = LEVELS[pk % 4]
            rules.append(
                (
                    pk,
                    f"Rule {pk}: {THEMES[pk % len(THEMES)]} to {level}s",
                    _json([level]),
                    teams[pk % len(teams)][0],
                )
            )
            rule_themes.append((pk, pk % len(themes) + 1))
        copy_rows(RoutingRule, ["id", "name", "target_levels", "team_id"], rules)
        copy_rows(RoutingRule.themes.through, ["routingrule_id", "theme_id"], rule_themes)
        gap_role = {g[0]: g[1] for g in gaps}
        by_insight: dict[int, list[int]] = {}
        for insight, gap in insight_gaps:
            by_insight.setdefault(insight, []).append(gap_role[gap])
        feed = []
        states = ["new", "read", "acting", "done", "dismissed"]
        for row in insight_rows:
            if row[9] != "published":
                continue
            reached = dict.fromkeys(by_insight.get(row[0], []), "Its gap is caused by this role")
            for role in rng.sample(range(1, sizes.roles + 1), min(sizes.roles, rng.randint(1, 4))):
                reached.setdefault(role, f"Rule {rng.randint(1, 20)}")
            for role, reason in reached.items():
                state = rng.choices(states, [50, 25, 10, 10, 5])[0]
                feed.append(
                    (
                        role,
                        row[0],
                        reason,
                        f"{row[1]}: what it means for your team.",
                        Decimal(rng.randint(100, 1000)) / 1000,
                        state,
                        "Not relevant to this role." if state == "dismissed" else "",
                        row[10],
                    )
                )
        counts["feed_items"] = copy_rows(
            FeedItem,
            [
                "role_id",
                "insight_id",
                "reason",
                "tailored_summary",
                "relevance",
                "state",
                "dismissal_reason",
                "created_at",
            ],
            feed,
        )
        reset_sequences(User, Team, Role, Touchpoint, Theme, Gap, Insight, RoutingRule)
    with connection.cursor() as cursor:
        # Fresh tables have no statistics and no visibility map: what autovacuum would do soon.
        cursor.execute("VACUUM ANALYZE")
    return counts


def _json(value) -> str:
    import json

    return json.dumps(value)


def _moment(day: date, plus_days: int, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        days=plus_days, seconds=rng.randrange(8 * 3600, 18 * 3600)
    )


def _events(gaps, actor: int, rng: random.Random, latest: datetime):
    """The history each status implies: created, then the transitions that led there."""
    path = {
        "acknowledged": ["open", "acknowledged"],
        "in_remedy": ["open", "acknowledged", "in_remedy"],
        "closed": ["open", "acknowledged", "in_remedy", "closed"],
        "disputed": ["open", "disputed"],
        "archived": ["open", "archived"],
    }
    for pk, _role, _team, detected, status, closed_at, _tp in gaps:
        at = _moment(detected, 0, rng)
        first = "prevented" if status == "prevented" else "open"
        yield (pk, "created", actor, "", first, "", "{}", at)
        steps = path.get(status, [])
        for before, after in itertools.pairwise(steps):
            at = (
                closed_at
                if after == "closed"
                else min(latest, at + timedelta(days=rng.randint(1, 5)))
            )
            yield (pk, "transition", actor, before, after, f"Moved to {after}.", "{}", at)


def _occurrences(gaps, total: int, end: datetime, seed: int):
    """``total`` occurrences over the gaps: Pareto-distributed rates, a drop after closing."""
    rng = random.Random(seed + 1)
    live = [g for g in gaps if g[4] != "prevented"]
    weights = [rng.paretovariate(1.3) for _ in live]
    scale = total / sum(weights)
    end_s = end.timestamp() - 1
    made = 0
    for index, ((pk, _role, _team, detected, _status, closed_at, touchpoint), weight) in enumerate(
        zip(live, weights, strict=True)
    ):
        n = total - made if index == len(live) - 1 else int(weight * scale + rng.random())
        n = max(0, min(n, total - made))
        made += n
        begin = (
            datetime(detected.year, detected.month, detected.day, tzinfo=UTC).timestamp()
            - 14 * 86_400
        )
        if closed_at is not None:
            cut = closed_at.timestamp()
            after_rate = 0.7 if pk % 20 == 0 else 0.2  # one closed gap in twenty recurs
            before_len, after_len = cut - begin, max(0.0, end_s - cut)
            share_before = before_len / (before_len + after_rate * after_len)
            windows = [(begin, cut, share_before), (cut, end_s, 1 - share_before)]
        else:
            windows = [(begin, end_s, 1.0)]
        for i in range(n):
            x = rng.random()
            lo, hi, _share = windows[0] if x < windows[0][2] else windows[-1]
            moment = lo + rng.random() * (hi - lo)
            occurred = datetime.fromtimestamp(moment, UTC)
            source = SOURCES[i % 4]
            yield (
                pk,
                occurred,
                touchpoint,
                source,
                f"{pk}-{i}",
                f"C{rng.randrange(1_000_000)}" if i % 3 else "",
                occurred + timedelta(minutes=5 + (i % 50)),
            )


# --- Keep or regenerate ------------------------------------------------------------------------


def held(db_url: str) -> dict | None:
    """What the scratch database holds (scale, seed, version, anchor), or ``None``."""
    import psycopg

    if not harness.database_exists(db_url):
        return None
    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        try:
            row = conn.execute("SELECT scale, seed, version, anchor FROM bench_dataset").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    if row is None:
        return None
    return {"scale": float(row[0]), "seed": row[1], "version": row[2], "anchor": row[3]}


def ensure(*, db_url: str, scale: float, seed: int, keep: bool, anchor: date | None = None) -> dict:
    """Make the scratch database hold this dataset; returns what it holds and how it got there.

    Runs in a child process so that the calling script's Django (if any) never sees a database
    that is being dropped and recreated.
    """
    current = held(db_url)
    wanted = {"scale": scale, "seed": seed, "version": GENERATOR_VERSION}
    env = harness.app_environment(db_url)
    if keep and current and all(current[k] == v for k, v in wanted.items()):
        harness.manage(env, "migrate", "--noinput")
        return {**current, "kept": True}
    harness.recreate_database(db_url)
    harness.manage(env, "migrate", "--noinput")
    args = [
        harness.PYTHON,
        str(Path(__file__)),
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--fill",
    ]
    if anchor:
        args += ["--anchor", anchor.isoformat()]
    started = time.perf_counter()
    harness.run_child(args, env)
    return {**held(db_url), "kept": False, "generate_s": round(time.perf_counter() - started, 1)}


def _fill(scale: float, seed: int, anchor: date) -> None:
    from django.db import connection

    counts = generate(scale=scale, seed=seed, anchor=anchor)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_dataset (scale numeric, seed integer, version integer, anchor date)"
        )
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, %s, %s, %s)",
            [scale, seed, GENERATOR_VERSION, anchor],
        )
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="reuse a scratch DB with this data")
    parser.add_argument("--anchor", type=date.fromisoformat, help="the day the data ends")
    parser.add_argument("--db-suffix", default="bench", help="scratch database: <name>_<suffix>")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    anchor = args.anchor or datetime.now(UTC).date()
    if args.fill:  # the child: DATABASE_URL already names the migrated scratch database
        setup_django(os.environ["DATABASE_URL"])
        _fill(args.scale, args.seed, anchor)
        return
    db_url = harness.scratch_url(args.db_suffix)
    print(ensure(db_url=db_url, scale=args.scale, seed=args.seed, keep=args.keep, anchor=anchor))


if __name__ == "__main__":
    main()
