"""``/api/v1/gaps/``: list and filters, create (open, prevented, closed), PATCH, transitions,
history; the browser's permission table; every bad input a JSON 400."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps.models import Gap, GapEvent
from gaps.models.gaps import GapStatus as S
from tests.factories import GapFactory, ThemeFactory, UserFactory
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/gaps/"


@pytest.fixture
def body(owned_role, touchpoint):
    """A complete, valid create body."""
    ThemeFactory(name="Invoice clarity", slug="invoice-clarity")
    return {
        "title": "Invoices arrive in three parts",
        "expectation": "One clear invoice a month.",
        "delivery": "Three partial invoices with unexplained codes.",
        "category": "process",
        "origin": "complaint",
        "causing_role": owned_role.pk,
        "touchpoint": touchpoint.pk,
        "severity": 4,
        "themes": ["invoice-clarity"],
        "cost_to_serve": "12.5",
        "journey_stage": "use",
    }


def detail(gap) -> str:
    return f"{URL}{gap.pk}/"


# --- Reading ------------------------------------------------------------------------------


def test_anonymous_gets_401_json():
    response = client_for().get(URL)
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_user_outside_every_group_sees_nothing(gap):
    stranger = client_for(UserFactory(username="stranger"))
    assert stranger.get(URL).json()["count"] == 0
    assert stranger.get(detail(gap)).status_code == 404


@pytest.mark.parametrize("who", ["cx_user", "owner_user", "other_owner", "exec_user"])
def test_everyone_in_a_group_reads_every_gap(request, who, gap):
    response = client_for(request.getfixturevalue(who)).get(detail(gap))
    assert response.status_code == 200
    assert response.json()["title"] == "Invoices arrive in three parts"


def test_a_gap_reads_with_money_as_strings_and_the_moves_you_may_make(
    make_gap, owner_user, exec_user, owned_role
):
    gap = make_gap(cost_to_serve="12.50", revenue_at_risk="30")
    owner = client_for(owner_user).get(detail(gap)).json()
    assert owner["cost_to_serve"] == "12.50"
    assert owner["revenue_at_risk"] == "30.00"
    assert owner["remedy_cost"] == "0.00"
    assert owner["causing_team"] == owned_role.team_id
    assert owner["created_by"] == "carla"
    assert [move["to"] for move in owner["allowed_transitions"]] == ["acknowledged", "disputed"]
    assert owner["allowed_transitions"][1]["note_required"] is True
    assert client_for(exec_user).get(detail(gap)).json()["allowed_transitions"] == []


def test_list_filters_as_the_browser(make_gap, cx_user, other_role):
    make_gap(title="Invoices arrive in three parts", severity=2)
    make_gap(title="Parcels left in the rain", causing_role=other_role, severity=5)
    client = client_for(cx_user)

    def titles(query: str) -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles(f"?team={other_role.team_id}") == ["Parcels left in the rain"]
    assert titles("?q=rain") == ["Parcels left in the rain"]
    assert titles("?severity_min=4") == ["Parcels left in the rain"]
    assert titles("?status=open&ordering=severity") == [
        "Invoices arrive in three parts",
        "Parcels left in the rain",
    ]
    assert titles("?status=closed") == []
    # Issue 3 names these filters "role" and "free-text search": both names work.
    assert titles(f"?role={other_role.pk}") == ["Parcels left in the rain"]
    assert titles(f"?causing_role={other_role.pk}") == ["Parcels left in the rain"]
    assert titles("?search=rain") == ["Parcels left in the rain"]


def test_a_bad_filter_value_is_a_400_naming_the_filter(cx_user):
    response = client_for(cx_user).get(URL + "?status=lost&severity_min=high")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "severity_min"}


def test_list_queries_do_not_grow_with_the_page(cx_user, django_assert_max_num_queries):
    themes = [ThemeFactory(), ThemeFactory()]
    client = client_for(cx_user)
    GapFactory.create_batch(3, themes=themes)
    with django_assert_max_num_queries(7):
        assert len(client.get(URL + "?page_size=3").json()["results"]) == 3
    GapFactory.create_batch(40, themes=themes, remedy_owner=cx_user, created_by=cx_user)
    with django_assert_max_num_queries(7):
        response = client.get(URL + "?page_size=40")
    assert len(response.json()["results"]) == 40
    assert response.json()["count"] == 43
    assert len(response.json()["results"][0]["themes"]) == 2


@pytest.mark.parametrize("who", ["cx_user", "owner_user", "exec_user"])
def test_a_list_row_is_the_gaps_detail(request, who, make_gap, other_role):
    """The list reads its themes per page and writes each set of moves once per request
    (``read_page_values``, ``get_allowed_transitions``); every row still answers what the
    detail (DRF's own path) answers: themes in name order, the caller's moves on that gap."""
    zebra = ThemeFactory(name="Zebra crossings", slug="a-zebra")
    apples = ThemeFactory(name="Apples", slug="z-apples")
    middle = ThemeFactory(name="Middle", slug="m-middle")
    make_gap(title="Three themes", themes=[zebra, apples, middle])
    make_gap(title="No theme")
    make_gap(title="Elsewhere", causing_role=other_role, themes=[middle, zebra])
    moved = make_gap(title="Acknowledged")
    Gap.objects.filter(pk=moved.pk).update(status=S.ACKNOWLEDGED)
    client = client_for(request.getfixturevalue(who))
    rows = client.get(URL).json()["results"]
    assert len(rows) == 4
    for row in rows:
        assert row == client.get(f"{URL}{row['id']}/").json()
    by_title = {row["title"]: row for row in rows}
    assert by_title["Three themes"]["themes"] == ["z-apples", "m-middle", "a-zebra"]
    assert by_title["No theme"]["themes"] == []
    theme_filtered = client.get(f"{URL}?theme={middle.pk}&theme={apples.pk}").json()
    assert {row["title"] for row in theme_filtered["results"]} == {"Three themes", "Elsewhere"}


# --- Creating -----------------------------------------------------------------------------


def test_themes_may_be_named_by_id_as_the_filter_does(cx_user, body):
    theme = ThemeFactory(name="Refund speed", slug="refund-speed")
    client = client_for(cx_user)
    response = client.post(URL, {**body, "themes": ["invoice-clarity", theme.pk]}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["themes"]) == ["invoice-clarity", "refund-speed"]
    for missing in (999999, 2**70):
        response = client.post(URL, {**body, "themes": [missing]}, format="json")
        assert response.status_code == 400
        assert "does not exist" in response.json()["themes"][0]


def test_cx_team_logs_a_gap_with_themes_by_slug(cx_user, body, owned_role):
    response = client_for(cx_user).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "open"
    assert created["themes"] == ["invoice-clarity"]
    assert created["cost_to_serve"] == "12.50"
    assert created["causing_team"] == owned_role.team_id
    assert created["acknowledge_due_on"] == str(timezone.localdate() + timedelta(days=5))
    gap = Gap.objects.get(pk=created["id"])
    assert gap.created_by == cx_user
    assert gap.events.get().kind == GapEvent.Kind.CREATED


def test_an_integration_logs_gaps(integration_user, body):
    response = client_for(integration_user).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["created_by"] == "desk"


def test_import_a_prevented_gap(cx_user, body):
    prevented_on = timezone.localdate() - timedelta(days=45)
    response = client_for(cx_user).post(
        URL,
        {
            **body,
            "status": "prevented",
            "prevented_on": str(prevented_on),
            "expected_monthly_occurrences": "20",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["prevented_on"] == str(prevented_on)
    assert response.json()["expected_monthly_occurrences"] == "20.00"


def test_import_a_closed_gap(cx_user, body):
    closed_at = (timezone.now() - timedelta(days=60)).replace(microsecond=0)
    response = client_for(cx_user).post(
        URL,
        {**body, "status": "closed", "closed_at": closed_at.isoformat(), "root_cause": "Old ERP."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "closed"
    assert Gap.objects.get().closed_at == closed_at


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"status": "closed", "closed_at": "2999-01-01T00:00:00Z"}, {"closed_at", "root_cause"}),
        ({"status": "closed"}, {"closed_at", "root_cause"}),
        (
            {"status": "closed", "closed_at": "0001-01-01T00:00:00Z", "root_cause": "Old."},
            {"closed_at"},
        ),
        ({"status": "prevented"}, {"expected_monthly_occurrences"}),
        (
            {
                "status": "prevented",
                "prevented_on": "2999-01-01",
                "expected_monthly_occurrences": 1,
            },
            {"prevented_on"},
        ),
        ({"status": "acknowledged"}, {"status"}),
        ({"closed_at": "2020-01-01T00:00:00Z"}, {"closed_at"}),
        ({"prevented_on": "2020-01-01"}, {"prevented_on"}),
    ],
)
def test_import_rules_are_field_errors(cx_user, body, changes, fields):
    response = client_for(cx_user).post(URL, {**body, **changes}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Gap.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"severity": 9}, "severity", "less than or equal to 5"),
        ({"severity": "high"}, "severity", "valid integer"),
        ({"causing_role": 99999}, "causing_role", "does not exist"),
        ({"causing_role": "billing"}, "causing_role", "Incorrect type"),
        ({"detected_on": "31/12/2025"}, "detected_on", "wrong format"),
        ({"detected_on": "9999-12-31"}, "detected_on", "up to today"),
        ({"detected_on": "0001-01-01"}, "detected_on", "from 1970"),
        ({"cost_to_serve": "-1.00"}, "cost_to_serve", "greater than or equal to 0"),
        ({"remedy_cost": "ten"}, "remedy_cost", "valid number"),
        ({"revenue_at_risk": "1.005"}, "revenue_at_risk", "2 decimal places"),
        ({"category": "weather"}, "category", "not a valid choice"),
        ({"themes": ["no-such-theme"]}, "themes", "does not exist"),
        ({"themes": "invoice-clarity"}, "themes", "Expected a list"),
        ({"remedy_owner": "nobody"}, "remedy_owner", "does not exist"),
        ({"causing_team": 1}, "causing_team", "team follows the causing role"),
        ({"sevrity": 3}, "sevrity", "Unknown field"),
        ({"title": ""}, "title", "may not be blank"),
    ],
)
def test_bad_input_is_a_400_with_the_field_message(cx_user, body, changes, field, message):
    response = client_for(cx_user).post(URL, {**body, **changes}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Gap.objects.exists()


def test_missing_required_fields_are_each_named(cx_user):
    response = client_for(cx_user).post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {
        "title",
        "expectation",
        "delivery",
        "category",
        "causing_role",
        "severity",
    }


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"a string"', "null"])
def test_malformed_or_misshapen_json_is_a_400(cx_user, raw):
    response = client_for(cx_user).post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()  # a JSON body saying what is wrong


def test_role_owners_log_prevented_gaps_for_their_own_roles_only(owner_user, other_role, body):
    client = client_for(owner_user)
    prevented = {**body, "status": "prevented", "expected_monthly_occurrences": "4"}
    assert client.post(URL, prevented, format="json").status_code == 201
    assert client.post(URL, body, format="json").status_code == 403
    other = {**prevented, "causing_role": other_role.pk}
    response = client.post(URL, other, format="json")
    assert response.status_code == 403
    assert "roles they own" in response.json()["detail"]
    assert Gap.objects.count() == 1


def test_executives_write_nothing(exec_user, gap, body):
    client = client_for(exec_user)
    assert client.post(URL, body, format="json").status_code == 403
    assert client.patch(detail(gap), {"severity": 1}, format="json").status_code == 403
    response = client.post(detail(gap) + "transition/", {"to": "archived"}, format="json")
    assert response.status_code == 403
    gap.refresh_from_db()
    assert (gap.severity, gap.status) == (4, S.OPEN)


# --- Changing -----------------------------------------------------------------------------


def test_cx_team_patches_and_the_history_records_it(cx_user, gap, other_role):
    ThemeFactory(name="Delivery time", slug="delivery-time")
    response = client_for(cx_user).patch(
        detail(gap),
        {"severity": 5, "causing_role": other_role.pk, "themes": ["delivery-time"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert (changed["severity"], changed["causing_team"]) == (5, other_role.team_id)
    assert changed["themes"] == ["delivery-time"]
    event = gap.events.get(kind=GapEvent.Kind.UPDATE)
    assert event.changes["severity"] == [4, 5]
    assert event.changes["themes"] == [[], ["Delivery time"]]


def test_role_owner_changes_the_remedy_of_their_roles_gaps_only(
    owner_user, other_owner, gap, cx_user
):
    owner = client_for(owner_user)
    response = owner.patch(
        detail(gap), {"remedy_plan": "Merge the runs.", "remedy_progress": 40}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["remedy_progress"] == 40
    response = owner.patch(detail(gap), {"title": "Smaller problem"}, format="json")
    assert response.status_code == 403
    assert "title" in response.json()["detail"]
    # Another role's owner: 403 even for a remedy field, and even with bad data.
    other = client_for(other_owner)
    assert other.patch(detail(gap), {"remedy_plan": "x"}, format="json").status_code == 403
    assert other.patch(detail(gap), {"severity": 9}, format="json").status_code == 403
    gap.refresh_from_db()
    assert (gap.title, gap.remedy_plan) == ("Invoices arrive in three parts", "Merge the runs.")


def test_integrations_do_not_change_gaps(integration_user, gap):
    response = client_for(integration_user).patch(detail(gap), {"severity": 1}, format="json")
    assert response.status_code == 403


def test_patch_refuses_the_status_and_bad_values(cx_user, gap):
    client = client_for(cx_user)
    response = client.patch(detail(gap), {"status": "closed", "severity": 0}, format="json")
    assert response.status_code == 400
    assert "transition" in response.json()["status"][0]
    assert "severity" in response.json()
    response = client.patch(detail(gap), {"remedy_progress": 101}, format="json")
    assert response.status_code == 400
    assert "remedy_progress" in response.json()
    # A date no deadline arithmetic can reach is a field error, not a 500.
    response = client.patch(detail(gap), {"detected_on": "9999-12-31"}, format="json")
    assert response.status_code == 400
    assert "up to today" in response.json()["detected_on"][0]


def test_no_put_and_no_delete(cx_user, gap):
    client = client_for(cx_user)
    assert client.put(detail(gap), {}, format="json").status_code == 405
    assert client.delete(detail(gap)).status_code == 405
    assert Gap.objects.filter(pk=gap.pk).exists()


def test_an_archived_gap_is_read_only(cx_user, gap):
    client = client_for(cx_user)
    client.post(detail(gap) + "transition/", {"to": "archived"}, format="json")
    response = client.patch(detail(gap), {"severity": 2}, format="json")
    assert response.status_code == 400
    assert "archived" in response.json()["status"][0]


def test_unknown_gap_is_404(cx_user):
    assert client_for(cx_user).get(f"{URL}999999/").status_code == 404
    assert client_for(cx_user).get(f"{URL}abc/").status_code == 404


# --- Transitions --------------------------------------------------------------------------


def transition(client, gap, **body):
    return client.post(detail(gap) + "transition/", body, format="json")


def test_role_owner_walks_the_gap_to_closed(owner_user, gap):
    owner = client_for(owner_user)
    response = transition(owner, gap, to="acknowledged", note="Ours.")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_at"]
    assert transition(owner, gap, to="in_remedy").json()["status"] == "in_remedy"

    response = transition(owner, gap, to="closed", note="Merged the runs.")
    assert response.status_code == 400
    assert "root_cause" in response.json()

    response = transition(
        owner, gap, to="closed", note="Merged the runs.", root_cause="Two billing systems."
    )
    assert response.status_code == 200
    closed = response.json()
    assert (closed["status"], closed["root_cause"]) == ("closed", "Two billing systems.")
    assert closed["closed_at"]
    assert [move["to"] for move in closed["allowed_transitions"]] == ["open"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"to": "in_remedy"}, "to", "cannot go from open to in remedy"),
        ({"to": "paused"}, "to", "not a valid choice"),
        ({}, "to", "required"),
        ({"to": "disputed"}, "note", "reason for the dispute"),
        ({"to": "disputed", "note": ["x"]}, "note", "Not a valid string"),
        ({"to": "open", "causing_role": 99999}, "causing_role", "does not exist"),
        ({"to": "acknowledged", "when": "now"}, "when", "Unknown field"),
    ],
)
def test_illegal_or_malformed_transitions_are_400(cx_user, gap, body, field, message):
    response = client_for(cx_user).post(detail(gap) + "transition/", body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    gap.refresh_from_db()
    assert gap.status == S.OPEN


def test_other_role_owners_get_403_on_moves(other_owner, gap):
    response = transition(client_for(other_owner), gap, to="acknowledged")
    assert response.status_code == 403
    # Even a move that does not exist: what is not yours is a 403 first.
    assert transition(client_for(other_owner), gap, to="closed").status_code == 403


def test_role_owner_may_not_archive(owner_user, gap):
    response = transition(client_for(owner_user), gap, to="archived")
    assert response.status_code == 403


def test_dispute_then_cx_team_reattributes(owner_user, cx_user, gap, other_role):
    transition(client_for(owner_user), gap, to="disputed", note="Logistics decides this.")
    response = transition(
        client_for(cx_user), gap, to="open", note="Moved.", causing_role=other_role.pk
    )
    assert response.status_code == 200
    reopened = response.json()
    assert (reopened["status"], reopened["causing_role"]) == ("open", other_role.pk)
    assert reopened["causing_team"] == other_role.team_id
    assert reopened["dispute_reason"] == ""


# --- History ------------------------------------------------------------------------------


def test_history_lists_every_change_oldest_first(owner_user, cx_user, gap):
    client_for(cx_user).patch(detail(gap), {"severity": 2}, format="json")
    transition(client_for(owner_user), gap, to="acknowledged", note="Ours.")
    response = client_for(owner_user).get(detail(gap) + "history/")
    assert response.status_code == 200
    events = response.json()["results"]
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("created", "carla"),
        ("update", "carla"),
        ("transition", "oskar"),
    ]
    assert events[1]["changes"]["severity"] == [4, 2]
    assert set(events[1]["changes"]) == {"severity", "acknowledge_due_on", "remedy_due_on"}
    assert (events[2]["from_status"], events[2]["to_status"], events[2]["note"]) == (
        "open",
        "acknowledged",
        "Ours.",
    )
    assert (events[2]["from"], events[2]["to"]) == ("open", "acknowledged")  # DESIGN.md's names


def test_history_queries_do_not_grow_with_its_length(cx_user, gap, django_assert_max_num_queries):
    client = client_for(cx_user)
    with django_assert_max_num_queries(6):
        assert len(client.get(detail(gap) + "history/").json()["results"]) == 1
    for severity in [1, 2, 3, 4, 5, 1, 2, 3]:
        client_for(UserFactory(groups=["cx_team"])).patch(
            detail(gap), {"severity": severity}, format="json"
        )
    with django_assert_max_num_queries(6):
        assert len(client.get(detail(gap) + "history/").json()["results"]) == 9


def test_history_of_a_gap_out_of_reach_is_404(gap):
    stranger = client_for(UserFactory(username="stranger"))
    assert stranger.get(detail(gap) + "history/").status_code == 404
