"""``/api/v1/occurrences/``: one object or a batch per POST, duplicates counted, invalid
batches stored not at all; the list with filters by cursor."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from gaps.models import Gap, GapEvent, Occurrence
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


def spread_batch(open_gaps, closed_gaps, size: int, prefix: str) -> list[dict]:
    """``size`` items: six to each closed gap (enough to flag it), the rest over the open ones."""
    since = timezone.now() - timedelta(days=1)
    batch = [
        item(gap, f"{prefix}-c{gap.pk}-{n}", occurred_at=since.isoformat())
        for gap in closed_gaps
        for n in range(6)
    ]
    batch += [
        item(open_gaps[n % len(open_gaps)], f"{prefix}-{n}", customer_ref=f"C-{n}")
        for n in range(size - len(batch))
    ]
    batch[-1]["touchpoint"] = open_gaps[0].touchpoint_id  # named touchpoints: same query
    return batch


def fresh_client(user) -> APIClient:
    """A client for a fresh copy of ``user``, as a real request has (no cached groups)."""
    return client_for(User.objects.get(pk=user.pk))


def test_a_bulk_post_runs_the_same_statements_at_10_and_500_items(
    integration_user, make_gap, django_assert_num_queries
):
    """The sender's groups (1), the referenced gaps and touchpoints (1), the insert (1), the
    recurring check: grouped counts, flag, history lines (3), the owners' notifications:
    owners, their preferences, the insert (3), and the test's savepoint (2). A token adds its
    look-up (and, once a minute, its last-used stamp)."""
    open_gaps = [make_gap(title=f"Open {n}") for n in range(60)]
    closed_at = timezone.now() - timedelta(days=30)
    closed = [
        make_gap(title=f"Closed {n}", status=S.CLOSED, closed_at=closed_at, root_cause="Old.")
        for n in range(4)
    ]
    client = fresh_client(integration_user)
    with django_assert_num_queries(11):
        response = client.post(URL, spread_batch(open_gaps, closed[:1], 10, "s"), format="json")
    assert response.json() == {"created": 10, "duplicates": 0}
    client = fresh_client(integration_user)
    with django_assert_num_queries(11):
        response = client.post(URL, spread_batch(open_gaps, closed[1:], 500, "l"), format="json")
    assert response.json() == {"created": 500, "duplicates": 0}
    assert set(Gap.objects.filter(recurring=True).values_list("pk", flat=True)) == {
        gap.pk for gap in closed
    }
    assert GapEvent.objects.filter(kind=GapEvent.Kind.RECURRING).count() == 4
    assert Occurrence.objects.filter(customer_ref="C-7").get().touchpoint == open_gaps[0].touchpoint


def test_a_bulk_post_of_duplicates_only_writes_nothing(
    integration_user, make_gap, django_assert_num_queries
):
    gaps = [make_gap(title=f"Gap {n}") for n in range(3)]
    batch = [item(gaps[n % 3], f"d-{n}") for n in range(200)]
    client = fresh_client(integration_user)
    assert client.post(URL, batch[:150], format="json").json() == {
        "created": 150,
        "duplicates": 0,
    }
    # Against the table and within the batch: 150 stored already, 50 new, 20 sent twice.
    client = fresh_client(integration_user)
    with django_assert_num_queries(5):  # groups, gaps, savepoint, insert, release
        response = client.post(URL, batch + batch[-20:], format="json")
    assert (response.status_code, response.json()) == (201, {"created": 50, "duplicates": 170})
    assert Occurrence.objects.count() == 200


def test_a_large_batch_names_every_bad_index_and_stores_nothing(cx_user, gap, touchpoint):
    """Errors come from the serializer, worded as for one item, wherever they sit."""
    batch = [item(gap, f"ok-{n}", touchpoint=touchpoint.pk) for n in range(1_000)]
    batch[250] = item(999_999, "bad-250")
    batch[500] = item(True, "bad-500")
    batch[750] = item(gap, "x" * 201)
    batch[998] = item(gap, "bad-998", touchpoint=999_999, source="s" * 61)
    batch[999] = item(gap, "bad-999", occurred_at="2026-02-30T10:00:00Z")
    response = client_for(cx_user).post(URL, batch, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "5 of 1000 occurrences are invalid; nothing was stored."
    errors = {entry["index"]: entry["errors"] for entry in body["items"]}
    assert list(errors) == [250, 500, 750, 998, 999]
    assert errors[250] == {"gap": ["No gap with id 999999."]}
    assert errors[500] == {"gap": ["A valid integer is required."]}
    assert errors[750] == {"external_id": ["Ensure this field has no more than 200 characters."]}
    assert errors[998] == {"source": ["Ensure this field has no more than 60 characters."]}
    assert "wrong format" in errors[999]["occurred_at"][0]
    assert not Occurrence.objects.exists()


def test_items_the_quick_check_passes_on_are_read_as_the_serializer_reads_them(cx_user, gap):
    batch = [
        item(gap, "plain"),
        item(gap, " padded ", source=" zendesk ", occurred_at="2026-03-01T10:00:00"),
        item(gap, "offset", occurred_at="2026-03-01T12:00:00+02:00", touchpoint=None),
        item(gap, "unicode", customer_ref="Zoë Ångström"),
    ]
    response = client_for(cx_user).post(URL, batch, format="json")
    assert response.json() == {"created": 4, "duplicates": 0}
    stored = {row.external_id: row for row in Occurrence.objects.all()}
    assert set(stored) == {"plain", "padded", "offset", "unicode"}
    assert stored["padded"].source == "zendesk"
    assert {row.occurred_at.isoformat() for row in stored.values()} == {"2026-03-01T10:00:00+00:00"}
    assert stored["unicode"].customer_ref == "Zoë Ångström"


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


def test_ids_with_quotes_braces_and_commas_are_stored_as_sent(integration_user, gap):
    """The batch travels as SQL arrays: their quoting must not bend any text."""
    odd = ['T-"1"', "T-{2},3", "T\\4", "T 'five'", "NULL", "Zoë ✓"]
    batch = [item(gap, external_id, customer_ref=external_id) for external_id in odd]
    client = client_for(integration_user)
    assert client.post(URL, batch, format="json").json() == {"created": 6, "duplicates": 0}
    assert sorted(Occurrence.objects.values_list("external_id", "customer_ref")) == sorted(
        (external_id, external_id) for external_id in odd
    )
    assert client.post(URL, batch, format="json").json() == {"created": 0, "duplicates": 6}
