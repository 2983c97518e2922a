"""Gap pages: the list (filters, sorting, paging, query counts), the gap page and its actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from gaps import services
from gaps.forms import RemedyPlanForm
from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from tests.factories import (
    OccurrenceFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("gaps:list")


@pytest.fixture
def catalogue(make_gap, other_role, cx_user):
    """Gaps that differ in every filtered attribute, logged through the services."""
    invoice = ThemeFactory(name="Invoice clarity")
    delivery = ThemeFactory(name="Delivery time")
    doorstep = TouchpointFactory(name="Delivery doorstep")
    billing_gap = make_gap(
        title="Invoices arrive in three parts",
        category=Gap.Category.PROCESS,
        severity=4,
        journey_stage=Gap.JourneyStage.GET,
        themes=[invoice],
    )
    late_parcels = make_gap(
        title="Parcels arrive a week late",
        expectation="Delivery in two days, as the checkout promised.",
        delivery="Seven to nine days, with no tracking updates.",
        category=Gap.Category.POLICY,
        causing_role=other_role,
        severity=2,
        touchpoint=doorstep,
        journey_stage=Gap.JourneyStage.USE,
        themes=[delivery],
        detected_on=timezone.localdate() - timedelta(days=60),
    )
    return {"billing": billing_gap, "late": late_parcels, "doorstep": doorstep, "invoice": invoice}


def titles(response) -> list[str]:
    return [gap.title for gap in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, {"Invoices arrive in three parts", "Parcels arrive a week late"}),
        ({"category": "policy"}, {"Parcels arrive a week late"}),
        ({"severity": "4"}, {"Invoices arrive in three parts"}),
        ({"journey_stage": "use"}, {"Parcels arrive a week late"}),
        ({"overdue": "true"}, {"Parcels arrive a week late"}),
        ({"overdue": "false"}, {"Invoices arrive in three parts"}),
        ({"q": "tracking updates"}, {"Parcels arrive a week late"}),
    ],
)
def test_list_filters_by_value(client, cx_user, catalogue, params, expected):
    client.force_login(cx_user)
    response = client.get(LIST, params)
    assert set(titles(response)) == expected
    for title in expected:
        assert title in response.content.decode()


def test_list_filters_by_team_role_touchpoint_and_theme(client, cx_user, catalogue, other_role):
    client.force_login(cx_user)
    billing = catalogue["billing"]
    assert titles(client.get(LIST, {"team": billing.causing_team_id})) == [billing.title]
    assert titles(client.get(LIST, {"causing_role": other_role.pk})) == [catalogue["late"].title]
    by_touchpoint = client.get(LIST, {"touchpoint": catalogue["doorstep"].pk})
    assert titles(by_touchpoint) == [catalogue["late"].title]
    assert titles(client.get(LIST, {"theme": catalogue["invoice"].pk})) == [billing.title]


def test_list_marks_overdue_and_counts_statuses(client, cx_user, catalogue):
    client.force_login(cx_user)
    html = client.get(LIST).content.decode()
    assert "flag-overdue" in html
    assert "Open: 2" in html  # the status's label, not its code


def test_list_sorts_and_pages(client, cx_user, make_gap):
    for n in range(30):
        make_gap(title=f"Gap {n:02d}", severity=1 + n % 5)
    client.force_login(cx_user)
    first = client.get(LIST, {"ordering": "title"})
    assert titles(first)[:3] == ["Gap 00", "Gap 01", "Gap 02"]
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(LIST, {"ordering": "-title", "page": 2})
    assert titles(second) == ["Gap 04", "Gap 03", "Gap 02", "Gap 01", "Gap 00"]


def test_invalid_filter_is_shown_beside_the_field_not_a_500(client, cx_user, catalogue):
    client.force_login(cx_user)
    response = client.get(LIST, {"severity": "9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html
    # No list at all rather than every gap unfiltered, which would look like the answer.
    assert "gap-row" not in html
    assert "No gaps shown until the filters above are fixed." in html
    assert response.context["status_counts"] == {}


def _many_gaps(n: int, make_gap, owner) -> None:
    themes = [ThemeFactory(name=f"Theme {i}") for i in range(3)]
    teams = [TeamFactory(name=f"Team {i}") for i in range(3)]
    for i in range(n):
        role = RoleFactory(team=teams[i % 3], owners=[owner])
        make_gap(title=f"Gap {i}", causing_role=role, themes=themes[: 1 + i % 3])


@pytest.mark.parametrize("url_name", ["gaps:list", "gaps:mine"])
def test_list_queries_do_not_grow_with_rows(
    client, cx_user, owner_user, make_gap, django_assert_max_num_queries, url_name
):
    viewer = cx_user if url_name == "gaps:list" else owner_user
    client.force_login(viewer)
    _many_gaps(2, make_gap, owner_user)
    # 18: the page's own queries plus the person's saved views and their roles' teams.
    with django_assert_max_num_queries(18) as small:
        client.get(reverse(url_name))
    _many_gaps(40, make_gap, owner_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(url_name))
    assert len(response.context["page"].object_list) == 25
    assert len(small.captured_queries) <= 18


def test_gap_page_shows_history_chart_and_deadlines(client, cx_user, owner_user, gap):
    services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user, note="Ours, sorry.")
    services.gap_update(gap=gap, actor=cx_user, severity=5)
    now = timezone.now()
    for weeks_ago in (10, 10, 9, 3):
        OccurrenceFactory(gap=gap, occurred_at=now - timedelta(weeks=weeks_ago))
    client.force_login(cx_user)
    response = client.get(gap.get_absolute_url())
    html = response.content.decode()
    assert "Ours, sorry." in html
    assert '<span class="field-name">severity</span>: <del>4</del> → <ins>5</ins>' in html
    assert 'id="occurrence-data"' in html
    assert "4 occurrences recorded" in html
    chart = response.context["chart"]
    assert sum(chart["counts"]) == 4
    assert max(chart["counts"]) == 2
    # Acknowledged: the day it was, no longer a deadline; the remedy's deadline applies.
    assert "Acknowledge by" not in html
    assert "<dt>Acknowledged</dt>" in html
    gap.refresh_from_db()
    assert f"<dt>Remedy by</dt><dd>{gap.remedy_due_on:%-d %b %Y}" in html
    assert f'value="{gap.remedy_due_on.isoformat()}"' in html  # the remedy plan's date input


def test_gap_page_query_count_is_bounded(
    client, cx_user, gap, owner_user, django_assert_max_num_queries
):
    for n in range(5):
        services.gap_update(gap=gap, actor=cx_user, remedy_progress=10 * n + 10)
    OccurrenceFactory.create_batch(30, gap=gap)
    client.force_login(owner_user)
    # The gap, its themes, history, chart, comments (and who may be mentioned), the money card
    # (cost model, occurrence counts), the navigation's badges: whatever the history's length.
    with django_assert_max_num_queries(16):
        response = client.get(gap.get_absolute_url())
    assert len(response.context["events"]) == 6


def test_chart_marks_before_and_after_the_close(client, cx_user, make_gap):
    now = timezone.now()
    closed = make_gap(
        status=S.CLOSED, closed_at=now - timedelta(weeks=4), root_cause="Template fixed."
    )
    for weeks_ago in (8, 8, 7, 7, 6, 2):
        OccurrenceFactory(gap=closed, occurred_at=now - timedelta(weeks=weeks_ago))
    client.force_login(cx_user)
    chart = client.get(closed.get_absolute_url()).context["chart"]
    assert chart["closed_week"] in chart["labels"]
    assert chart["before_avg"] > chart["after_avg"]


def test_owner_sees_their_moves_and_acknowledges(client, owner_user, gap):
    client.force_login(owner_user)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert "Acknowledge" in html
    assert "Dispute" in html
    assert "Archive" not in html  # a CX team move
    response = client.post(reverse("gaps:transition", args=[gap.pk]), {"to": "acknowledged"})
    assert response.status_code == 302
    gap.refresh_from_db()
    assert gap.status == S.ACKNOWLEDGED
    assert gap.events.filter(kind=GapEvent.Kind.TRANSITION, actor=owner_user).exists()


def test_dispute_without_reason_shows_the_error_beside_the_note(client, owner_user, gap):
    client.force_login(owner_user)
    response = client.post(reverse("gaps:transition", args=[gap.pk]), {"to": "disputed"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html
    assert "This field is required" in html
    gap.refresh_from_db()
    assert gap.status == S.OPEN


def test_close_needs_a_root_cause(client, owner_user, gap):
    services.gap_transition(gap=gap, to=S.ACKNOWLEDGED, actor=owner_user)
    client.force_login(owner_user)
    url = reverse("gaps:transition", args=[gap.pk])
    response = client.post(url, {"to": "closed", "note": "Done"})
    assert response.status_code == 400
    assert "Say what caused the gap" in response.content.decode()
    response = client.post(url, {"to": "closed", "root_cause": "Split billing runs."})
    assert response.status_code == 302
    gap.refresh_from_db()
    assert (gap.status, gap.root_cause) == (S.CLOSED, "Split billing runs.")


def test_illegal_move_is_a_clear_error_not_a_500(client, cx_user, gap):
    client.force_login(cx_user)
    url = reverse("gaps:transition", args=[gap.pk])
    response = client.post(url, {"to": "closed", "root_cause": "x"})
    assert response.status_code == 400
    assert "cannot be moved to closed" in response.content.decode()
    assert client.post(url, {"to": "nonsense"}).status_code == 400


def test_cx_team_reattributes_a_disputed_gap(client, cx_user, owner_user, gap, other_role):
    services.gap_transition(gap=gap, to=S.DISPUTED, actor=owner_user, note="Not billing.")
    client.force_login(cx_user)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert "New causing role" in html
    response = client.post(
        reverse("gaps:transition", args=[gap.pk]),
        {"to": "open", "note": "Logistics it is.", "causing_role": other_role.pk},
    )
    assert response.status_code == 302
    gap.refresh_from_db()
    assert (gap.status, gap.causing_role) == (S.OPEN, other_role)


def test_executive_reads_but_cannot_change(client, exec_user, gap):
    client.force_login(exec_user)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert gap.title in html
    assert "/transition/" not in html
    assert "/remedy/" not in html
    assert gap.title in client.get(LIST).content.decode()
    post = {"to": "acknowledged"}
    assert client.post(reverse("gaps:transition", args=[gap.pk]), post).status_code == 403
    remedy = {"remedy_progress": 50}
    assert client.post(reverse("gaps:remedy", args=[gap.pk]), remedy).status_code == 403
    assert client.get(reverse("gaps:create")).status_code == 403
    assert client.post(reverse("gaps:prevent"), {"title": "x"}).status_code == 403
    gap.refresh_from_db()
    assert gap.status == S.OPEN


def test_other_owner_gets_403_on_post(client, other_owner, gap):
    client.force_login(other_owner)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert "/transition/" not in html
    url = reverse("gaps:transition", args=[gap.pk])
    assert client.post(url, {"to": "acknowledged"}).status_code == 403
    remedy = {"remedy_progress": 50}
    assert client.post(reverse("gaps:remedy", args=[gap.pk]), remedy).status_code == 403
    # Refused before the input is judged: an illegal move or a bad form is still a 403.
    assert client.post(url, {"to": "closed"}).status_code == 403
    assert client.post(url, {}).status_code == 403
    bad_remedy = {"remedy_progress": "lots"}
    assert client.post(reverse("gaps:remedy", args=[gap.pk]), bad_remedy).status_code == 403
    gap.refresh_from_db()
    assert (gap.status, gap.remedy_progress) == (S.OPEN, 0)


def test_unknown_gap_is_404(client, cx_user):
    client.force_login(cx_user)
    assert client.get(reverse("gaps:detail", args=[999999])).status_code == 404


def test_owner_edits_the_remedy_plan(client, owner_user, gap):
    client.force_login(owner_user)
    due = timezone.localdate() + timedelta(days=20)
    response = client.post(
        reverse("gaps:remedy", args=[gap.pk]),
        {
            "remedy_plan": "Merge the billing runs.",
            "remedy_owner": owner_user.pk,
            "remedy_due_on": due.isoformat(),
            "remedy_progress": 40,
        },
    )
    assert response.status_code == 302
    gap.refresh_from_db()
    assert (gap.remedy_plan, gap.remedy_owner, gap.remedy_due_on, gap.remedy_progress) == (
        "Merge the billing runs.",
        owner_user,
        due,
        40,
    )
    assert "remedy_progress" in gap.events.latest("id").changes
    bad = client.post(reverse("gaps:remedy", args=[gap.pk]), {"remedy_progress": 140})
    assert bad.status_code == 400
    assert "field-error" in bad.content.decode()


def test_owner_records_the_remedy_cost_and_the_gap_page_shows_its_money(
    client, cx_user, owner_user, gap
):
    """The causing role's owner records what the remedy cost; the page shows the gap's money
    with every per-occurrence figure as a number, and names people in the history."""
    owner_user.first_name, owner_user.last_name = "Olga", "Owner"
    owner_user.save()
    client.force_login(owner_user)
    url = reverse("gaps:remedy", args=[gap.pk])
    refused = client.post(url, {"remedy_progress": 10, "remedy_cost": "-5"})
    assert refused.status_code == 400
    assert "Ensure this value is greater than or equal to 0" in refused.content.decode()
    saved = client.post(
        url, {"remedy_progress": 10, "remedy_cost": "1250.00", "remedy_owner": owner_user.pk}
    )
    assert saved.status_code == 302
    gap.refresh_from_db()
    assert str(gap.remedy_cost) == "1250.00"
    html = client.get(gap.get_absolute_url()).content.decode()
    assert 'data-figure="gap-remedy-cost">EUR 1,250.00' in html
    assert "Monthly cost now" in html
    assert "cost model default" not in html  # a number, with where it comes from
    assert "Revenue at risk</dt><dd>EUR " in html
    assert "<ins>Olga Owner</ins>" in html  # the remedy owner by name in the history


def test_prevented_gap_shows_estimated_savings_and_no_deadlines(client, owner_user, owned_role):
    gap = services.gap_create(
        actor=owner_user,
        status=Gap.Status.PREVENTED,
        title="Price rise mail would have confused",
        expectation="Clear notice.",
        delivery="Caught before sending.",
        category=Gap.Category.POLICY,
        causing_role=owned_role,
        severity=3,
        expected_monthly_occurrences=20,
        prevented_on=timezone.localdate() - timedelta(days=45),
    )
    client.force_login(owner_user)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert "Estimated savings so far" in html
    assert "Acknowledge by" not in html
    assert "Remedy by" not in html
    assert 'name="remedy_plan"' not in html
    assert "Cost of preventing it" in html
    assert "Counts as investment in the ROI." in html
    # The label and its help text follow the reader's language.
    with translation.override("de"):
        form = RemedyPlanForm(gap=gap)
        assert str(form.fields["remedy_cost"].label) == "Kosten der Verhinderung"
        assert str(form.fields["remedy_cost"].help_text) == "Zählt als Investition in den ROI."


def test_my_gaps_lists_only_my_roles_with_quick_actions(client, owner_user, gap, make_gap):
    foreign = make_gap(title="Returns label missing", causing_role=RoleFactory())
    client.force_login(owner_user)
    response = client.get(reverse("gaps:mine"))
    assert titles(response) == [gap.title]
    html = response.content.decode()
    assert foreign.title not in html
    assert 'value="acknowledged"' in html
    response = client.post(
        reverse("gaps:transition", args=[gap.pk]),
        {"to": "acknowledged", "next": reverse("gaps:mine")},
    )
    assert response["Location"] == reverse("gaps:mine")


def test_cx_team_logs_a_gap_with_the_form(client, cx_user, owned_role, touchpoint):
    client.force_login(cx_user)
    form_page = client.get(reverse("gaps:create")).content.decode()
    assert f'<optgroup label="{owned_role.team.name}">' in form_page
    assert "Support phone line (8.00 per contact)" in form_page
    theme = ThemeFactory(name="Invoice clarity")
    response = client.post(
        reverse("gaps:create"),
        {
            "title": "Refunds take six weeks",
            "expectation": "Money back within a week.",
            "delivery": "Six weeks and two chasers.",
            "category": "process",
            "severity": 4,
            "causing_team": owned_role.team_id,
            "causing_role": owned_role.pk,
            "touchpoint": touchpoint.pk,
            "themes": [theme.pk],
            "cost_to_serve": "12.50",
        },
    )
    gap = Gap.objects.get(title="Refunds take six weeks")
    assert response["Location"] == gap.get_absolute_url()
    assert (gap.created_by, gap.causing_team, str(gap.cost_to_serve)) == (
        cx_user,
        owned_role.team,
        "12.50",
    )
    assert list(gap.themes.all()) == [theme]
    assert gap.events.get().kind == GapEvent.Kind.CREATED


def test_form_errors_are_beside_the_fields(client, cx_user, owned_role, other_role):
    client.force_login(cx_user)
    response = client.post(
        reverse("gaps:create"),
        {
            "title": "",
            "category": "process",
            "severity": 3,
            "causing_team": other_role.team_id,
            "causing_role": owned_role.pk,
            "cost_to_serve": "-1",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"title", "expectation", "delivery", "causing_role", "cost_to_serve"} <= set(form.errors)
    assert "is not a role of Logistics" in response.content.decode()
    assert not Gap.objects.exists()


def test_edit_records_field_changes(client, cx_user, gap):
    client.force_login(cx_user)
    page = client.get(reverse("gaps:edit", args=[gap.pk]))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(title="Invoices arrive in four parts", themes=[])
    data["detected_on"] = gap.detected_on.isoformat()
    response = client.post(reverse("gaps:edit", args=[gap.pk]), data)
    assert response.status_code == 302
    event = gap.events.latest("id")
    assert event.changes["title"] == [
        "Invoices arrive in three parts",
        "Invoices arrive in four parts",
    ]


def test_owner_logs_a_prevented_gap_for_their_role_only(client, owner_user, owned_role, other_role):
    client.force_login(owner_user)
    data = {
        "title": "Duplicate direct debits caught in test",
        "expectation": "One debit per invoice.",
        "delivery": "Would have debited twice after the bank migration.",
        "category": "process",
        "severity": 5,
        "causing_role": owned_role.pk,
        "expected_monthly_occurrences": "120",
        "remedy_cost": "800.00",
    }
    response = client.post(reverse("gaps:prevent"), data)
    gap = Gap.objects.get(title=data["title"])
    assert response["Location"] == gap.get_absolute_url()
    assert (gap.status, gap.prevented_on) == (S.PREVENTED, timezone.localdate())
    refused = client.post(reverse("gaps:prevent"), {**data, "causing_role": other_role.pk})
    assert refused.status_code == 400
    assert "causing_role" in refused.context["form"].errors
    missing = client.post(reverse("gaps:prevent"), {**data, "expected_monthly_occurrences": ""})
    assert "expected_monthly_occurrences" in missing.context["form"].errors


def test_theme_changes_read_as_names_in_the_history(client, cx_user, gap):
    services.gap_update(gap=gap, actor=cx_user, themes=[ThemeFactory(name="Invoice clarity")])
    client.force_login(cx_user)
    html = client.get(gap.get_absolute_url()).content.decode()
    assert (
        '<span class="field-name">themes</span>: <del>—</del> → <ins>Invoice clarity</ins>' in html
    )


def test_editing_an_archived_gap_is_an_error_on_the_form_not_a_500(client, cx_user, gap):
    services.gap_transition(gap=gap, to=S.ARCHIVED, actor=cx_user)
    client.force_login(cx_user)
    page = client.get(reverse("gaps:edit", args=[gap.pk]))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(title="Renamed", themes=[], detected_on=gap.detected_on.isoformat())
    response = client.post(reverse("gaps:edit", args=[gap.pk]), data)
    assert response.status_code == 400
    assert "archived gap is read-only" in response.content.decode()
    gap.refresh_from_db()
    assert gap.title != "Renamed"
