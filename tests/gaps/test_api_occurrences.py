"""``/api/v1/occurrences/``: one object or a batch per POST, duplicates counted, invalid
batches stored not at all; the list with filters by cursor."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps.models import Occurrence
from gaps.models.gaps import GapStatus as S
from tests.factories import OccurrenceFactory
from tests.gaps.api_support import client_for, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/occurrences/"
WHEN = "2026-03-01T10:00:00Z"


def item(gap, external_id: str, **fields) -> dict:
    return {
        "gap": getattr(gap, "pk", gap),
        "occurred_at": WHEN,
        "source": "zendesk",
        "external_id": external_id,
        **fields,
    }


def test_one_object_is_201_with_the_object_and_a_resend_is_a_duplicate(
    integration_user, gap, touchpoint
):
    client = client_for(integration_user)
    response = client.post(URL, item(gap, "T-1", customer_ref="C-9"), format="json")
    assert response.status_code == 201, response.json()
    stored = response.json()
    assert (stored["gap"], stored["external_id"], stored["customer_ref"]) == (gap.pk, "T-1", "C-9")
    assert stored["touchpoint"] == touchpoint.pk  # the gap's, as none was named
    assert stored["occurred_at"] == WHEN

    response = client.post(URL, item(gap, "T-1"), format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 0, "duplicates": 1}
    assert Occurrence.objects.count() == 1


def test_one_object_without_external_id_is_always_new(cx_user, gap):
    client = client_for(cx_user)
    body = {"gap": gap.pk, "occurred_at": WHEN, "source": "survey"}
    first = client.post(URL, body, format="json").json()
    second = client.post(URL, body, format="json").json()
    assert first["external_id"]
    assert first["external_id"] != second["external_id"]


def test_a_batch_counts_created_and_duplicates(integration_user, gap, make_gap):
    other = make_gap(title="Parcels left in the rain")
    OccurrenceFactory(gap=gap, source="zendesk", external_id="T-1")
    batch = [item(gap, "T-1"), item(gap, "T-2"), item(other, "T-3"), item(other, "T-3")]
    response = client_for(integration_user).post(URL, batch, format="json")
    assert response.status_code == 201
    assert response.json() == {"created": 2, "duplicates": 2}
    assert set(Occurrence.objects.values_list("external_id", "gap_id")) == {
        ("T-1", gap.pk),
        ("T-2", gap.pk),
        ("T-3", other.pk),
    }
    response = client_for(integration_user).post(URL, batch, format="json")
    assert (response.status_code, response.json()) == (200, {"created": 0, "duplicates": 4})


def test_an_invalid_batch_names_each_bad_index_and_stores_nothing(cx_user, gap, touchpoint):
    batch = [
        item(gap, "A"),
        item(999999, "B"),
        item(gap, "C"),
        item(gap, "D", occurred_at="yesterday"),
        "not an object",
        item(gap, "F", touchpoint=999999),
        item(gap, "G", colour="red"),
        item(gap, "H", occurred_at=(timezone.now() + timedelta(days=2)).isoformat()),
        item(gap, "I", occurred_at="0001-01-01T00:00:00Z"),
    ]
    response = client_for(cx_user).post(URL, batch, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "7 of 9 occurrences are invalid; nothing was stored."
    errors = {entry["index"]: entry["errors"] for entry in body["items"]}
    assert list(errors) == [1, 3, 4, 5, 6, 7, 8]
    assert errors[1] == {"gap": ["No gap with id 999999."]}
    assert "wrong format" in errors[3]["occurred_at"][0]
    assert "Expected a dictionary" in errors[4]["non_field_errors"][0]
    assert errors[5] == {"touchpoint": ["No touchpoint with id 999999."]}
    assert errors[6] == {"colour": ["Unknown field."]}
    assert errors[7] == {"occurred_at": ["An occurrence cannot be in the future."]}
    assert errors[8] == {"occurred_at": ["Give a time from 1970 on."]}
    assert not Occurrence.objects.exists()


def test_one_bad_object_answers_plain_field_errors(cx_user, gap):
    response = client_for(cx_user).post(URL, {"gap": "x", "source": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"gap", "source", "occurred_at"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[]", "The list is empty."),
        ('"T-1"', "Send one occurrence object or a list of them."),
        ("42", "Send one occurrence object or a list of them."),
        ("{oops", "JSON parse error"),
    ],
)
def test_misshapen_bodies_are_400(cx_user, raw, message):
    response = client_for(cx_user).post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert message in str(response.json())


def test_a_batch_over_the_limit_is_refused_whole(cx_user, gap):
    batch = [item(gap, str(n)) for n in range(5_001)]
    response = client_for(cx_user).post(URL, batch, format="json")
    assert response.status_code == 400
    assert (
        "At most 5000 occurrences per request, not 5001" in response.json()["non_field_errors"][0]
    )
    assert not Occurrence.objects.exists()


def test_a_batch_costs_the_same_queries_whatever_its_size(
    cx_user, make_gap, django_assert_max_num_queries
):
    gaps = [make_gap(title=f"Gap {n}") for n in range(5)]
    client = client_for(cx_user)
    with django_assert_max_num_queries(10):
        small = [item(gaps[0], "s-1"), item(gaps[1], "s-2")]
        assert client.post(URL, small, format="json").json()["created"] == 2
    with django_assert_max_num_queries(10):
        large = [item(gaps[n % 5], f"l-{n}") for n in range(120)]
        assert client.post(URL, large, format="json").json()["created"] == 120


def test_pushing_to_a_closed_gap_can_flag_it_recurring(integration_user, make_gap):
    closed_at = timezone.now() - timedelta(days=30)
    gap = make_gap(status=S.CLOSED, closed_at=closed_at, root_cause="Old billing run.")
    before = [
        item(gap, f"b{n}", occurred_at=(closed_at - timedelta(days=n)).isoformat())
        for n in range(1, 10)
    ]
    client = client_for(integration_user)
    client.post(URL, before, format="json")
    client.post(
        URL,
        [item(gap, "a1", occurred_at=(closed_at + timedelta(days=1)).isoformat())],
        format="json",
    )
    gap.refresh_from_db()
    assert not gap.recurring  # one residual occurrence is normal
    after = [
        item(gap, f"a{n}", occurred_at=(closed_at + timedelta(days=n)).isoformat())
        for n in range(2, 6)
    ]
    client.post(URL, after, format="json")
    gap.refresh_from_db()
    assert gap.recurring


@pytest.mark.parametrize("who", ["owner_user", "exec_user"])
def test_only_integrations_and_the_cx_team_push(request, who, gap):
    response = client_for(request.getfixturevalue(who)).post(URL, item(gap, "T-1"), format="json")
    assert response.status_code == 403
    assert not Occurrence.objects.exists()


def test_tokens_push_with_the_occurrences_scope_only(integration_user, gap):
    writer, _ = token_client(integration_user, "occurrences:write")
    assert writer.post(URL, item(gap, "T-1"), format="json").status_code == 201
    assert writer.get(URL).status_code == 403  # reading needs gaps:read
    gaps_writer, _ = token_client(integration_user, "gaps:read", "gaps:write")
    response = gaps_writer.post(URL, item(gap, "T-2"), format="json")
    assert response.status_code == 403
    assert "occurrences:write" in response.json()["detail"]


# --- Reading ------------------------------------------------------------------------------


def test_list_filters_by_gap_source_and_window(exec_user, gap, make_gap):
    other = make_gap(title="Other")
    OccurrenceFactory(gap=gap, source="zendesk", occurred_at=timezone.now() - timedelta(days=10))
    OccurrenceFactory(gap=gap, source="survey", occurred_at=timezone.now() - timedelta(days=3))
    OccurrenceFactory(gap=other, source="zendesk", occurred_at=timezone.now() - timedelta(days=1))
    client = client_for(exec_user)

    def sources(query: str) -> list[tuple[int, str]]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [(row["gap"], row["source"]) for row in response.json()["results"]]

    assert sources("") == [(other.pk, "zendesk"), (gap.pk, "survey"), (gap.pk, "zendesk")]
    assert sources(f"?gap={gap.pk}") == [(gap.pk, "survey"), (gap.pk, "zendesk")]
    assert sources("?source=zendesk") == [(other.pk, "zendesk"), (gap.pk, "zendesk")]
    since = (timezone.localdate() - timedelta(days=5)).isoformat()
    until = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert sources(f"?occurred_after={since}&occurred_before={until}") == [(gap.pk, "survey")]
    response = client.get(URL + "?occurred_after=last-week")
    assert response.status_code == 400
    assert "occurred_after" in response.json()


def test_list_pages_by_cursor_with_fixed_queries(cx_user, gap, django_assert_max_num_queries):
    OccurrenceFactory.create_batch(3, gap=gap)
    client = client_for(cx_user)
    with django_assert_max_num_queries(4):
        first = client.get(URL + "?page_size=2").json()
    assert len(first["results"]) == 2
    assert len(client.get(first["next"]).json()["results"]) == 1
    OccurrenceFactory.create_batch(60, gap=gap)
    with django_assert_max_num_queries(4):
        assert len(client.get(URL + "?page_size=60").json()["results"]) == 60


def test_occurrences_are_out_of_reach_for_users_without_a_group(gap):
    from tests.factories import UserFactory

    OccurrenceFactory(gap=gap)
    assert client_for(UserFactory(username="stranger")).get(URL).json()["results"] == []
