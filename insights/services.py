"""Every write of the insights app: pages, the API, tasks and the demo all call these.

Validation raises Django's ``ValidationError`` with per-field messages, so that forms show them
beside the field and the API answers 400 with the same words.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from gaps.models import Gap, Role, Team, Theme
from notifications.models import NotificationKind
from notifications.services import Draft, notify_many
from outbox.services import enqueue
from webhooks.events import emit, emit_many, wanted_events

from . import routing
from .models import FEED_TRANSITIONS, FeedItem, FeedState, Insight, InsightStatus, RoutingRule
from .permissions import check_may_manage_rules, check_may_work_feed_item, check_may_write_insights
from .tailoring import TailoringCache, TailoringContext, tailored_text

INSIGHT_FIELDS = (
    "title",
    "finding",
    "evidence",
    "recommendation",
    "kind",
    "source",
    "segment",
    "region",
)
RULE_FIELDS = ("name", "gap_category", "region", "kind", "team", "target_levels", "active")


# Task names, not imports: tasks.py imports this module.
ROUTE_TASK = "insights.tasks.route_insight"
REROUTE_ALL_TASK = "insights.tasks.route_published_insights"
REROUTE_ALL_KEY = "insights.reroute-all"


def _enqueue_route(insight_id: int) -> None:
    """Route the insight once this transaction commits (outbox: survives a broker outage).

    One pending routing per insight: publishing twice before the task starts routes once, with
    what the second publish committed.
    """
    enqueue(ROUTE_TASK, args=[insight_id], dedupe_key=f"insights.route:{insight_id}")


def _enqueue_reroute_all() -> None:
    """Re-route every published insight once this commits; a burst of rule edits queues one.

    The re-route runs on its own queue (``settings.CELERY_REROUTE_QUEUE``) so that it never
    starves publishing; one that starts after the last edit of a burst sees every edit.
    """
    enqueue(REROUTE_ALL_TASK, dedupe_key=REROUTE_ALL_KEY)


@transaction.atomic
def insight_create(
    *,
    actor: User | None,
    title: str,
    finding: str,
    kind: str,
    evidence: str = "",
    recommendation: str = "",
    source: str = "",
    segment: str = "",
    region: str = "",
    themes: Iterable[Theme] = (),
    related_gaps: Iterable[Gap] = (),
) -> Insight:
    """A draft insight; nothing reaches a feed until it is published."""
    check_may_write_insights(actor)
    insight = Insight(
        title=title,
        finding=finding,
        kind=kind,
        evidence=evidence,
        recommendation=recommendation,
        source=source,
        segment=segment,
        region=region,
        created_by=actor,
    )
    insight.full_clean()
    insight.save()
    insight.themes.set(themes)
    insight.related_gaps.set(related_gaps)
    return insight


@transaction.atomic
def insight_update(*, insight: Insight, actor: User | None, **changes) -> Insight:
    """Change an insight's fields, themes or gaps; a published one is routed again."""
    check_may_write_insights(actor)
    unknown = set(changes) - {*INSIGHT_FIELDS, "themes", "related_gaps"}
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be changed here.") for name in unknown}
        )
    for name in INSIGHT_FIELDS:
        if name in changes:
            setattr(insight, name, changes[name])
    insight.full_clean()
    insight.save()
    if "themes" in changes:
        insight.themes.set(changes["themes"])
    if "related_gaps" in changes:
        insight.related_gaps.set(changes["related_gaps"])
    if insight.status == InsightStatus.PUBLISHED:
        _enqueue_route(insight.pk)
    return insight


