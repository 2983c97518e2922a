"""The reviews part of ``seed_demo``: planned changes checked before launch, in every outcome.

Runs after the gaps and insights demos (their gaps and insights are what reviews match) and
before the ROI demo, whose rollup then counts the prevented gaps that came from reviews. Each
review goes through the real services (create, assess, decide); only the dates are moved back
afterwards, so that the story has a past. Safe to run twice: nothing is added once reviews exist.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from gaps.models import Gap, Role, Theme
from gaps.models.gaps import GapStatus
from reviews import services, similarity
from reviews.models import ChangeReview, EmbeddedKind, MatchKind, MatchMethod, ReviewMatch


@dataclass(frozen=True)
class DemoReview:
    team: str
    role: str  # a role of the team with an owner; "" = the team's first owned role
    title: str
    description: str
    customers: str
    themes: tuple[str, ...]
    stage: str
    launch_in_days: int  # negative: launched (or due) in the past
    outcome: str  # adjusted, proceeded, withdrawn, or "" (assessed only), "draft"
    note: str = ""
    decided_days_ago: int = 0


REVIEWS: tuple[DemoReview, ...] = (
    DemoReview(
        "Billing",
        "Billing Operations Manager",
        "Paper invoice handling fee",
        "Customers who still receive paper invoices pay a 2.90 handling fee, printed as "
        "a new line on the invoice itself.",
        "Consumers and small businesses on paper billing",
        ("Invoice clarity", "Pricing transparency"),
        "get",
        -40,
        "adjusted",
        "The fee is announced two months ahead and shown at checkout, never first on the invoice.",
        45,
    ),
    DemoReview(
        "Billing",
        "Invoicing Specialist",
        "Refunds move to a fortnightly batch",
        "Refunds for returned items are paid out in a batch every second Friday instead of daily.",
        "Everyone who returns an item",
        ("Refund speed",),
        "use",
        -20,
        "adjusted",
        "Refunds stay daily; only corrections go to the batch.",
        25,
    ),
    DemoReview(
        "Logistics",
        "",
        "Weekly dispatch for slow-moving items",
        "Orders with items from the long-tail warehouse wait until Thursday so that "
        "one truck carries them all.",
        "Customers ordering from the long-tail catalogue",
        ("Delivery time",),
        "get",
        -10,
        "adjusted",
        "The promised delivery date on the product page now includes the wait.",
        12,
    ),
    DemoReview(
        "Billing",
        "Finance Director",
        "Annual plans renew at list price",
        "Discounted first-year plans renew at the full list price; the renewal "
        "notice goes out with the invoice.",
        "Annual subscribers",
        ("Pricing transparency",),
        "use",
        -30,
        "proceeded",
        "Contractually agreed; Support has a script for the calls.",
        32,
    ),
    DemoReview(
        "Legal",
        "",
        "Arbitration clause in the standard contract",
        "New contracts route disputes to arbitration; the clause is added to the general terms.",
        "New business customers",
        ("Contract terms",),
        "select",
        -5,
        "proceeded",
        "Required by the insurer; plain-language summary to follow.",
        6,
    ),
    DemoReview(
        "Billing",
        "Billing Operations Manager",
        "Invoices only in the customer portal",
        "Stop emailing invoices; customers download them from the portal after signing in.",
        "All customers",
        ("Invoice clarity", "Account access"),
        "get",
        20,
        "withdrawn",
        "Dropped: too many customers never sign in to the portal.",
        3,
    ),
    DemoReview(
        "Logistics",
        "",
        "Drop Saturday deliveries",
        "No deliveries on Saturdays from next quarter.",
        "Households in rural areas",
        ("Delivery time",),
        "get",
        45,
        "withdrawn",
        "Dropped after the pilot region complained.",
        1,
    ),
    DemoReview(
        "Billing",
        "Invoicing Specialist",
        "New invoice numbering scheme",
        "Invoice numbers change from eight digits to a prefix per country.",
        "Business customers who reconcile invoices",
        ("Invoice clarity",),
        "get",
        -3,
        "",
    ),
    DemoReview(
        "Billing",
        "Billing Operations Manager",
        "Card payments only for new customers",
        "New customers can no longer pay by bank transfer; cards only.",
        "New customers",
        ("Pricing transparency",),
        "select",
        30,
        "draft",
    ),
)


def _role(item: DemoReview) -> Role | None:
    roles = Role.objects.filter(team__name=item.team).annotate(n=Count("owners")).filter(n__gt=0)
    if item.role:
        roles = roles.filter(name=item.role)
    return roles.order_by("level", "name").first()


def seed(stdout=None) -> None:
    if ChangeReview.objects.exists():
        return
    if similarity.method() == MatchMethod.MEANING:
        for kind in (EmbeddedKind.GAP, EmbeddedKind.INSIGHT):
            similarity.vectors_fill_missing(kind)
    today = timezone.localdate()
    themes = {theme.name: theme for theme in Theme.objects.all()}
    made = 0
    for item in REVIEWS:
        role = _role(item)
        if role is None:
            continue
        owner = role.owners.order_by("pk").first()
        if owner is None:  # the demo organisation gives every role an owner
            continue
        review = services.review_create(
            actor=owner,
            themes=[themes[name] for name in item.themes if name in themes],
            title=item.title,
            description=item.description,
            affected_customers=item.customers,
            launch_on=today + timedelta(days=item.launch_in_days),
            role=role,
            journey_stage=item.stage,
        )
        made += 1
        if item.outcome == "draft":
            continue
        review = services.review_assess(review=review, actor=owner)
        if not item.outcome:
            continue
        gap_matches = list(review.matches.filter(kind=MatchKind.GAP).order_by("rank")[:2])
        if item.outcome == "adjusted" and not gap_matches:
            continue
        services.review_decide(
            review=review,
            actor=owner,
            outcome=item.outcome,
            note=item.note,
            prevented=[services.PreventedChoice(match_id=m.pk) for m in gap_matches]
            if item.outcome == "adjusted"
            else [],
        )
        _backdate(review, days=item.decided_days_ago)
    if stdout is not None:
        stdout.write(f"Reviews: {made} change reviews, in every outcome.")


def _backdate(review: ChangeReview, *, days: int) -> None:
    """Demo history: the decision (and the gaps it prevented) happened ``days`` ago."""
    decided_at = timezone.now() - timedelta(days=days)
    ChangeReview.objects.filter(pk=review.pk).update(
        decided_at=decided_at, assessed_at=decided_at - timedelta(days=2)
    )
    prevented = ReviewMatch.objects.filter(review=review, prevented_gap__isnull=False)
    day = timezone.localdate(decided_at)
    Gap.objects.filter(pk__in=prevented.values("prevented_gap"), status=GapStatus.PREVENTED).update(
        prevented_on=day,
        detected_on=day,
        created_at=decided_at,
        # What the adjustment cost: the investment side of the demo's ROI.
        remedy_cost=Decimal("400.00"),
    )
