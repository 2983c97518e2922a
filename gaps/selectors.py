"""Reads of gaps, scoped per user and loaded with what lists and pages show."""

from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from . import permissions
from .models import (
    OPEN_STATUSES,
    Gap,
    GapEvent,
    Occurrence,
    Role,
    Theme,
    acknowledge_late,
    overdue_condition,
    remedy_late,
)
from .pagination import DeferredJoinPaginator, cached_read, table_version


def gaps_for_user(user: User | AnonymousUser) -> QuerySet[Gap]:
    """Every gap the person may see, with what a list row shows, in a fixed number of queries.

    Which gaps: ``Gap.objects.for_user`` (``gaps.permissions.may_view_gaps``); this adds what
    a row shows. Changing them is the services' to allow (``gaps.permissions.check_may_*``).
    """
    return with_row_relations(Gap.objects.for_user(user))


def with_row_relations(gaps: QuerySet[Gap]) -> QuerySet[Gap]:
    """What a list row and a page of a gap show besides the gap: role, teams, people, themes."""
    return gaps.select_related(
        "causing_role__team", "causing_team", "touchpoint", "remedy_owner", "created_by"
    ).prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))


# The columns a row of the HTML gap list shows (``gaps/_gap_table.html``), nothing else.
LIST_ROW_COLUMNS = (
    "title",
    "recurring",
    "touchpoint__name",
    "causing_role__name",
    "causing_team__name",
    "severity",
    "status",
    "detected_on",
    "remedy_due_on",
)


def list_rows(gaps: QuerySet[Gap]) -> QuerySet[Gap]:
    """``gaps`` loaded as a row of the HTML list shows them: the row's columns, its role, team
    and touchpoint names and its themes, without the texts (expectation, delivery, root cause,
    remedy plan…) and the people a gap's own page shows (a page of 25 rows read and built
    three related objects less per row and every text column)."""
    return (
        gaps.select_related(None)
        .select_related("causing_role", "causing_team", "touchpoint")
        .only(*LIST_ROW_COLUMNS)
    )


def gaps_for_api(user: User | AnonymousUser) -> QuerySet[Gap]:
    """``gaps_for_user`` loaded as the API's representation of a gap reads it (a page's theme
    slugs then come from ``gaps.api.fields.read_page_values``)."""
    return api_representation(gaps_for_user(user))


def api_representation(gaps: QuerySet[Gap]) -> QuerySet[Gap]:
    """Gaps loaded with what the API's representation of a gap reads, no more.

    The API names the role, team and touchpoint by id (columns of the gap row itself) and the
    people by username, so a page of 50 gaps joins only the two user rows, reading their
    usernames: a third of the model instances the pages' rows need (role, teams, touchpoint).
    The themes are not prefetched: a page reads its gaps' theme slugs in one query
    (``gaps.api.fields.read_page_values``; a prefetch clones two querysets per row).
    """
    gap_columns = [field.attname for field in Gap._meta.concrete_fields]
    return (
        gaps.select_related(None)
        .prefetch_related(None)
        .select_related("remedy_owner", "created_by")
        .only(*gap_columns, "remedy_owner__username", "created_by__username")
    )


def gaps_caused_by_roles_of(user: User | AnonymousUser) -> QuerySet[Gap]:
    """The gaps attributed to roles the person owns ("Gaps my roles caused")."""
    return gaps_for_user(user).filter(causing_role_id__in=permissions.owned_role_ids(user))


def gap_history(gap: Gap) -> QuerySet[GapEvent]:
    """The gap's history, oldest first, with actors."""
    return gap.events.select_related("actor").order_by("at", "id")


def roles_with_teams() -> QuerySet[Role]:
    return Role.objects.select_related("team").order_by("team__name", "name")


def gap_status_counts(queryset: QuerySet[Gap]) -> dict[str, int]:
    """How many gaps of a (filtered) list are in each status: one grouped query, cached.

    The list's chips and its total (their sum) come from this one query, kept for a minute
    under the gap table's version (``gaps.pagination.cached_read``): a page of a list of
    50,000 gaps neither counts nor groups them again until a gap is written.
    """
    grouped = (
        queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return cached_read(grouped, lambda: dict(grouped), version=gap_table_version())


def gap_table_version() -> str:
    """The gap table's version: moves with every saved gap (see ``table_version``)."""
    return table_version(Gap)


def gap_page(
    queryset: QuerySet[Gap], per_page: int, number, *, rows: QuerySet[Gap], total: int
) -> Page:
    """One page of a gap list (``rows`` loads the page's gaps by id), ``total`` gaps in all."""
    paginator = DeferredJoinPaginator(queryset, per_page, rows=rows, count_rows=lambda: total)
    return paginator.get_page(number)


def text_search(queryset: QuerySet[Gap], text: str) -> QuerySet[Gap]:
    """Free-text search over what a gap says (title, expectation, delivery, root cause)."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(title__icontains=text)
        | Q(expectation__icontains=text)
        | Q(delivery__icontains=text)
        | Q(root_cause__icontains=text)
    )


def occurrences_for_user(user: User | AnonymousUser) -> QuerySet[Occurrence]:
    """Occurrences of the gaps the person may see (no joins: the table is the large one)."""
    return Occurrence.objects.for_user(user)


def with_lateness(queryset: QuerySet[Gap], *, today: date | None = None) -> QuerySet[Gap]:
    """Annotate the lateness rule (``gaps.models.late_condition``) so pages show it without a
    query per row and templates never work it out themselves.

    ``acknowledge_late`` / ``remedy_late``: past that deadline, unmet (the detail page's
    "late" next to each date); ``is_late``: the overdue badge, as the list's ``overdue``
    filter means it (``overdue_condition``).
    """
    today = today or timezone.localdate()
    return queryset.annotate(
        acknowledge_late=_flag(acknowledge_late(today)),
        remedy_late=_flag(remedy_late(today)),
        is_late=_flag(overdue_condition(today)),
    )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def occurrence_weekly_counts(gap: Gap) -> list[tuple[date, int]]:
    """Occurrences of the gap per week (Monday), oldest first, weeks without any as zero.

    One grouped query: the occurrence table is the high-volume one, its rows are never loaded.
    """
    rows = (
        Occurrence.objects.filter(gap=gap)
        .annotate(week=TruncWeek("occurred_at"))
        .order_by()
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    counts = {_as_date(week): n for week, n in rows}
    if not counts:
        return []
    week = min(counts)
    last = max(max(counts), _as_date(timezone.now()) - timedelta(days=timezone.now().weekday()))
    series = []
    while week <= last:
        series.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return series


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def escalations_to(user: User | AnonymousUser, *, role_id: int | None = None) -> QuerySet:
    """Escalations addressed to the person on gaps still unresolved, newest first.

    Feeds show them beside the insights (DESIGN.md: escalations appear in feeds); a gap that
    was since acknowledged-and-closed or archived no longer needs anyone's attention.
    """
    from .models import Escalation

    if not user.is_authenticated:
        return Escalation.objects.none()
    escalations = Escalation.objects.filter(recipient=user, gap__status__in=OPEN_STATUSES)
    if role_id is not None:
        escalations = escalations.filter(role_id=role_id)
    return escalations.select_related("gap__causing_role", "gap__causing_team").order_by(
        "-created_at", "-id"
    )