@transaction.atomic
def insight_publish(*, insight: Insight, actor: User | None) -> Insight:
    """Publish and, once committed, route it in a Celery task. Publishing again re-routes.

    Who may publish is decided here (``insights.permissions``), for pages and API alike.
    """
    check_may_write_insights(actor)
    errors = {}
    if not insight.title.strip():
        errors["title"] = "An insight needs a title before it can be published."
    if not insight.finding.strip():
        errors["finding"] = "Say what customers told us: the finding is empty."
    if insight.kind not in Insight.Kind.values:
        errors["kind"] = "Say whether this is an expectation or an experience."
    if errors:
        raise ValidationError(errors)
    newly_published = insight.status != InsightStatus.PUBLISHED
    insight.status = InsightStatus.PUBLISHED
    insight.published_at = insight.published_at or timezone.now()
    insight.save(update_fields=["status", "published_at", "updated_at"])
    _enqueue_route(insight.pk)
    if newly_published:
        emit("insight.published", insight)
    return insight


@transaction.atomic
def insight_archive(*, insight: Insight, actor: User | None) -> Insight:
    """Archive an insight: it leaves every feed at once (its items are removed)."""
    check_may_write_insights(actor)
    insight.status = InsightStatus.ARCHIVED
    insight.save(update_fields=["status", "updated_at"])
    FeedItem.objects.filter(insight=insight).delete()
    return insight


@dataclass(frozen=True)
class RouteResult:
    created: int = 0
    updated: int = 0
    removed: int = 0


# Insights routed per transaction by a full re-route: large enough that the fixed queries of a
# batch (about 14) are spread thin, small enough that a batch holds its insights' row locks
# briefly (publishing or archiving one of them waits for the batch to commit).
ROUTE_BATCH_SIZE = 50


def insight_route(
    *,
    insight: Insight,
    rules: list[routing.RuleSpec] | None = None,
    roles: list[Role] | None = None,
) -> RouteResult:
    """Bring the insight's feed items in line with the rules and its gaps; idempotent.

    Each reached role holds exactly one item (upserted on (role, insight)), whose reason,
    tailoring and relevance are refreshed while its state is kept. Roles no longer reached
    lose the item unless someone already worked on it. Unpublished insights leave all feeds.
    ``rules`` and ``roles`` may be passed in when routing many insights at once.
    """
    return insights_route(insight_ids=[insight.pk], rules=rules, roles=roles)


