"""Each tailoring choice docs/insights.md states, pinned on its own: whose gaps each level reads,
which five an executive sees, the 30-day windows, how money and trends are written."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from gaps.models import Team
from insights import tailoring
from insights.tailoring import TailoringContext, gap_monthly_costs, money, tailor, trend_text
from tests.factories import GapFactory, OccurrenceFactory, RoleFactory, TeamFactory, ThemeFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
MIDNIGHT = datetime.combine(TODAY, time.min, tzinfo=timezone.get_fixed_timezone(0))


def occur(gap, *moments: datetime) -> None:
    for moment in moments:
        OccurrenceFactory(gap=gap, occurred_at=moment)


def contexts(insight) -> list[TailoringContext]:
    """The context as one insight loads it, and as a batch of insights loads it."""
    return [
        TailoringContext.load(insight, TODAY),
        TailoringContext.load_many([insight], TODAY)[insight.pk],
    ]


def test_the_current_month_includes_its_start_and_excludes_its_end(org):
    gap = GapFactory(causing_role=org.billing_manager, cost_to_serve=Decimal(10))
    occur(
        gap,
        MIDNIGHT,  # as of today 00:00: the end of the month, not in it
        MIDNIGHT - timedelta(microseconds=1),  # the month's last moment
        MIDNIGHT - timedelta(days=30),  # its first moment
        MIDNIGHT - timedelta(days=30, microseconds=1),  # the month before's last
        MIDNIGHT - timedelta(days=60),  # the month before's first
        MIDNIGHT - timedelta(days=60, microseconds=1),  # in neither
    )
    cost = gap_monthly_costs([gap], TODAY)[gap.pk]
    assert (cost.occurrences, cost.previous_occurrences) == (2, 2)


def test_a_gap_with_no_occurrences_costs_nothing(org, django_assert_num_queries):
    gap = GapFactory(causing_role=org.billing_manager)
    cost = gap_monthly_costs([gap], TODAY)[gap.pk]
    assert (cost.occurrences, cost.previous_occurrences, cost.current) == (0, 0, Decimal(0))
    with django_assert_num_queries(0):
        assert gap_monthly_costs([], TODAY) == {}


def test_unit_costs_are_the_cost_model_in_force_on_the_day_asked(org):
    """A gap without figures of its own is valued by the cost model of the day asked (the ROI
    app's unit costs), not today's: a reading as of an earlier day shows the money of then."""
    from roi.models import CostModel

    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=400), revenue_at_risk_per_occurrence=Decimal(7)
    )
    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=10), revenue_at_risk_per_occurrence=Decimal(9)
    )
    gap = GapFactory(causing_role=org.billing_manager, cost_to_serve=Decimal(1))
    occur(gap, MIDNIGHT - timedelta(days=35))
    earlier = gap_monthly_costs([gap], TODAY - timedelta(days=30))[gap.pk]
    assert (earlier.unit_cost, earlier.occurrences, earlier.current) == (8, 1, 8)
    assert gap_monthly_costs([gap], TODAY)[gap.pk].unit_cost == Decimal(10)


def test_a_gap_gone_since_it_was_read_costs_nothing(org):
    """Routing reads the linked gaps, then counts their occurrences: a gap an administrator
    deleted in between (only a gap without occurrences can be) counts none, not an error."""
    kept, gone = (GapFactory(causing_role=org.billing_manager) for _ in range(2))
    occur(kept, MIDNIGHT - timedelta(days=1), MIDNIGHT - timedelta(days=31))
    type(gone).objects.filter(pk=gone.pk).delete()
    costs = gap_monthly_costs([kept, gone], TODAY)
    assert (costs[kept.pk].occurrences, costs[kept.pk].previous_occurrences) == (1, 1)
    assert (costs[gone.pk].occurrences, costs[gone.pk].previous_occurrences) == (0, 0)
    assert costs[gone.pk].current == costs[gone.pk].previous == Decimal(0)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("0.125"), "", "0.13"),
        (Decimal("0.135"), "", "0.14"),
        (Decimal("2.5"), "", "2.50"),
        (Decimal("1234567.005"), "EUR", "EUR 1,234,567.01"),
        (Decimal("0.004999"), "GBP", "GBP 0.00"),
    ],
)
def test_money_is_rounded_half_up_with_thousands_separated(amount, currency, shown):
    assert money(amount, currency) == shown


def test_summaries_write_money_in_english_whatever_language_is_active():
    """Summaries are stored once and kept as text, so in English (docs/i18n.md): a route run
    while German is active still writes ``EUR 1,234.50``, never ``1.234,50 €``."""
    with translation.override("de"):
        assert money(Decimal("1234.5"), "EUR") == "EUR 1,234.50"
        assert money(Decimal("1234.5")) == "1,234.50"
        assert trend_text(Decimal(2468), Decimal("1234.5"), "EUR") == (
            "up 100 % on the month before (EUR 1,234.50)"
        )


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        ("0", "0", "no cost in either month"),
        ("5", "0", "new this month"),
        ("200", "200", "flat on the month before"),
        ("200.99", "200", "flat on the month before"),  # 0.495 % rounds to 0
        ("201", "200", "up 1 % on the month before (EUR 200.00)"),  # 0.5 % rounds up
        ("205", "200", "up 3 % on the month before (EUR 200.00)"),  # 2.5 % half-up
        ("195", "200", "down 3 % on the month before (EUR 200.00)"),
        ("0", "80", "down 100 % on the month before (EUR 80.00)"),
    ],
)
def test_the_trend_compares_with_the_month_before(current, previous, text):
    assert trend_text(Decimal(current), Decimal(previous), "EUR") == text


def costly_gaps(org, count: int) -> list:
    """``count`` Billing gaps costing 10, 20, 30 … a month (one occurrence each)."""
    gaps = []
    for n in range(1, count + 1):
        gap = GapFactory(
            title=f"Gap costing {n * 10}",
            causing_role=org.billing_manager,
            cost_to_serve=Decimal(n * 10),
            revenue_at_risk=Decimal(0),
        )
        occur(gap, MIDNIGHT - timedelta(days=1))
        gaps.append(gap)
    return gaps


def test_executives_see_the_five_costliest_gaps_costliest_first(org, make_insight):
    gaps = costly_gaps(org, 6)
    insight = make_insight(related_gaps=list(reversed(gaps)))
    reading = tailor(TailoringContext.load(insight, TODAY), level="executive", team=org.billing)
    assert reading.lines == [
        "Cost of your teams' 6 gaps in the last 30 days: EUR 210.00 (new this month).",
        "- Gap costing 60 (Billing): 1 occurrence × 60.00 = EUR 60.00 a month",
        "- Gap costing 50 (Billing): 1 occurrence × 50.00 = EUR 50.00 a month",
        "- Gap costing 40 (Billing): 1 occurrence × 40.00 = EUR 40.00 a month",
        "- Gap costing 30 (Billing): 1 occurrence × 30.00 = EUR 30.00 a month",
        "- Gap costing 20 (Billing): 1 occurrence × 20.00 = EUR 20.00 a month",
    ]
    assert reading.headline == insight.finding
    assert reading.level == "executive"


def test_a_director_outside_the_linked_teams_reads_the_linked_gaps_money(org, make_insight):
    gap = costly_gaps(org, 1)[0]
    insight = make_insight(related_gaps=[gap])
    reading = tailor(TailoringContext.load(insight, TODAY), level="director", team=org.logistics)
    assert reading.lines[0] == (
        "Cost of the linked 1 gap in the last 30 days: EUR 10.00 (new this month)."
    )
    assert reading.gaps == [gap]
    assert reading.level == "director"


def test_managers_see_only_their_own_teams_open_gaps(org, make_insight):
    shared = org.invoice_clarity
    own = GapFactory(title="Billing's own", causing_role=org.billing_manager, themes=[shared])
    linked_elsewhere = GapFactory(
        title="Logistics' linked", causing_role=org.dispatcher, themes=[shared]
    )
    GapFactory(title="Logistics' on the theme", causing_role=org.dispatcher, themes=[shared])
    insight = make_insight(themes=[shared], related_gaps=[linked_elsewhere])
    for context in contexts(insight):
        billing = tailor(context, level="manager", team=org.billing)
        assert [g.title for g in billing.gaps] == ["Billing's own"]
        assert "Logistics'" not in billing.as_text()
        logistics = tailor(context, level="manager", team=org.logistics)
        assert sorted(g.title for g in logistics.gaps) == [
            "Logistics' linked",
            "Logistics' on the theme",
        ]
    assert own.pk not in [g.pk for g in tailor(contexts(insight)[0], level="manager").gaps]


def test_a_preview_managers_reading_lists_the_linked_open_gaps_only(org, make_insight):
    linked = GapFactory(title="Linked", causing_role=org.dispatcher, themes=[org.invoice_clarity])
    GapFactory(title="On the theme", causing_role=org.dispatcher, themes=[org.invoice_clarity])
    insight = make_insight(themes=[org.invoice_clarity], related_gaps=[linked])
    reading = tailor(TailoringContext.load(insight, TODAY), level="manager", team=None)
    assert [g.title for g in reading.gaps] == ["Linked"]
    assert reading.lines[0] == "The linked teams' open gaps on these themes: 1."


def test_the_preview_and_each_team_keep_their_own_readings_in_one_context(org, make_insight):
    """The preview (no team), a team causing none of the linked gaps and a team causing one
    each keep their own reading at every level in a context that serves them all, even the
    team numbered 1: no team's reading is taken for the preview's or for all teams'."""
    first = Team.objects.filter(pk=1).first() or TeamFactory(pk=1, name="First", slug="first")
    other_role = org.dispatcher if org.dispatcher.team_id != first.pk else org.billing_manager
    own = GapFactory(title="The first team's", causing_role=RoleFactory(team=first))
    other = GapFactory(title="Another team's", causing_role=other_role)
    bystanders = TeamFactory(name="Bystanders")
    insight = make_insight(themes=[org.invoice_clarity], related_gaps=[own, other])
    both = {"The first team's", "Another team's"}
    for level in ("executive", "manager", "individual_contributor"):
        for context in contexts(insight):
            assert {g.title for g in tailor(context, level=level, team=None).gaps} == both
            if level != "manager":  # A team causing none reads all linked gaps' money, words.
                assert {g.title for g in tailor(context, level=level, team=bystanders).gaps} == (
                    both
                )
            assert [g.title for g in tailor(context, level=level, team=first).gaps] == [
                "The first team's"
            ]


def test_a_role_reading_again_gets_the_reading_written_not_a_copy(org, make_insight):
    """Written once per reading and team: routing asks for hundreds of roles' readings, and
    a level asking again gets the very reading written for it."""
    insight = make_insight(related_gaps=costly_gaps(org, 1))
    context = TailoringContext.load(insight, TODAY)
    for level in ("executive", "manager", "individual_contributor"):
        reading = tailor(context, level=level, team=org.billing)
        assert reading.level == level
        assert tailor(context, level=level, team=org.billing) is reading


def test_managers_see_at_most_ten_open_gaps_worst_first(org, make_insight):
    theme = ThemeFactory(name="Refunds")
    for n in range(12):
        GapFactory(
            title=f"Gap {n:02}",
            causing_role=org.billing_manager,
            severity=1 + n % 5,
            detected_on=TODAY - timedelta(days=n),
            themes=[theme],
        )
    GapFactory(
        title="Closed",
        causing_role=org.billing_manager,
        severity=5,
        status="closed",
        closed_at=timezone.now(),
        root_cause="Fixed.",
        themes=[theme],
    )
    insight = make_insight(themes=[theme])
    # Severity first, then the latest detected: of severity 1 only the latest (Gap 00) fits.
    expected = ["Gap 04", "Gap 09", "Gap 03", "Gap 08", "Gap 02", "Gap 07", "Gap 01", "Gap 06"]
    expected += ["Gap 11", "Gap 00"]
    for context in contexts(insight):
        reading = tailor(context, level="manager", team=org.billing)
        assert [g.title for g in reading.gaps] == expected
        assert reading.lines[0] == "Billing's open gaps on these themes: 10."
        assert tailoring.TEAM_GAPS_SHOWN == len(reading.gaps)


def test_a_manager_with_no_open_gaps_is_told_so(org, make_insight):
    context = TailoringContext.load(make_insight(), TODAY)
    reading = tailor(context, level="manager", team=org.billing)
    assert reading.lines == ["Billing's open gaps on these themes: none right now."]
    assert reading.monthly_cost is None


def test_a_managers_line_names_severity_status_step_and_touchpoint(org, make_insight):
    gap = GapFactory(
        title="Refund slow",
        causing_role=org.billing_manager,
        severity=2,
        status="acknowledged",
        journey_stage="use",
    )
    unstaged = GapFactory(title="No stage", causing_role=org.billing_manager, touchpoint=None)
    insight = make_insight(related_gaps=[gap, unstaged])
    for context in contexts(insight):
        lines = tailor(context, level="manager", team=org.billing).lines
        assert lines[1:] == [
            "- No stage (severity 3, open): process step step not recorded",
            f"- Refund slow (severity 2, acknowledged): process step Use (using) at "
            f"{gap.touchpoint.name}",
        ]


def test_contributors_read_three_quotes_three_gaps_and_what_to_do(org, make_insight):
    gaps = [
        GapFactory(causing_role=org.dispatcher, expectation=f"E{n}.", delivery=f"D{n}.")
        for n in range(4)
    ]
    insight = make_insight(
        evidence="“One.”\n“Two.”\n\n“Three.”\n“Four.”",
        recommendation="Call before the van leaves.",
        related_gaps=gaps,
    )
    reading = tailor(
        TailoringContext.load(insight, TODAY), level="individual_contributor", team=org.logistics
    )
    assert reading.lines == [
        "In customers' words:",
        "- “One.”",
        "- “Two.”",
        "- “Three.”",
        "They expect: E0. They get: D0.",
        "They expect: E1. They get: D1.",
        "They expect: E2. They get: D2.",
        "What to do differently: Call before the van leaves.",
    ]
    assert reading.gaps == gaps


def test_contributors_of_a_team_causing_none_read_the_linked_gaps(org, make_insight):
    gap = GapFactory(causing_role=org.dispatcher, expectation="On time.", delivery="Late.")
    insight = make_insight(related_gaps=[gap])  # no quotes, no recommendation
    reading = tailor(TailoringContext.load(insight, TODAY), level="partner", team=org.billing)
    assert reading.lines == ["They expect: On time. They get: Late."]


def test_levels_sharing_a_reading_share_its_text(org, make_insight):
    gap = costly_gaps(org, 1)[0]
    insight = make_insight(related_gaps=[gap], evidence="“Which one?”")
    context = TailoringContext.load(insight, TODAY)
    text = tailoring.tailored_text
    assert text(context, level="executive", team=org.billing) == text(
        context, level="director", team=org.billing
    )
    assert text(context, level="partner", team=org.billing) == text(
        context, level="individual_contributor", team=org.billing
    )
    # Teams causing none of the linked gaps read one text about all of them.
    assert text(context, level="executive", team=org.logistics) == text(
        context, level="executive", team=None
    )
    assert "your teams'" in text(context, level="executive", team=org.billing)
    assert "the linked" in text(context, level="executive", team=org.logistics)
    money_reading = tailor(context, level="director", team=org.billing)
    assert (money_reading.level, money_reading.monthly_cost) == ("director", Decimal(10))


def test_the_preview_is_labelled_by_the_levels_each_reading_serves(org, make_insight):
    readings = tailoring.preview(make_insight())
    assert [(label, r.level) for label, r in readings] == [
        ("Executives and directors", "executive"),
        ("Managers", "manager"),
        ("Individual contributors and partners", "individual_contributor"),
    ]


def test_a_reading_as_text_is_its_headline_then_its_lines(org, make_insight):
    gap = GapFactory(causing_role=org.dispatcher, expectation="On time.", delivery="Late.")
    insight = make_insight(finding="Parcels come late.", related_gaps=[gap])
    reading = tailor(TailoringContext.load(insight, TODAY), level="partner", team=org.logistics)
    assert reading.as_text() == "Parcels come late.\nThey expect: On time. They get: Late."
    assert tailoring.tailored_text(
        TailoringContext.load(insight, TODAY), level="partner", team=org.logistics
    ) == ("Parcels come late.\nThey expect: On time. They get: Late.")


def test_readings_use_what_the_context_loaded(org, make_insight, django_assert_num_queries):
    gaps = [*costly_gaps(org, 2), GapFactory(causing_role=org.dispatcher, journey_stage="get")]
    insight = make_insight(related_gaps=gaps, themes=[org.invoice_clarity])
    insight = type(insight).objects.prefetch_related("themes").get(pk=insight.pk)
    # The linked gaps with their touchpoints, roles and teams; occurrence counts; unit costs'
    # cost model; the currency's.
    with django_assert_num_queries(4):
        context = TailoringContext.load(insight, TODAY)
    with django_assert_num_queries(0):
        tailor(context, level="executive", team=org.billing)
        tailor(context, level="partner", team=org.logistics)
    for team in (None, org.logistics):
        with django_assert_num_queries(1):  # the open gaps on the themes, touchpoints joined
            tailor(context, level="manager", team=team)


def test_a_batch_reads_each_theme_once_for_all_its_insights(
    org, make_insight, django_assert_num_queries
):
    GapFactory.create_batch(3, causing_role=org.billing_manager, themes=[org.invoice_clarity])
    first = make_insight(themes=[org.invoice_clarity])
    second = make_insight(themes=[org.invoice_clarity])
    cache = tailoring.TailoringCache(TODAY)
    load = TailoringContext.load_many
    with django_assert_num_queries(6):  # links, gaps, counts, cost model, currency, top gaps x2
        contexts = load(
            [type(first).objects.prefetch_related("themes").get(pk=first.pk)], TODAY, cache
        )
    with django_assert_num_queries(3):  # the theme is read: links, gaps' counts and cost model
        contexts.update(
            load([type(second).objects.prefetch_related("themes").get(pk=second.pk)], TODAY, cache)
        )
    with django_assert_num_queries(0):
        for context in contexts.values():
            assert len(tailor(context, level="manager", team=org.billing).gaps) == 3


def test_no_gaps_no_queries():
    assert tailoring.top_open_gaps_by_team_and_theme(set()) == {}


def test_the_preview_reads_the_money_as_of_the_day_asked(org, make_insight):
    gap = costly_gaps(org, 1)[0]  # one occurrence yesterday, 10.00
    occur(gap, MIDNIGHT - timedelta(days=40))
    readings = dict(tailoring.preview(make_insight(related_gaps=[gap]), TODAY - timedelta(days=30)))
    # As of 30 days ago: only the occurrence 40 days ago is in that month.
    assert readings["Executives and directors"].monthly_cost == Decimal(10)
    assert readings["Executives and directors"].previous_monthly_cost == Decimal(0)


def test_each_team_and_theme_keeps_its_own_ten_worst_open_gaps(org):
    refunds, returns = ThemeFactory(name="Refunds"), ThemeFactory(name="Returns")
    billing = GapFactory.create_batch(
        11, causing_role=org.billing_manager, severity=5, themes=[refunds]
    )
    mild = GapFactory(causing_role=org.dispatcher, severity=1, themes=[refunds])
    GapFactory(causing_role=org.dispatcher, severity=5, themes=[returns])  # not asked for
    top = tailoring.top_open_gaps_by_team_and_theme({refunds.pk})
    assert set(top) == {(org.billing.pk, refunds.pk), (org.logistics.pk, refunds.pk)}
    assert len(top[(org.billing.pk, refunds.pk)]) == 10
    assert {g.pk for g in top[(org.billing.pk, refunds.pk)]} <= {g.pk for g in billing}
    assert top[(org.logistics.pk, refunds.pk)] == [mild]


def test_managers_of_teams_causing_no_linked_gap_read_their_own_team(org, make_insight):
    GapFactory(title="Billing's", causing_role=org.billing_manager, themes=[org.invoice_clarity])
    GapFactory(title="Logistics'", causing_role=org.dispatcher, themes=[org.invoice_clarity])
    insight = make_insight(themes=[org.invoice_clarity])  # no linked gap
    context = TailoringContext.load(insight, TODAY)
    billing = tailoring.tailored_text(context, level="manager", team=org.billing)
    logistics = tailoring.tailored_text(context, level="manager", team=org.logistics)
    assert "- Billing's (" in billing
    assert "- Logistics' (" in logistics
    assert "Logistics'" not in billing


def test_a_trend_without_currency_shows_the_amount_alone():
    assert trend_text(Decimal(201), Decimal(200)) == "up 1 % on the month before (200.00)"


def test_a_batch_reads_money_as_of_the_day_asked_in_the_cost_models_currency(org, make_insight):
    """``load_many`` without a cache, as of a past day, reads as ``load`` does that day."""
    from roi.models import CostModel

    CostModel.objects.create(
        effective_from=TODAY - timedelta(days=400), currency="USD", cost_per_contact=Decimal(1)
    )
    gap = costly_gaps(org, 1)[0]  # one occurrence yesterday, 10.00
    occur(gap, MIDNIGHT - timedelta(days=40))
    insight = make_insight(related_gaps=[gap], themes=[org.invoice_clarity])
    insight = type(insight).objects.prefetch_related("themes").get(pk=insight.pk)
    day = TODAY - timedelta(days=30)
    batch = TailoringContext.load_many([insight], day)[insight.pk]
    assert batch.currency == "USD"
    reading = tailor(batch, level="executive", team=org.billing)
    # As of 30 days ago: only the occurrence 40 days ago is in that month.
    assert (reading.monthly_cost, reading.previous_monthly_cost) == (Decimal(10), Decimal(0))
    assert "USD 10.00" in reading.as_text()
    single = TailoringContext.load(insight, day)
    for level in ("executive", "manager", "individual_contributor"):
        assert tailor(batch, level=level, team=org.billing).as_text() == (
            tailor(single, level=level, team=org.billing).as_text()
        )


def test_a_reroutes_cache_keeps_the_currency_and_the_managers_lines_for_later_batches(
    org, make_insight, django_assert_num_queries
):
    gap = GapFactory(causing_role=org.billing_manager, themes=[org.invoice_clarity])
    first = make_insight(themes=[org.invoice_clarity], related_gaps=[gap])
    second = make_insight(themes=[org.invoice_clarity])
    cache = tailoring.TailoringCache(TODAY)
    first_context = TailoringContext.load_many([first], TODAY, cache)[first.pk]
    assert cache.currency == first_context.currency == "EUR"
    line = tailor(first_context, level="manager", team=org.billing).lines[1]
    assert gap.pk in cache.gap_lines
    second_context = TailoringContext.load_many([second], TODAY, cache)[second.pk]
    assert second_context.currency == "EUR"
    assert second_context.gap_lines is cache.gap_lines  # a manager's line is written once
    with django_assert_num_queries(0):
        assert tailor(second_context, level="manager", team=org.billing).lines[1] == line


def test_the_cache_remembers_every_theme_it_has_read(org, django_assert_num_queries):
    refunds, returns = ThemeFactory(name="Refunds"), ThemeFactory(name="Returns")
    GapFactory(causing_role=org.billing_manager, themes=[refunds, returns])
    cache = tailoring.TailoringCache(TODAY)
    cache.load_themes({refunds.pk})
    cache.load_themes({returns.pk})
    with django_assert_num_queries(0):  # both read already: nothing to read again
        cache.load_themes({refunds.pk, returns.pk})
    assert cache.themes_loaded == {refunds.pk, returns.pk}
    assert set(cache.top_open_gaps) == {(org.billing.pk, refunds.pk), (org.billing.pk, returns.pk)}


def test_the_currency_is_the_one_in_force_on_the_day_asked(org, make_insight):
    """A cost model's currency changes from its first day on: a reading as of an earlier day
    speaks the currency of then, one loaded alone or in a batch alike."""
    from roi.models import CostModel

    CostModel.objects.create(effective_from=TODAY - timedelta(days=400), currency="GBP")
    CostModel.objects.create(effective_from=TODAY - timedelta(days=10), currency="USD")
    insight = make_insight(related_gaps=costly_gaps(org, 1))
    insight = type(insight).objects.prefetch_related("themes").get(pk=insight.pk)
    earlier = TODAY - timedelta(days=30)
    assert TailoringContext.load(insight, earlier).currency == "GBP"
    assert TailoringContext.load_many([insight], earlier)[insight.pk].currency == "GBP"
    assert TailoringContext.load_many([insight], TODAY)[insight.pk].currency == "USD"


def test_linked_gaps_come_with_their_touchpoint_role_and_team_alone_or_in_a_batch(
    org, make_insight, django_assert_num_queries
):
    """What readings and routing name of a linked gap is loaded with the context, one insight's
    or a batch's: no query per gap afterwards (a fixed number of queries whatever the gaps)."""
    gaps = [*costly_gaps(org, 2), GapFactory(causing_role=org.dispatcher)]
    insight = make_insight(related_gaps=gaps)
    insight = type(insight).objects.prefetch_related("themes").get(pk=insight.pk)
    for context in contexts(insight):
        with django_assert_num_queries(0):
            named = [
                (g.touchpoint.name, g.causing_role.name, g.causing_team.name) for g in context.gaps
            ]
        assert [team for *_, team in named] == ["Billing", "Billing", "Logistics"]


def test_managers_gaps_alike_in_severity_and_day_show_the_latest_logged_first(org, make_insight):
    """Ties of severity and detection day go to the gap logged last (the higher id)."""
    theme = ThemeFactory(name="Refunds")
    ids = [
        GapFactory(
            causing_role=org.billing_manager, severity=3, detected_on=TODAY, themes=[theme]
        ).pk
        for _ in range(12)
    ]
    insight = make_insight(themes=[theme])
    for context in contexts(insight):
        reading = tailor(context, level="manager", team=org.billing)
        assert [g.pk for g in reading.gaps] == sorted(ids, reverse=True)[:10]


def test_a_managers_reading_keeps_the_teams_linked_gaps_off_the_themes(org, make_insight):
    """A team's linked gaps count whether or not they carry the insight's themes."""
    linked = GapFactory(title="Linked, no theme", causing_role=org.billing_manager)
    GapFactory(title="On the theme", causing_role=org.billing_manager, themes=[org.invoice_clarity])
    insight = make_insight(themes=[org.invoice_clarity], related_gaps=[linked])
    for context in contexts(insight):
        reading = tailor(context, level="manager", team=org.billing)
        assert sorted(g.title for g in reading.gaps) == ["Linked, no theme", "On the theme"]


def test_in_a_batch_a_team_with_no_open_gaps_on_the_themes_reads_none(org, make_insight):
    GapFactory(causing_role=org.billing_manager, themes=[org.invoice_clarity])
    insight = make_insight(themes=[org.invoice_clarity])
    insight = type(insight).objects.prefetch_related("themes").get(pk=insight.pk)
    context = TailoringContext.load_many([insight], TODAY)[insight.pk]
    reading = tailor(context, level="manager", team=org.logistics)
    assert reading.gaps == []
    assert reading.lines == ["Logistics's open gaps on these themes: none right now."]
