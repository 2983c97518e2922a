"""Eighteen months of believable gap history for the demo (called by ``demo.organisation.seed``).

Every gap and every status change goes through ``gaps.services`` so the history is real; the
times are then spread over the past with queryset ``update()``. Occurrences are bulk-inserted
with stable external ids (source ``demo``), so a second run finds every gap already there and
adds nothing. Deterministic: one ``random.Random`` with a fixed seed.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from gaps import services
from gaps.models import Gap, GapEvent, Occurrence, Role, Theme, Touchpoint
from gaps.models.gaps import GapStatus as S
from gaps.occurrences import gap_check_recurring

RANDOM_SEED = 20240601
HISTORY_DAYS = 540  # eighteen months
SOURCE = "demo"
MARKETS = ("UK", "Germany", "France", "Nordics", "Benelux")


@dataclass(frozen=True)
class Scenario:
    team: str
    role: str
    category: str
    touchpoint: str
    stage: str
    origin: str
    themes: tuple[str, ...]
    title: str
    expectation: str
    delivery: str
    cause: str


def _s(team, role, category, touchpoint, stage, origin, themes, title, expect, get, cause):
    return Scenario(
        team, role, category, touchpoint, stage, origin, tuple(themes), title, expect, get, cause
    )


BOM, INV, FD, CFO = (
    "Billing Operations Manager",
    "Invoicing Specialist",
    "Finance Director",
    "Chief Financial Officer",
)

SCENARIOS: tuple[Scenario, ...] = (
    # Billing: the demo role owner's team, so it gets the most.
    _s("Billing", BOM, "process", "Billing emails", "get", "complaint", ["Invoice clarity"],
       "Invoices split into three partial bills",
       "One invoice a month that matches the order.",
       "Up to three partial invoices, each with internal codes and no order reference.",
       "Each fulfilment centre triggers its own billing run."),
    _s("Billing", INV, "process", "Printed invoices", "get", "support_contact",
       ["Invoice clarity"],
       "Invoice lines show stock codes instead of product names",
       "Product names they recognise on the invoice.",
       "Eight-digit stock codes that customers phone Support to decode.",
       "The invoice template prints the warehouse field, not the catalogue name."),
    _s("Billing", BOM, "policy", "Support phone line", "use", "complaint", ["Refund speed"],
       "Refunds wait for the month-end billing run",
       "Money back within five working days of a return.",
       "Refunds are batched into the month-end run: up to 35 days.",
       "Refunds were treated as negative invoices and ran with the monthly batch."),
    _s("Billing", FD, "policy", "Website", "select", "voc_survey", ["Pricing transparency"],
       "Card surcharge appears only at the last checkout step",
       "The price on the product page is the price they pay.",
       "A 2.5% card fee is added on the payment page.",
       "Surcharge rule set in the payment gateway, invisible to the shop front."),
    _s("Billing", INV, "process", "Billing emails", "get", "support_contact",
       ["Invoice clarity", "Account access"],
       "Invoice email links expire after 48 hours",
       "Open last month's invoice from the email whenever they need it.",
       "The link expires after two days; customers must phone for a copy.",
       "Signed links were given the password-reset lifetime."),
    _s("Billing", BOM, "process", "Live chat", "use", "support_contact",
       ["Pricing transparency"],
       "Price rise charged before the notice period ends",
       "Thirty days' notice before a subscription price changes.",
       "The new price is charged on the next bill; the notice goes out the same day.",
       "Price changes were scheduled by billing cycle, not by notice date."),
    _s("Billing", CFO, "policy", "Sales calls", "select", "complaint",
       ["Contract terms", "Pricing transparency"],
       "Early-termination fee not mentioned at signing",
       "Know what leaving costs before they sign.",
       "The fee is only in the terms PDF and found when cancelling.",
       "Fee policy owned by Finance, never added to the sales summary sheet."),
    _s("Billing", BOM, "process", "Support email", "use", "complaint", ["Refund speed"],
       "Double charge after changing payment card",
       "One charge per billing period, whatever card they use.",
       "Old and new card are both charged in the switch-over week.",
       "Card updates created a second mandate without cancelling the first."),
    _s("Billing", INV, "process", "Printed invoices", "get", "audit", ["Invoice clarity"],
       "VAT number missing on business invoices",
       "A VAT-compliant invoice they can file.",
       "The company VAT number was dropped when accounts were migrated.",
       "Migration script skipped the tax-id field for accounts created before 2019."),
    _s("Billing", FD, "policy", "Support phone line", "use", "complaint",
       ["Refund speed", "Returns policy"],
       "Refunds go to the original card even when it has expired",
       "The refund reaches them one way or another.",
       "The refund bounces; customers wait weeks for a manual bank transfer.",
       "Policy allowed refunds to the original payment method only."),
    _s("Billing", BOM, "process", "Billing emails", "use", "support_contact",
       ["Invoice clarity"],
       "Payment reminders for invoices already paid",
       "Reminders only when something is actually due.",
       "Reminders for invoices settled days earlier, because bank files arrive late.",
       "Dunning ran before the daily bank reconciliation."),
    _s("Billing", INV, "service", "Support email", "use", "review",
       ["Invoice clarity", "Staff courtesy"],
       "Invoice questions answered with a template reply",
       "Someone explains the specific charge.",
       "A generic FAQ link, and the ticket is closed.",
       "Billing queue measured on time to first reply only."),
    _s("Billing", BOM, "process", "Mobile app", "use", "voc_survey",
       ["Account access", "Invoice clarity"],
       "App balance differs from the invoice",
       "The app and the invoice show the same amount due.",
       "The app balance lags one billing cycle behind.",
       "The app read a nightly copy of the ledger that skipped adjustments."),
    _s("Billing", FD, "policy", "Website", "select", "review", ["Pricing transparency"],
       "Introductory price ends without a reminder",
       "A heads-up before the introductory price ends.",
       "The full price is charged after three months without notice.",
       "No reminder step in the promotion set-up."),
    _s("Billing", CFO, "process", "Sales calls", "get", "employee_report", ["Contract terms"],
       "Credit check holds business orders for a week",
       "Order confirmed on the day.",
       "Business orders are held five to seven days for a manual credit check.",
       "Every business order went to manual review, whatever its size."),
    # Engineering
    _s("Engineering", "Software Engineer", "product", "Mobile app", "use", "review",
       ["Product reliability", "Account access"],
       "App signs users out after every update",
       "Stay signed in across app updates.",
       "Forced to sign in again; many need a password reset.",
       "Session tokens were bound to the app build number."),
    _s("Engineering", "QA Engineer", "product", "Website", "select", "support_contact",
       ["Order accuracy"],
       "Basket empties when switching from phone to laptop",
       "The basket follows them across devices.",
       "Items disappear; customers rebuild the basket or give up.",
       "Baskets stored in the browser, never on the account."),
    _s("Engineering", "Engineering Manager", "product", "Live chat", "use", "complaint",
       ["Product reliability"],
       "Checkout times out at peak hours",
       "Payment goes through in seconds.",
       "Timeouts at lunch and evening peaks; some are charged without an order.",
       "The payment call had no retry and a fixed 5-second timeout."),
    _s("Engineering", "Software Engineer", "product", "Billing emails", "get",
       "support_contact", ["Order accuracy"],
       "Order confirmation email arrives hours late",
       "A confirmation within a minute of paying.",
       "Emails queue for up to six hours; customers order twice to be sure.",
       "Confirmation mails shared a queue with newsletters."),
    _s("Engineering", "QA Engineer", "product", "Mobile app", "use", "review",
       ["Product reliability", "Data privacy"],
       "Notification settings reset after app updates",
       "Their notification choices stay as they set them.",
       "Marketing notifications switch back on after each release.",
       "Settings migration not covered by the release checklist."),
    _s("Engineering", "Engineering Director", "product", "Website", "select", "audit",
       ["Account access"],
       "Shop unusable with a screen reader",
       "Buy online with assistive technology.",
       "Unlabelled buttons and a checkout that traps keyboard focus.",
       "Accessibility was never part of the definition of done."),
    # Product
    _s("Product", "UX Designer", "product", "Website", "select", "voc_survey",
       ["Pricing transparency"],
       "Plan comparison hides the data limits",
       "See what each plan includes, side by side.",
       "Limits are in footnotes; customers pick the wrong plan.",
       "Comparison table designed around prices, not allowances."),
    _s("Product", "Product Manager", "product", "Mobile app", "use", "support_contact",
       ["Onboarding"],
       "Setup wizard skips pairing the device",
       "The device works when the setup wizard ends.",
       "The wizard ends before pairing; a quarter of new customers phone Support.",
       "Pairing step removed to shorten the wizard."),
    _s("Product", "Product Director", "policy", "Sales calls", "select", "employee_report",
       ["Product reliability"],
       "Features sold that are still on the roadmap",
       "The features they bought exist.",
       "Sales decks show a roadmap item as available now.",
       "Roadmap slides shared with Sales without dates."),
    _s("Product", "UX Designer", "product", "Mobile app", "use", "review",
       ["Account access"],
       "Password reset asks for the old password",
       "Reset a forgotten password with their email alone.",
       "The app asks for the current password first.",
       "Reset and change-password screens shared one form."),
    _s("Product", "Product Manager", "product", "Website", "get", "complaint",
       ["Delivery time"],
       "Delivery date promised before stock is checked",
       "The promised delivery date is kept.",
       "Checkout promises next day for items three days away in another warehouse.",
       "Delivery promise computed from the nearest warehouse only."),
    # Legal
    _s("Legal", "Contracts Manager", "policy", "Sales calls", "select", "complaint",
       ["Contract terms"],
       "Contracts renew automatically for 24 months",
       "Month to month after the first term.",
       "A silent renewal for two more years, with a fee to leave.",
       "Standard contract copied from the enterprise template."),
    _s("Legal", "Paralegal", "policy", "Website", "select", "review", ["Contract terms"],
       "Terms and conditions run to 40 pages",
       "Understand what they agree to in a few minutes.",
       "No summary; the key points are on page 31.",
       "Terms written for regulators, never for customers."),
    _s("Legal", "Legal Director", "policy", "Support phone line", "use", "complaint",
       ["Data privacy", "Account access"],
       "Identity check asks for a passport scan by email",
       "A safe way to prove who they are.",
       "Told to email a passport scan to a shared inbox.",
       "Identity procedure predates the secure upload portal."),
    _s("Legal", "Contracts Manager", "policy", "Support email", "use", "complaint",
       ["Contract terms", "Returns policy"],
       "Cancellation only by registered letter",
       "Cancel online, the way they signed up.",
       "A registered letter is the only accepted way to cancel.",
       "Cancellation clause unchanged since the paper contracts."),
    _s("Legal", "General Counsel", "policy", "Social media", "select", "social",
       ["Data privacy"],
       "Consent box forces a marketing opt-in",
       "Say no to marketing and still buy.",
       "The checkout consent box is pre-ticked and required.",
       "Marketing and terms consent merged into one checkbox."),
    # Logistics
    _s("Logistics", "Warehouse Manager", "process", "Delivery doorstep", "get", "complaint",
       ["Order accuracy"],
       "Wrong sizes packed",
       "The size they ordered.",
       "Similar items shelved together; one order in fifty has the wrong size.",
       "Bin locations assigned by product family, not by size."),
    _s("Logistics", "Dispatcher", "process", "Delivery doorstep", "get", "support_contact",
       ["Delivery time"],
       "Delivery window is the whole day",
       "A two-hour slot they can plan around.",
       "'Between 7:00 and 21:00', and no tracking until the van is near.",
       "Route planning published no time slots."),
    _s("Logistics", "Logistics Director", "policy", "Support phone line", "get", "complaint",
       ["Delivery time"],
       "Parcels held at a distant depot after one missed attempt",
       "A second try, or a pick-up point nearby.",
       "Held at a depot 30 km away for five days, then sent back.",
       "One-attempt policy chosen to cut courier costs."),
    _s("Logistics", "Warehouse Manager", "process", "Store counter", "use", "complaint",
       ["Returns policy", "Refund speed"],
       "Returned items not booked in for two weeks",
       "The refund starts when the parcel arrives back.",
       "Returns sit unopened in the warehouse for up to 14 days.",
       "Returns handled by the same team as peak outbound."),
    _s("Logistics", "Chief Operating Officer", "policy", "Website", "get", "voc_survey",
       ["Delivery time", "Pricing transparency"],
       "Free delivery threshold raised without notice",
       "The same free-delivery rule as last time.",
       "The threshold doubled overnight; customers find out at checkout.",
       "Threshold changed in the carrier contract review, not announced."),
    _s("Logistics", "Dispatcher", "process", "Delivery doorstep", "get", "review",
       ["Order accuracy"],
       "Orders split into several parcels without saying so",
       "One parcel, or a note saying more will follow.",
       "Part of the order arrives; customers report the rest missing.",
       "Split shipments sent no customer notification."),
    # IT
    _s("IT", "Systems Administrator", "service", "Website", "use", "support_contact",
       ["Account access"],
       "Account portal offline every night",
       "Check their account at any hour.",
       "Portal offline 22:00 to 02:00, when many customers use it.",
       "Maintenance window chosen for office hours, not customer hours."),
    _s("IT", "IT Service Manager", "process", "Support phone line", "use", "employee_report",
       ["Account access", "Staff courtesy"],
       "Agents cannot see a customer's older orders",
       "Explain once, and the agent knows the history.",
       "The CRM shows 90 days of orders; customers repeat everything.",
       "CRM archive setting left at its default."),
    _s("IT", "IT Director", "product", "Live chat", "use", "audit", ["Data privacy"],
       "Chat transcripts emailed unencrypted",
       "Their details handled safely.",
       "Transcripts with addresses sent as plain email attachments.",
       "Chat tool's transcript feature enabled without a review."),
    _s("IT", "Systems Administrator", "product", "Billing emails", "get", "support_contact",
       ["Invoice clarity"],
       "Invoice emails land in spam",
       "Invoices arrive in the inbox.",
       "The sending domain lacks authentication records; many go to spam.",
       "Mail domain moved without publishing SPF and DKIM records."),
    # HR
    _s("HR", "Training Manager", "attitude", "Store counter", "use", "review",
       ["Staff courtesy", "Returns policy"],
       "New store staff cannot process returns",
       "A return handled on the spot.",
       "New starters call a supervisor; queues and a shrug.",
       "Returns training scheduled in week six of onboarding."),
    _s("HR", "Training Manager", "attitude", "Support phone line", "use", "voc_survey",
       ["Staff courtesy"],
       "Agents read scripts instead of listening",
       "Someone who listens to the actual problem.",
       "Scripted answers that do not fit the question.",
       "Quality scoring rewarded script adherence."),
    _s("HR", "HR Director", "service", "Support phone line", "use", "employee_report",
       ["Staff courtesy"],
       "Support understaffed on Mondays",
       "An answer within five minutes.",
       "Rotas follow the office week; Monday waits exceed 40 minutes.",
       "Shift patterns set by HR policy, not by contact volumes."),
    _s("HR", "Recruiter", "service", "Live chat", "use", "employee_report", ["Onboarding"],
       "Seasonal agents start without product training",
       "An agent who knows the product.",
       "Temporary staff hired a week before peak and trained on the job.",
       "Seasonal hiring started too late for the training course."),
    # Partners
    _s("Partners", "Courier Partner", "service", "Delivery doorstep", "get", "complaint",
       ["Delivery time", "Staff courtesy"],
       "Courier marks parcels delivered when nobody was home",
       "The parcel in hand, or a card saying where it is.",
       "Marked delivered and left in view of the street, or not left at all.",
       "Courier paid per stop, with no photo proof required."),
    _s("Partners", "Reseller Partner", "policy", "Store counter", "select", "review",
       ["Pricing transparency", "Returns policy"],
       "Resellers refuse our returns policy",
       "The same returns rules wherever they buy.",
       "Reseller shops apply their own seven-day rule.",
       "Reseller agreement silent on consumer returns."),
    _s("Partners", "Channel Manager", "process", "Sales calls", "select", "employee_report",
       ["Pricing transparency"],
       "Reseller prices undercut our own quotes",
       "One price, whichever channel they buy from.",
       "Sales quotes are higher than the reseller's shelf price.",
       "Reseller margins set without checking direct prices."),
    _s("Partners", "Partner Director", "policy", "Support phone line", "use",
       "support_contact", ["Product reliability"],
       "Warranty repairs wait a month at repair partners",
       "A repair within a week.",
       "Partners take four to six weeks, with no loan device.",
       "Repair contract had no turnaround time."),
    # Customer-facing teams cause some gaps too.
    _s("Marketing", "Campaign Manager", "policy", "Social media", "select", "social",
       ["Pricing transparency"],
       "Advertised discount excludes most products",
       "The advertised 30% off applies to what they want.",
       "Small print excludes new models and bundles.",
       "Campaign brief written before the exclusions were agreed."),
    _s("Marketing", "Content Writer", "product", "Website", "select", "review",
       ["Onboarding"],
       "Help articles describe last year's app",
       "Help that matches the screens they see.",
       "Screenshots and menu names from the previous version.",
       "Help content had no owner after the redesign."),
    _s("Marketing", "Marketing Director", "policy", "Billing emails", "use", "complaint",
       ["Data privacy"],
       "Unsubscribing takes ten days",
       "The emails stop at once.",
       "Lists are refreshed fortnightly; the emails keep coming.",
       "Suppression list synced with the mail tool every two weeks."),
    _s("Sales", "Account Executive", "attitude", "Sales calls", "select", "complaint",
       ["Contract terms", "Staff courtesy"],
       "Sales calls push the longest contract",
       "Advice on the plan that fits them.",
       "Every call ends on the 24-month deal.",
       "Commission paid on contract length."),
    _s("Sales", "Sales Manager", "process", "Store counter", "get", "support_contact",
       ["Order accuracy"],
       "Store orders cannot be tracked online",
       "Track a store order like a web order.",
       "Store orders live in a separate system, with no tracking.",
       "Point-of-sale system never connected to order tracking."),
    _s("Support", "Support Team Lead", "process", "Support email", "use", "voc_survey",
       ["Refund speed"],
       "Tickets closed before the customer confirms",
       "The ticket stays open until the problem is solved.",
       "Closed after the first answer, to meet the target.",
       "Team target counted closed tickets."),
    _s("Support", "Support Agent", "attitude", "Live chat", "use", "review",
       ["Staff courtesy"],
       "Chats transferred three times for one question",
       "One person owns the question.",
       "Each transfer starts from the beginning.",
       "Chat routing by keyword, without context handed over."),
)  # fmt: skip

# Where a disputed gap of a team usually turns out to belong.
REATTRIBUTIONS = {
    "Billing": ("IT", "IT Service Manager"),
    "Engineering": ("Product", "Product Manager"),
    "Product": ("Engineering", "Engineering Manager"),
    "Legal": ("Product", "Product Director"),
    "Logistics": ("Partners", "Courier Partner"),
    "IT": ("Engineering", "Engineering Manager"),
    "HR": ("Support", "Support Team Lead"),
    "Partners": ("Logistics", "Logistics Director"),
    "Marketing": ("Billing", "Finance Director"),
    "Sales": ("Legal", "Contracts Manager"),
    "Support": ("HR", "Training Manager"),
}
DISPUTE_REASONS = (
    "This follows a rule another team sets; we only apply it.",
    "The cases we checked were caused upstream, not by our process.",
    "Out of our hands: the partner contract decides this.",
)
REMEDY_NOTES = (
    "Fix released and checked with the support team.",
    "New process live in all markets.",
    "Change shipped; the support macros were updated too.",
)


@dataclass
class _Plan:
    """What will happen to one demo gap, decided up front from the random stream."""

    key: str
    scenario: Scenario
    market: str
    severity: int
    detected_on: date
    outcome: str
    weekly_rate: float
    residual_share: float


def _plans(rng: random.Random, today: date) -> list[_Plan]:
    plans = []
    for index, scenario in enumerate(SCENARIOS):
        markets = len(MARKETS) if scenario.team == "Billing" else rng.choice((2, 3, 3, 4))
        for market in rng.sample(MARKETS, markets):
            age = rng.randint(3, HISTORY_DAYS)
            plans.append(
                _Plan(
                    key=f"{index:02d}-{market.lower()}",
                    scenario=scenario,
                    market=market,
                    severity=rng.choice((1, 2, 3, 3, 3, 4, 4, 5)),
                    detected_on=today - timedelta(days=age),
                    outcome=_outcome(rng, age),
                    weekly_rate=rng.uniform(3.0, 17.0),
                    residual_share=rng.uniform(0.03, 0.12),
                )
            )
    # A couple of closed gaps whose customers keep meeting them: the recurring flag.
    old_closed = [p for p in plans if p.outcome == "closed" and (today - p.detected_on).days > 300]
    for plan in old_closed[:2]:
        plan.residual_share = 0.8
    return plans


def _outcome(rng: random.Random, age: int) -> str:
    table: tuple[tuple[str, int], ...]
    if age < 30:
        table = (("open", 55), ("acknowledged", 30), ("disputed", 10), ("prevented", 5))
    elif age < 120:
        table = (
            ("open", 12),
            ("acknowledged", 18),
            ("in_remedy", 25),
            ("closed", 20),
            ("disputed", 10),
            ("reattributed", 5),
            ("prevented", 10),
        )
    else:
        table = (
            ("open", 6),
            ("acknowledged", 6),
            ("in_remedy", 12),
            ("closed", 45),
            ("disputed", 5),
            ("reattributed", 4),
            ("archived", 4),
            ("prevented", 18),
        )
    return rng.choices([name for name, _w in table], weights=[w for _n, w in table])[0]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour % 24, 17)))


class _History:
    """Builds the demo gaps through the services, then back-dates them."""

    def __init__(self, rng: random.Random, roles: dict, today: date) -> None:
        self.rng = rng
        self.roles: dict[tuple[str, str], Role] = roles
        self.today = today
        self.cx = User.objects.get(username="cx")
        self.touchpoints = {tp.name: tp for tp in Touchpoint.objects.all()}
        self.themes = {theme.name: theme for theme in Theme.objects.all()}
        owners = Role.owners.through.objects.select_related("user").order_by("user_id")
        self.owner_of: dict[int, User] = {}
        for link in owners:
            self.owner_of.setdefault(link.role_id, link.user)
        self.occurrences: list[Occurrence] = []

    def build(self, plan: _Plan) -> Gap:
        s = plan.scenario
        role = self.roles[(s.team, s.role)]
        owner = self.owner_of[role.pk]
        fields: dict[str, Any] = {
            "title": f"{s.title} ({plan.market})",
            "expectation": s.expectation,
            "delivery": s.delivery,
            "category": s.category,
            "origin": s.origin,
            "touchpoint": self.touchpoints[s.touchpoint],
            "causing_role": role,
            "severity": plan.severity,
            "journey_stage": s.stage,
            "detected_on": plan.detected_on,
        }
        themes = [self.themes[name] for name in s.themes]
        if plan.outcome == "prevented":
            return self._prevented(plan, owner, fields, themes)
        gap = services.gap_create(actor=self.cx, themes=themes, **fields)
        times = [_at(plan.detected_on, 9 + self.rng.randint(0, 7))]
        gap, end = self._walk(gap, plan, owner, times)
        self._backdate(gap, times)
        self._occurrences(gap, plan, end)
        return gap

    def _step(self, times: list[datetime], days: tuple[int, int]) -> datetime:
        moment = times[-1] + timedelta(days=self.rng.randint(*days), hours=self.rng.randint(1, 6))
        now = timezone.now() - timedelta(hours=1)
        return min(moment, now)

    def _walk(
        self, gap: Gap, plan: _Plan, owner: User, times: list[datetime]
    ) -> tuple[Gap, datetime | None]:
        """Make the moves of the plan's outcome; returns the gap and when it stopped (closed,
        archived) or None."""
        outcome, s = plan.outcome, plan.scenario
        if outcome == "open":
            return gap, None
        if outcome in ("disputed", "reattributed"):
            reason = self.rng.choice(DISPUTE_REASONS)
            gap = services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner, note=reason)
            times.append(self._step(times, (1, 6)))
            if outcome == "reattributed":
                other = self._other_role(gap.causing_role)
                gap = services.gap_transition(
                    gap=gap,
                    to=S.OPEN,
                    actor=self.cx,
                    note=f"Re-attributed to {other.name} after checking the cases.",
                    causing_role=other,
                )
                times.append(self._step(times, (2, 8)))
            return gap, None
        if outcome == "archived":
            gap = services.gap_transition(
                gap=gap, to=S.ARCHIVED, actor=self.cx, note="Duplicate of an older gap; merged."
            )
            times.append(self._step(times, (3, 20)))
            return gap, times[-1]
        gap = services.gap_transition(
            gap=gap, to=S.ACKNOWLEDGED, actor=owner, note="Confirmed with the team; ours."
        )
        times.append(self._step(times, (1, 12)))
        if outcome == "acknowledged":
            return gap, None
        gap = services.gap_update(
            gap=gap,
            actor=owner,
            remedy_plan=f"Address the cause: {s.cause[0].lower()}{s.cause[1:]}",
            remedy_owner=owner,
            remedy_progress=self.rng.choice((10, 25, 40, 60, 80)),
        )
        times.append(self._step(times, (0, 3)))
        gap = services.gap_transition(gap=gap, to=S.IN_REMEDY, actor=owner)
        times.append(self._step(times, (1, 5)))
        if outcome == "in_remedy":
            return gap, None
        gap = services.gap_transition(
            gap=gap,
            to=S.CLOSED,
            actor=owner,
            note=self.rng.choice(REMEDY_NOTES),
            root_cause=s.cause,
        )
        times.append(self._step(times, (20, 90)))
        return gap, times[-1]

    def _other_role(self, role: Role) -> Role:
        return self.roles[REATTRIBUTIONS[role.team.name]]

    def _prevented(self, plan: _Plan, owner: User, fields: dict, themes: list) -> Gap:
        s = plan.scenario
        gap = services.gap_create(
            actor=owner,
            status=S.PREVENTED,
            prevented_on=plan.detected_on,
            themes=themes,
            expected_monthly_occurrences=Decimal(self.rng.randint(10, 160)),
            remedy_cost=Decimal(self.rng.randint(4, 120) * 50),
            root_cause=f"Caught in review before release: {s.cause[0].lower()}{s.cause[1:]}",
            **fields,
        )
        self._backdate(gap, [_at(plan.detected_on, 11)])
        return gap

    def _backdate(self, gap: Gap, times: list[datetime]) -> None:
        """Spread the gap's events (and the stamps they set) over the planned times."""
        event_ids = list(gap.events.order_by("id").values_list("id", flat=True))
        for event_id, moment in zip(event_ids, times, strict=False):
            GapEvent.objects.filter(pk=event_id).update(at=moment)
        kinds = dict(gap.events.values_list("to_status", "at"))
        stamps: dict = {"created_at": times[0]}
        if gap.acknowledged_at is not None and S.ACKNOWLEDGED in kinds:
            stamps["acknowledged_at"] = kinds[S.ACKNOWLEDGED]
        if gap.status == S.CLOSED:
            stamps["closed_at"] = kinds[S.CLOSED]
            gap.closed_at = kinds[S.CLOSED]
        reopened = gap.events.filter(from_status=S.DISPUTED, to_status=S.OPEN).last()
        if reopened is not None:
            # Re-attribution restarts the deadlines: from the day it happened in the story.
            restarted = dict(
                zip(
                    services.DEADLINES,
                    services.deadlines_for(severity=gap.severity, detected_on=reopened.at.date()),
                    strict=True,
                )
            )
            stamps.update(restarted)
            changes = {
                name: [old, str(restarted[name])] if name in restarted else [old, new]
                for name, (old, new) in reopened.changes.items()
            }
            GapEvent.objects.filter(pk=reopened.pk).update(changes=changes)
        Gap.objects.filter(pk=gap.pk).update(**stamps)

    def _occurrences(self, gap: Gap, plan: _Plan, end: datetime | None) -> None:
        """Weekly Poisson-like counts from two weeks before detection until now."""
        rng = self.rng
        start = _at(plan.detected_on - timedelta(days=14), 0)
        now = timezone.now()
        week, number = start, 0
        while week < now:
            rate = plan.weekly_rate
            if end is not None and week >= end:
                if gap.status != S.CLOSED:
                    break
                rate *= plan.residual_share
            count = sum(1 for _ in range(int(rate * 2) + 1) if rng.random() < rate / (rate * 2 + 1))
            for _ in range(count):
                moment = week + timedelta(seconds=rng.randint(0, 7 * 86_400 - 1))
                if moment >= now:
                    continue
                number += 1
                self.occurrences.append(
                    Occurrence(
                        gap=gap,
                        occurred_at=moment,
                        touchpoint=gap.touchpoint,
                        source=SOURCE,
                        external_id=f"{plan.key}-{number:05d}",
                        customer_ref=f"C{rng.randint(100000, 999999)}",
                        recorded_at=moment,
                    )
                )
            week += timedelta(days=7)


def seed_history(roles: dict[tuple[str, str], Role], stdout=None) -> int:
    """Create the demo gaps not yet there; returns how many were created."""
    today = timezone.localdate()
    rng = random.Random(RANDOM_SEED)
    plans = _plans(rng, today)
    titles = {f"{p.scenario.title} ({p.market})" for p in plans}
    existing = set(Gap.objects.filter(title__in=titles).values_list("title", flat=True))
    history = _History(rng, roles, today)
    created: list[Gap] = []
    for plan in plans:
        if f"{plan.scenario.title} ({plan.market})" in existing:
            continue
        created.append(history.build(plan))
    Occurrence.objects.bulk_create(history.occurrences, batch_size=2000, ignore_conflicts=True)
    now = timezone.now()
    for gap in created:
        if gap.status == S.CLOSED:
            gap_check_recurring(gap=gap, now=now)
    if stdout is not None and created:
        stdout.write(f"Demo history: {len(created)} gaps, {len(history.occurrences)} occurrences.")
    return len(created)