@transaction.atomic
def insights_route(
    *,
    insight_ids: Iterable[int],
    rules: list[routing.RuleSpec] | None = None,
    roles: list[Role] | None = None,
    cache: TailoringCache | None = None,
) -> RouteResult:
    """``insight_route`` for many insights at once, set-based: a fixed number of queries.

    Rules are matched in memory, tailoring inputs (gaps, their costs, each team's open gaps)
    are loaded once for the batch, and all feed items are written by one upsert and one delete.
    Insights are locked in id order, so two batches never deadlock. ``cache`` may be shared
    by the batches of one re-route (``insights_route_published``).
    """
    insights = list(
        Insight.objects.select_for_update(of=("self",))
        .filter(pk__in=list(insight_ids))
        .order_by("pk")
    )
    prefetch_related_objects(insights, "themes")
    existing = {
        (insight_id, role_id): (pk, state)
        for pk, insight_id, role_id, state in FeedItem.objects.filter(
            insight__in=insights
        ).values_list("pk", "insight_id", "role_id", "state")
    }
    published = [i for i in insights if i.status == InsightStatus.PUBLISHED]
    rules = routing.active_rule_specs() if rules is None else rules
    roles = routing.all_roles() if roles is None else roles
    contexts = TailoringContext.load_many(published, cache=cache) if published else {}
    reach = routing.rule_reach(rules, roles)
    targets = {
        insight.pk: routing.insight_targets(insight, contexts[insight.pk].gaps, rules, roles, reach)
        for insight in published
    }
    # Lock the rules the items will name: a rule deleted meanwhile (rules are read once for a
    # whole re-route) is not referenced, and a delete waits until these items are committed.
    wanted = {
        target.rule_id
        for reached in targets.values()
        for target in reached.values()
        if target.rule_id is not None
    }
    live_rules = (
        set(
            RoutingRule.objects.select_for_update()
            .filter(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if wanted
        else set()
    )
    rows = [
        FeedRow(
            role_id=role_id,
            insight_id=insight.pk,
            reason=target.reason,
            rule_id=target.rule_id if target.rule_id in live_rules else None,
            tailored_summary=tailored_text(
                contexts[insight.pk], level=target.role.level, team=target.role.team
            ),
            relevance=routing.relevance(contexts[insight.pk], target),
        )
        for insight in published
        for role_id, target in sorted(targets[insight.pk].items())
    ]
    created = _feed_items_upsert(rows, report_new="feed_item.created" in wanted_events())
    # One webhook message for the batch's new items, however many (no query per item).
    emit_many("feed_item.created", "insights.feeditem", created)
    # Unpublished insights leave every feed; published ones leave feeds no longer reached,
    # unless someone already worked on the item.
    gone = [
        pk
        for (insight_id, role_id), (pk, state) in existing.items()
        if insight_id not in targets
        or (role_id not in targets[insight_id] and state == FeedState.NEW)
    ]
    removed = FeedItem.objects.filter(pk__in=gone).delete()[0] if gone else 0
    fresh = [
        (insight_id, target)
        for insight_id, reached in targets.items()
        for role_id, target in reached.items()
        if (insight_id, role_id) not in existing
    ]
    _notify_new_feed_items(fresh, {insight.pk: insight for insight in published})
    return RouteResult(created=len(fresh), updated=len(rows) - len(fresh), removed=removed)


def _notify_new_feed_items(
    fresh: list[tuple[int, routing.Target]], insights: dict[int, Insight]
) -> None:
    """Tell the owners of each role whose feed just received an insight: three queries for
    the whole batch (owners, their preferences, one insert), none per item."""
    if not fresh:
        return
    owners = defaultdict(list)
    for role_id, user_id in Role.owners.through.objects.filter(
        role_id__in={target.role.pk for _, target in fresh}
    ).values_list("role_id", "user_id"):
        owners[role_id].append(user_id)
    drafts: dict[tuple[int, int], Any] = {}
    for insight_id, target in fresh:
        insight = insights[insight_id]
        for user_id in owners[target.role.pk]:
            # One per person and insight, however many of their roles it reached.
            drafts.setdefault(
                (user_id, insight.pk),
                Draft(
                    recipient_id=user_id,
                    kind=NotificationKind.FEED_ITEM,
                    title=f"New in the feed of {target.role.name}: {insight.title}",
                    url=reverse("insights:feed", args=[target.role.pk]),
                ),
            )
    notify_many(drafts.values())


# The staging table of ``_feed_items_upsert`` (PostgreSQL, temporary: one per connection).
FEED_STAGE_TABLE = "insights_feeditem_stage"


class FeedRow(NamedTuple):
    """What routing decides for one (role, insight): the columns it writes."""

    role_id: int
    insight_id: int
    reason: str
    rule_id: int | None
    tailored_summary: str
    relevance: Decimal


def _feed_items_upsert(rows: list[FeedRow], *, report_new: bool = False) -> list[int]:
    """Insert or refresh one feed item per row, keyed on (role, insight), in one statement.

    PostgreSQL: one ``INSERT … SELECT FROM jsonb_to_recordset ON CONFLICT DO UPDATE``, so that tens
    of thousands of items cost neither a model instance nor compiled SQL each (that was half a
    re-route's time through ``bulk_create``); an item whose reason, rule, summary and relevance
    are unchanged is not rewritten (nor its ``updated_at`` moved), so a re-route after a small
    rule edit writes only what changed. Elsewhere (SQLite, the embedded default) the same upsert
    through ``bulk_create``, rewriting every item. A refreshed item keeps its state and
    creation time.

    With ``report_new`` it returns the ids of the items it inserted (not those refreshed), for
    the ``feed_item.created`` webhook: one ``RETURNING`` on PostgreSQL, two queries elsewhere.
    Without it (no subscription listens) it returns nothing and costs nothing more.
    """
    if not rows:
        return []
    now = timezone.now()
    if connection.vendor != "postgresql":
        existing = (
            set(
                FeedItem.objects.filter(
                    role_id__in={row.role_id for row in rows},
                    insight_id__in={row.insight_id for row in rows},
                ).values_list("pk", flat=True)
            )
            if report_new
            else set()
        )
        items = FeedItem.objects.bulk_create(
            [FeedItem(**row._asdict(), created_at=now) for row in rows],
            update_conflicts=True,
            unique_fields=["role", "insight"],
            update_fields=["reason", "rule", "tailored_summary", "relevance", "updated_at"],
            batch_size=500,
        )
        if not report_new:
            return []
        keys = {(item.role_id, item.insight_id) for item in items}
        return sorted(
            pk
            for pk, role_id, insight_id in FeedItem.objects.filter(
                role_id__in={key[0] for key in keys}, insight_id__in={key[1] for key in keys}
            ).values_list("pk", "role_id", "insight_id")
            if (role_id, insight_id) in keys and pk not in existing
        )
    # COPY into a session-local staging table, then one INSERT … SELECT: COPY streams rows
    # without quoting them into SQL or parsing a JSON document of 16 MB per batch server-side
    # (jsonb_to_recordset). The table is emptied at each commit and reused by the next batch.
    table = FeedItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE IF NOT EXISTS {FEED_STAGE_TABLE} (
                role_id bigint, insight_id bigint, reason text, rule_id bigint,
                tailored_summary text, relevance numeric
            ) ON COMMIT DELETE ROWS
            """
        )
        with cursor.cursor.copy(
            f"COPY {FEED_STAGE_TABLE} (role_id, insight_id, reason, rule_id, tailored_summary,"
            " relevance) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""
            INSERT INTO {table} AS item (
                role_id, insight_id, reason, rule_id, tailored_summary, relevance,
                state, dismissal_reason, created_at, updated_at
            )
            SELECT role_id, insight_id, reason, rule_id, tailored_summary, relevance,
                   %s, '', %s, %s
            FROM {FEED_STAGE_TABLE}
            ON CONFLICT (role_id, insight_id) DO UPDATE SET
                reason = EXCLUDED.reason,
                rule_id = EXCLUDED.rule_id,
                tailored_summary = EXCLUDED.tailored_summary,
                relevance = EXCLUDED.relevance,
                updated_at = EXCLUDED.updated_at
            WHERE (item.reason, item.rule_id, item.tailored_summary, item.relevance)
                IS DISTINCT FROM (EXCLUDED.reason, EXCLUDED.rule_id, EXCLUDED.tailored_summary,
                                  EXCLUDED.relevance)
            """  # noqa: S608 - the table names are ours; every value is a parameter.
            # A row just inserted has no xmax; one updated by ON CONFLICT has.
            + (" RETURNING item.id, (item.xmax = 0)" if report_new else ""),
            [FeedState.NEW, now, now],
        )
        created = sorted(pk for pk, inserted in cursor.fetchall() if inserted) if report_new else []
        # ON COMMIT DELETE ROWS empties it at the end of the transaction; a caller routing
        # twice in one transaction (tests, nested atomic blocks) must not upsert rows twice.
        cursor.execute(f"TRUNCATE {FEED_STAGE_TABLE}")
    return created


def insights_route_published() -> int:
    """Route every published insight again (after rules change), in batches; returns how many.

    Rules and roles are read once, at the start: an edit committed after that queues a
    re-route of its own (see ``_enqueue_reroute_all``). So are each team's open gaps on a
    theme (``TailoringCache``, read when a batch first names the theme): a manager's reading
    lists the open gaps as the re-route found them.
    """
    rules, roles = routing.active_rule_specs(), routing.all_roles()
    ids = list(
        Insight.objects.filter(status=InsightStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cache = TailoringCache(timezone.now().date())
    for start in range(0, len(ids), ROUTE_BATCH_SIZE):
        batch = ids[start : start + ROUTE_BATCH_SIZE]
        insights_route(insight_ids=batch, rules=rules, roles=roles, cache=cache)
    return len(ids)


def _rule_errors(target_levels, target_roles, team) -> dict[str, str | list[str]]:
    errors: dict[str, str | list[str]] = {}
    bad = [level for level in target_levels or () if level not in Role.Level.values]
    if bad:
        errors["target_levels"] = f"Unknown level(s): {', '.join(map(str, bad))}."
    if not target_levels and not list(target_roles):
        errors["target_roles"] = "A rule needs a target: pick roles, levels, or both."
    if team is not None and not target_levels:
        errors["team"] = "A team narrows level targets: pick levels too, or clear the team."
    return errors


def _rule_save(rule: RoutingRule, themes, target_roles) -> RoutingRule:
    target_roles = list(target_roles)
    errors = _rule_errors(rule.target_levels, target_roles, rule.team)
    try:
        rule.full_clean()
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    rule.save()
    rule.themes.set(themes)
    rule.target_roles.set(target_roles)
    _enqueue_reroute_all()
    return rule


@transaction.atomic
def routing_rule_create(
    *,
    actor: User | None,
    name: str,
    themes: Iterable[Theme] = (),
    gap_category: str = "",
    region: str = "",
    kind: str = "",
    team: Team | None = None,
    target_levels: Iterable[str] = (),
    target_roles: Iterable[Role] = (),
    active: bool = True,
) -> RoutingRule:
    """A rule; published insights are routed again once it is committed."""
    check_may_manage_rules(actor)
    rule = RoutingRule(
        name=name,
        gap_category=gap_category,
        region=region.strip(),
        kind=kind,
        team=team,
        target_levels=list(target_levels),
        active=active,
    )
    return _rule_save(rule, themes, target_roles)


@transaction.atomic
def routing_rule_update(*, rule: RoutingRule, actor: User | None, **changes) -> RoutingRule:
    """Change a rule; published insights are routed again (never duplicated)."""
    check_may_manage_rules(actor)
    unknown = set(changes) - {*RULE_FIELDS, "themes", "target_roles"}
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be changed here.") for name in unknown}
        )
    for name in RULE_FIELDS:
        if name in changes:
            value = changes[name]
            setattr(rule, name, list(value) if name == "target_levels" else value)
    themes = changes["themes"] if "themes" in changes else list(rule.themes.all())
    roles = changes["target_roles"] if "target_roles" in changes else list(rule.target_roles.all())
    return _rule_save(rule, themes, roles)


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule, actor: User | None) -> None:
    """Delete a rule; items it alone put in feeds leave them unless someone worked on them."""
    check_may_manage_rules(actor)
    # Wait for routing that is writing items naming this rule (it locks the rule row).
    locked = RoutingRule.objects.select_for_update().filter(pk=rule.pk).first()
    if locked is None:
        return  # Deleted by someone else meanwhile.
    locked.delete()
    _enqueue_reroute_all()


@transaction.atomic
def feed_item_set_state(
    *, item: FeedItem, state: str, actor: User | None, dismissal_reason: str = ""
) -> FeedItem:
    """Move a feed item along ``new → read → acting → done``, or dismiss it with a reason."""
    check_may_work_feed_item(actor, item)
    if state not in FeedState.values:
        raise ValidationError({"state": gettext("Unknown state “%(state)s”.") % {"state": state}})
    if state != item.state and state not in FEED_TRANSITIONS[item.state]:
        raise ValidationError(
            {
                "state": gettext("An item that is %(current)s cannot become %(state)s.")
                % {"current": item.get_state_display().lower(), "state": state}
            }
        )
    if state == FeedState.DISMISSED and not dismissal_reason.strip():
        raise ValidationError({"dismissal_reason": gettext("Say why you dismiss it.")})
    item.state = state
    item.dismissal_reason = dismissal_reason.strip() if state == FeedState.DISMISSED else ""
    item.state_changed_at = timezone.now()
    item.state_changed_by = actor
    item.save(
        update_fields=[
            "state",
            "dismissal_reason",
            "state_changed_at",
            "state_changed_by",
            "updated_at",
        ]
    )
    return item
