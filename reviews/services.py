"""Writes of change reviews: create, edit, assess, decide; and the stored vectors.

Permissions are checked here, so pages and the API share them: a review is written by an owner
of its role only (the role must be one they own); the CX team and executives read every review
but decide none. A decision is final: deciding twice is a ``ReviewConflict`` (409 in the API).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import django.dispatch
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gaps.models import Gap, Theme, Touchpoint
from gaps.models.gaps import GapOrigin, GapStatus
from gaps.services import EARLIEST_DATE, gap_create
from insights.models import Insight, InsightKind
from notifications.models import NotificationKind
from notifications.services import Draft, notify_many
from webhooks.events import emit

from . import similarity
from .models import (
    DECIDED,
    ChangeReview,
    EmbeddedKind,
    MatchKind,
    ReviewMatch,
    ReviewStatus,
    TextEmbedding,
)
from .permissions import check_may_write_review
from .selectors import gap_rates, overdue_reviews

# Sent once an assessment has committed, with ``review`` (its matches stored). The webhooks app
# connects its ``change_review.assessed`` event here; nothing in this app listens.
change_review_assessed = django.dispatch.Signal()

EDITABLE = ("title", "description", "affected_customers", "launch_on", "role", "journey_stage")
MAX_GAP_MATCHES = 8
MAX_INSIGHT_MATCHES = 4
# Expectation insights (what customers expect: the outer loop) come before experience ones.
EXPECTATION_BONUS = 0.05


class ReviewConflict(ValidationError):
    """The review is not in a state for this (decided already, or not assessed yet)."""


def _check_fields(review: ChangeReview) -> None:
    errors = {}
    if not review.title.strip():
        errors["title"] = "Give the change a title."
    if not review.description.strip():
        errors["description"] = "Say what changes."
    if review.launch_on is not None and review.launch_on < EARLIEST_DATE:
        errors["launch_on"] = f"Give a date from {EARLIEST_DATE:%Y} on."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_create(
    *,
    actor: User,
    themes: Iterable[Theme] = (),
    touchpoints: Iterable[Touchpoint] = (),
    **fields: Any,
) -> ChangeReview:
    """A draft review of a change by one of the actor's roles."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be set here.") for name in sorted(unknown)}
        )
    check_may_write_review(actor, fields.get("role"))
    review = ChangeReview(created_by=actor, status=ReviewStatus.DRAFT, **fields)
    _check_fields(review)
    review.full_clean()
    review.save()
    review.themes.set(list(themes))
    review.touchpoints.set(list(touchpoints))
    return review


