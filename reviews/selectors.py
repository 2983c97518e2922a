"""Reads of change reviews (scoped per user), their matches, and gaps similar to a text."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from gaps import rates
from gaps.models import Gap, Occurrence, Theme
from gaps.selectors import with_row_relations
from roi import calculations as calc
from roi import costs

from . import similarity
from .models import UNDECIDED, ChangeReview, EmbeddedKind, ReviewMatch

# "The matched gap's recent rate": occurrences over the last 90 days, per 30-day month.
RATE_WINDOW_DAYS = 90
DAYS_PER_MONTH = int(rates.DAYS_PER_MONTH)
RATE_PLACES = Decimal("0.01")
SIMILAR_LIMIT = 5
THEME_SUGGESTIONS = 3


def reviews_for_user(user: User | AnonymousUser) -> QuerySet[ChangeReview]:
    """Every review the person may see: all for the CX team and executives, the reviews of
    owned roles for role owners, none for anyone else. Three queries for any list."""
    return with_review_relations(ChangeReview.objects.for_user(user))


def with_review_relations(reviews: QuerySet[ChangeReview]) -> QuerySet[ChangeReview]:
    return reviews.select_related("role__team", "created_by").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("name")), "touchpoints"
    )


def review_queue(user: User | AnonymousUser) -> QuerySet[ChangeReview]:
    """The list page: undecided first (the earliest launch, so the overdue, on top), then the
    decided; each with its number of matches."""
    return queue_order(ChangeReview.objects.for_user(user))


def queue_order(reviews: QuerySet[ChangeReview]) -> QuerySet[ChangeReview]:
    """Undecided first, by launch day, then the decided; each with its number of matches."""
    undecided_first = Case(
        When(status__in=UNDECIDED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        with_review_relations(reviews)
        .annotate(match_count=Count("matches"), decided_order=undecided_first)
        .order_by("decided_order", "launch_on", "-id")
    )


def overdue_reviews(*, today: date | None = None) -> QuerySet[ChangeReview]:
    """Undecided reviews whose launch day has passed."""
    today = today or timezone.localdate()
    return (
        ChangeReview.objects.filter(status__in=UNDECIDED, launch_on__lt=today)
        .select_related("role")
        .order_by("launch_on", "id")
    )


def overdue_reviews_of(user: User, *, today: date | None = None) -> QuerySet[ChangeReview]:
    """Undecided reviews of roles the person owns whose launch day has passed."""
    return overdue_reviews(today=today).filter(role__owners=user)


def review_matches(review: ChangeReview) -> QuerySet[ReviewMatch]:
    """The stored matches of a review, best first, with what the page shows of each."""
    return review.matches.select_related("gap", "insight", "prevented_gap").order_by("rank")


# --- Rates and costs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRate:
    """A gap's recent rate and what it costs a month, with the inputs (the basis shown)."""

    occurrences: int
    window_days: int
    monthly_rate: Decimal
    unit_cost: Decimal
    monthly_cost: Decimal

    @property
    def basis(self) -> str:
        return (
            f"{self.occurrences} occurrences in the last {self.window_days} days "
            f"÷ {self.window_days // DAYS_PER_MONTH} months = {self.monthly_rate} a month"
        )


def gap_rates(gaps: list[Gap], *, today: date | None = None) -> dict[int, GapRate]:
    """Each gap's occurrences a month over the last 90 days and their monthly cost, in two
    queries (occurrence counts; the cost model in force), unit costs from ``roi.costs``."""
    today = today or timezone.localdate()
    start = timezone.now() - timedelta(days=RATE_WINDOW_DAYS)
    counts = dict(
        Occurrence.objects.filter(gap__in=[g.pk for g in gaps], occurred_at__gte=start)
        .values_list("gap")
        .annotate(n=Count("pk"))
        .values_list("gap", "n")
    )
    model = costs.cost_model_as_of(today)
    found = {}
    for gap in gaps:
        occurrences = counts.get(gap.pk, 0)
        # The rate is shown to two places, and the cost is that shown rate × unit, in cents.
        rate = rates.window_rate(occurrences, window_days=RATE_WINDOW_DAYS).quantize(
            RATE_PLACES, rounding=ROUND_HALF_UP
        )
        unit = costs.gap_unit_cost(gap, model)
        found[gap.pk] = GapRate(
            occurrences=occurrences,
            window_days=RATE_WINDOW_DAYS,
            monthly_rate=rate,
            unit_cost=unit,
            monthly_cost=calc.cents(rate * unit),
        )
    return found


# --- Similar gaps and theme suggestions --------------------------------------------------------


@dataclass(frozen=True)
class SimilarGap:
    gap: Gap
    score: float


def similar_gaps(
    visible: QuerySet[Gap], text: str, *, limit: int = SIMILAR_LIMIT
) -> list[SimilarGap]:
    """Existing gaps closest in meaning to ``text`` among ``visible`` (those the person may
    see): duplicates caught before they are logged."""
    ranked = similarity.rank(EmbeddedKind.GAP, text, limit=limit)
    gaps = with_row_relations(visible).in_bulk([r.object_id for r in ranked])
    return [SimilarGap(gap=gaps[r.object_id], score=r.score) for r in ranked if r.object_id in gaps]


def suggested_themes(
    themes: QuerySet[Theme], text: str, *, limit: int = THEME_SUGGESTIONS
) -> list[Theme]:
    """Among ``themes`` (those the person may read), the themes of the nearest gaps and
    insights, weighted by how close each neighbour is."""
    weights: dict[int, float] = {}
    for kind, through, column in (
        (EmbeddedKind.GAP, Gap.themes.through, "gap_id"),
        (EmbeddedKind.INSIGHT, Theme.insights.through, "insight_id"),
    ):
        ranked = {r.object_id: r.score for r in similarity.rank(kind, text, limit=5)}
        for object_id, theme_id in through.objects.filter(
            **{f"{column}__in": list(ranked)}
        ).values_list(column, "theme_id"):
            weights[theme_id] = weights.get(theme_id, 0.0) + ranked[object_id]
    best = sorted(weights, key=lambda pk: (-weights[pk], pk))[:limit]
    found = themes.in_bulk(best)
    return [found[pk] for pk in best if pk in found]


def reviews_filter_status(reviews: QuerySet[ChangeReview], status: str) -> QuerySet:
    if status == "overdue":
        return reviews.filter(status__in=UNDECIDED, launch_on__lt=timezone.localdate())
    return reviews.filter(status=status) if status else reviews