@transaction.atomic
def review_update(
    *,
    review: ChangeReview,
    actor: User,
    themes: Iterable[Theme] | None = None,
    touchpoints: Iterable[Touchpoint] | None = None,
    **changes: Any,
) -> ChangeReview:
    """Change an undecided review; an assessed one goes back to draft (its matches no longer
    describe the plan)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            {name: gettext("This field cannot be changed here.") for name in unknown}
        )
    review = ChangeReview.objects.select_for_update().get(pk=review.pk)
    check_may_write_review(actor, review.role)
    if "role" in changes:
        check_may_write_review(actor, changes["role"])
    if review.status in DECIDED:
        raise ReviewConflict(
            {"status": gettext("This review is decided; it can no longer change.")}
        )
    for name, value in changes.items():
        setattr(review, name, value)
    _check_fields(review)
    if review.status == ReviewStatus.ASSESSED:
        review.status = ReviewStatus.DRAFT
        review.matches.all().delete()
    review.full_clean()
    review.save()
    if themes is not None:
        review.themes.set(list(themes))
    if touchpoints is not None:
        review.touchpoints.set(list(touchpoints))
    return review


def _evidence_of_gap(gap: Gap) -> str:
    return f"Customers expect: {gap.expectation}\nThey get: {gap.delivery}"


def _evidence_of_insight(insight: Insight) -> str:
    return "\n".join(insight.quotes[:3]) or insight.finding


@dataclass(frozen=True)
class _Scored:
    kind: str
    object_id: int
    score: float


@transaction.atomic
def review_assess(*, review: ChangeReview, actor: User) -> ChangeReview:
    """Match the review against past gaps and published insights and store the result.

    By meaning (or words, without the model: ``match_method`` says which), with the review's
    themes, journey stage and touchpoints; a gap's evidence is its expectation and delivery
    and its cost a month at its rate of the last 90 days; an insight's evidence is the
    customers' own words. Assessing again replaces the matches.
    """
    review = ChangeReview.objects.select_for_update().get(pk=review.pk)
    check_may_write_review(actor, review.role)
    if review.status in DECIDED:
        raise ReviewConflict(
            {"status": gettext("This review is decided; it cannot be assessed again.")}
        )
    text = similarity.review_document(review.title, review.description, review.affected_customers)
    facets = similarity.Facets(
        themes=frozenset(review.themes.values_list("pk", flat=True)),
        journey_stage=review.journey_stage,
        touchpoints=frozenset(review.touchpoints.values_list("pk", flat=True)),
    )
    # The review's own vector, computed when it was saved, if still current.
    stored = (EmbeddedKind.REVIEW, review.pk)
    scored = [
        _Scored(MatchKind.GAP, r.object_id, r.score)
        for r in similarity.rank(
            EmbeddedKind.GAP, text, facets=facets, limit=MAX_GAP_MATCHES, stored=stored
        )
    ]
    ranked = similarity.rank(
        EmbeddedKind.INSIGHT, text, facets=facets, limit=MAX_INSIGHT_MATCHES, stored=stored
    )
    insights = Insight.objects.in_bulk([r.object_id for r in ranked])
    for r in ranked:
        bonus = EXPECTATION_BONUS if insights[r.object_id].kind == InsightKind.EXPECTATION else 0
        scored.append(_Scored(MatchKind.INSIGHT, r.object_id, min(1.0, r.score + bonus)))
    scored.sort(key=lambda s: (-s.score, s.kind, s.object_id))

    gaps = Gap.objects.select_related("touchpoint").in_bulk(
        [s.object_id for s in scored if s.kind == MatchKind.GAP]
    )
    rates = gap_rates(list(gaps.values()))
    review.matches.all().delete()
    matches = []
    for rank, item in enumerate(scored, start=1):
        match = ReviewMatch(
            review=review, rank=rank, kind=item.kind, score=Decimal(f"{item.score:.3f}")
        )
        if item.kind == MatchKind.GAP:
            gap = gaps[item.object_id]
            match.gap, match.title, match.evidence = gap, gap.title, _evidence_of_gap(gap)
            match.monthly_rate = rates[gap.pk].monthly_rate
            match.monthly_cost = rates[gap.pk].monthly_cost
        else:
            insight = insights[item.object_id]
            match.insight, match.title = insight, insight.title
            match.evidence = _evidence_of_insight(insight)
        matches.append(match)
    ReviewMatch.objects.bulk_create(matches)
    review.status = ReviewStatus.ASSESSED
    review.assessed_at = timezone.now()
    review.match_method = similarity.method()
    review.save()
    # Subscribed webhooks hear of it through the outbox, in this transaction: nothing is sent
    # for an assessment that rolls back.
    emit("change_review.assessed", review)
    transaction.on_commit(lambda: change_review_assessed.send(sender=ChangeReview, review=review))
    return review


@dataclass(frozen=True)
class PreventedChoice:
    """One match the owner says the adjusted plan avoids, with an optional monthly estimate."""

    match_id: int
    expected_monthly_occurrences: Decimal | None = None


@transaction.atomic
def review_decide(
    *,
    review: ChangeReview,
    actor: User,
    outcome: str,
    note: str = "",
    prevented: Iterable[PreventedChoice] = (),
) -> ChangeReview:
    """Record the owner's decision, once.

    ``adjusted``: the plan changed (the note says how) and each chosen gap match becomes a
    prevented gap of the review's role, prevented today, expecting the matched gap's rate of
    the last 90 days unless the owner gives another figure. ``proceeded``: the change ships
    as planned; the matched gaps' monthly cost is recorded as risk the role accepted.
    ``withdrawn``: the change is dropped.
    """
    review = ChangeReview.objects.select_for_update().get(pk=review.pk)
    check_may_write_review(actor, review.role)
    if review.status in DECIDED:
        raise ReviewConflict(
            {
                "outcome": gettext("This review was decided already (%(status)s).")
                % {"status": review.get_status_display()}
            }
        )
    if outcome not in DECIDED:
        raise ValidationError(
            {"outcome": gettext("Choose one of: adjusted, proceeded, withdrawn.")}
        )
    if review.status != ReviewStatus.ASSESSED and outcome != ReviewStatus.WITHDRAWN:
        raise ReviewConflict({"outcome": gettext("Assess the review before deciding.")})
    note = (note or "").strip()
    prevented = list(prevented)
    if outcome == ReviewStatus.ADJUSTED:
        if not note:
            raise ValidationError({"note": gettext("Say what changed in the plan.")})
        if not prevented:
            raise ValidationError(
                {"prevented": gettext("Choose the matched gaps the change now avoids.")}
            )
    elif prevented:
        raise ValidationError({"prevented": gettext("Only an adjusted plan prevents gaps.")})

    today = timezone.localdate()
    matches = review.matches.select_related("gap__touchpoint").in_bulk(
        [choice.match_id for choice in prevented]
    )
    if len({choice.match_id for choice in prevented}) != len(prevented):
        raise ValidationError({"prevented": gettext("Each match may be chosen once.")})
    errors = []
    for index, choice in enumerate(prevented):
        match = matches.get(choice.match_id)
        if match is None:
            errors.append(f"Item {index}: match {choice.match_id} is not one of this review's.")
        elif match.kind != MatchKind.GAP:
            errors.append(f"Item {index}: match {choice.match_id} is an insight, not a gap.")
        elif (choice.expected_monthly_occurrences or 0) < 0:
            errors.append(f"Item {index}: expected monthly occurrences cannot be negative.")
    if errors:
        raise ValidationError({"prevented": errors})

    # Checked above: every choice is a match of kind gap, which holds its gap.
    matched_gaps = {c.match_id: matches[c.match_id].gap for c in prevented}
    rates = gap_rates([gap for gap in matched_gaps.values() if gap is not None], today=today)
    for choice in prevented:
        match = matches[choice.match_id]
        matched = matched_gaps[choice.match_id]
        if matched is None:
            raise ValidationError({"prevented": [f"Match {choice.match_id}'s gap is gone."]})
        expected = choice.expected_monthly_occurrences
        if expected is None:
            expected = rates[matched.pk].monthly_rate
        gap = gap_create(
            actor=actor,
            status=GapStatus.PREVENTED,
            prevented_on=today,
            themes=list(matched.themes.all()),
            title=matched.title,
            expectation=matched.expectation,
            delivery=(f"Prevented before launch by the change review “{review.title}”: {note}"),
            category=matched.category,
            origin=GapOrigin.EMPLOYEE_REPORT,
            causing_role=review.role,
            severity=matched.severity,
            touchpoint=matched.touchpoint,
            journey_stage=matched.journey_stage,
            cost_to_serve=matched.cost_to_serve,
            revenue_at_risk=matched.revenue_at_risk,
            expected_monthly_occurrences=expected,
        )
        match.prevented_gap = gap
        match.save(update_fields=["prevented_gap"])
    if outcome == ReviewStatus.PROCEEDED:
        review.accepted_monthly_risk = sum(
            (m.monthly_cost or Decimal(0) for m in review.matches.filter(kind=MatchKind.GAP)),
            Decimal(0),
        )
    review.status = outcome
    review.decision_note = note
    review.decided_at = timezone.now()
    review.decided_by = actor
    review.save()
    return review


# --- Stored vectors ----------------------------------------------------------------------------


def reviews_notify_due(*, today: date | None = None) -> int:
    """Tell the owners of each review's role, once, that its launch day passed undecided.

    The bell (and the digest, by each person's preference) says it once; the digest's own
    "Change reviews past launch" section repeats it daily until a decision. Returns how many
    reviews were newly due.
    """
    due = list(
        overdue_reviews(today=today)
        .filter(due_notified_at__isnull=True)
        .prefetch_related("role__owners")
    )
    notify_many(
        Draft(
            recipient_id=owner.pk,
            kind=NotificationKind.REVIEW_DUE,
            title=f"Change review past its launch day without a decision: {review.title} "
            f"({review.role.name}, launch {review.launch_on:%Y-%m-%d})",
            url=review.get_absolute_url(),
        )
        for review in due
        for owner in review.role.owners.all()
    )
    ChangeReview.objects.filter(pk__in=[r.pk for r in due]).update(due_notified_at=timezone.now())
    return len(due)


def embedding_refresh(*, kind: str, object_id: int) -> bool:
    """(Re)compute the stored vector of one gap, insight or review if its text changed; a
    deleted object's vector goes with it. True when a vector was computed."""
    models: dict[str, type[Gap] | type[Insight] | type[ChangeReview]] = {
        EmbeddedKind.GAP: Gap,
        EmbeddedKind.INSIGHT: Insight,
    }
    model = models.get(kind, ChangeReview)
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        TextEmbedding.objects.filter(kind=kind, object_id=object_id).delete()
        return False
    return bool(similarity.vectors_store(kind, [(obj.pk, similarity.document_of(kind, obj))]))
