"""Bad occurrence batches are a clear 400 naming each bad item, never a 500, and store nothing.

Batches mixing plain items with items of wrong types, huge numbers, old or future or naive
times, missing and unknown fields, unknown gaps and touchpoints (Hypothesis), and raw bodies
the JSON decoder itself has to judge.
"""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaps.api.serializers import OCCURRENCE_BATCH_LIMIT
from gaps.models import MAX_ID, Occurrence
from tests.gaps.api_support import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/occurrences/"
UNKNOWN_ID = 987_654


def recent(minutes: int) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


# What a plain item carries; ``None`` in a strategy's draw of a key below means "leave it out".
PLAIN = {"occurred_at": "2026-03-01T10:00:00Z", "source": "desk"}
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
IDS = st.one_of(st.sampled_from(["GAP", "TOUCHPOINT", UNKNOWN_ID, 0, -1, MAX_ID + 1]), JUNK)
TIMES = st.one_of(
    st.sampled_from(
        [
            "2026-03-01T10:00:00Z",
            "2026-03-01T10:00:00",  # naive: the current time zone's
            "2026-03-01T12:00:00+02:00",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:59:59-01:00",
            "2026-02-30T10:00:00Z",
            "yesterday",
            "FUTURE",
        ]
    ),
    JUNK,
)
TEXTS = st.one_of(
    st.sampled_from(["desk", "", "   ", " padded ", "s" * 61, "x" * 201, "nul\x00", "Zoë"]),
    JUNK,
)


@st.composite
def fuzzed_item(draw) -> object:
    """An item with some fields swapped for odd values, left out, or an unknown one added."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JUNK)  # not an object at all
    item: dict[str, object] = {"gap": "GAP", **PLAIN}
    for field, values in (
        ("gap", IDS),
        ("touchpoint", IDS),
        ("occurred_at", TIMES),
        ("source", TEXTS),
        ("external_id", TEXTS),
        ("customer_ref", TEXTS),
    ):
        action = draw(st.sampled_from(["keep", "keep", "change", "drop"]))
        if action == "change":
            item[field] = draw(values)
        elif action == "drop":
            item.pop(field, None)
    if draw(st.booleans()) and draw(st.booleans()):
        item[draw(st.sampled_from(["colour", "id", "recorded_at", ""]))] = draw(JUNK)
    return item


def resolved(value, gap, touchpoint):
    """Placeholders drawn above, as the objects of this test's database."""
    if isinstance(value, list):
        return [resolved(v, gap, touchpoint) for v in value]
    if isinstance(value, dict):
        return {k: resolved(v, gap, touchpoint) for k, v in value.items()}
    return (
        {
            "GAP": gap.pk,
            "TOUCHPOINT": touchpoint.pk,
            "FUTURE": (timezone.now() + timedelta(days=3)).isoformat(),
        }.get(value, value)
        if isinstance(value, str)
        else value
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plain_count=st.integers(0, 4),
    fuzzed=st.lists(fuzzed_item(), min_size=0, max_size=6),
    seed=st.randoms(use_true_random=False),
)
def test_any_batch_is_stored_whole_or_refused_with_each_bad_index(
    integration_user, gap, touchpoint, plain_count, fuzzed, seed
):
    client, _ = token_client(integration_user, "occurrences:write")
    plain = [
        {"gap": gap.pk, "occurred_at": recent(n), "source": "desk", "external_id": f"p{n}"}
        for n in range(plain_count)
    ]
    batch = plain + [resolved(item, gap, touchpoint) for item in fuzzed]
    seed.shuffle(batch)
    with transaction.atomic():
        stored_before = Occurrence.objects.count()
        response = client.post(URL, json.dumps(batch), content_type="application/json")
        stored = Occurrence.objects.count() - stored_before
        transaction.set_rollback(True)

    assert response.status_code in (200, 201, 400), (response.status_code, batch)
    body = response.json()
    if response.status_code == 400:
        assert stored == 0
        if not batch:
            assert "The list is empty." in str(body)
            return
        indexes = [entry["index"] for entry in body["items"]]
        assert indexes == sorted(set(indexes))
        assert all(0 <= i < len(batch) for i in indexes)
        assert f"{len(indexes)} of {len(batch)} occurrences are invalid" in body["detail"]
        for entry in body["items"]:
            assert entry["errors"], entry
            for messages in entry["errors"].values():
                assert messages
                assert all(isinstance(m, str) and m for m in messages)
        # Plain items are never the ones blamed.
        plain_at = {i for i, item in enumerate(batch) if item in plain}
        assert not plain_at & set(indexes)
    else:
        assert body["created"] + body["duplicates"] == len(batch)
        assert stored == body["created"]
    if not fuzzed and batch:
        assert response.status_code == 201  # nothing odd sent: everything stored


def raw_item(gap_id: int, **replaced: str) -> str:
    """One item's JSON text, with some values given as raw JSON text."""
    fields = {
        "gap": str(gap_id),
        "occurred_at": json.dumps(recent(5)),
        "source": '"desk"',
        "external_id": '"T-1"',
    }
    fields.update(replaced)
    return "{" + ", ".join(f'"{key}": {value}' for key, value in fields.items()) + "}"


@pytest.mark.parametrize(
    ("replaced", "field", "message"),
    [
        ({"gap": "1e400"}, "gap", "A valid integer is required."),
        ({"gap": "-1e400"}, "gap", "A valid integer is required."),
        ({"gap": "123456789012345678901234567890"}, "gap", "less than or equal to"),
        ({"gap": "9223372036854775808"}, "gap", "less than or equal to"),
        ({"gap": "1.5"}, "gap", "A valid integer is required."),
        ({"gap": '"7"'}, "gap", "A valid integer is required."),
        ({"touchpoint": "1e30"}, "touchpoint", "A valid integer is required."),
        ({"source": '"\\ud800"'}, "source", "Surrogate characters are not allowed"),
        ({"occurred_at": "1e400"}, "occurred_at", "wrong format"),
        ({"occurred_at": '"1900-01-01T00:00:00Z"'}, "occurred_at", "from 1970 on"),
        ({"external_id": "null"}, "external_id", "may not be null"),
    ],
)
def test_odd_json_values_are_field_errors_of_their_item(
    integration_user, gap, replaced, field, message
):
    client, _ = token_client(integration_user, "occurrences:write")
    good = raw_item(gap.pk, external_id='"ok"')
    body = f"[{good}, {raw_item(gap.pk, **replaced)}]"
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.json()
    [entry] = response.json()["items"]
    assert entry["index"] == 1
    assert message in entry["errors"][field][0]
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["[NaN]", '[{"gap": Infinity}]', "[1,]", '{"gap": 1', "\ufeff[]", '[{"gap": 1}] x'],
)
def test_bodies_the_decoder_refuses_are_parse_errors(integration_user, raw):
    client, _ = token_client(integration_user, "occurrences:write")
    response = client.post(URL, raw.encode(), content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_the_limit_is_exact_and_a_missing_gap_is_named(integration_user, gap):
    client, _ = token_client(integration_user, "occurrences:write")
    at = recent(5)
    full = [
        {"gap": gap.pk, "occurred_at": at, "source": "desk", "external_id": f"n{n}"}
        for n in range(OCCURRENCE_BATCH_LIMIT)
    ]
    over = client.post(URL, [*full, full[0]], format="json")
    assert over.status_code == 400
    assert not Occurrence.objects.exists()
    missing = [{key: value for key, value in item.items() if key != "gap"} for item in full[:3]]
    response = client.post(URL, [full[0], *missing], format="json")
    assert response.status_code == 400
    assert [e["index"] for e in response.json()["items"]] == [1, 2, 3]
    assert response.json()["items"][0]["errors"] == {"gap": ["This field is required."]}
    response = client.post(URL, full, format="json")
    assert (response.status_code, response.json()) == (201, {"created": 5000, "duplicates": 0})


def test_a_null_item_is_an_error_of_the_item_as_a_whole(integration_user, gap):
    client, _ = token_client(integration_user, "occurrences:write")
    response = client.post(URL, "[null]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["items"] == [
        {"index": 0, "errors": {"non_field_errors": ["This field may not be null."]}}
    ]


def test_a_token_without_the_push_scope_is_403_before_the_body_is_read(integration_user, gap):
    client, _ = token_client(integration_user, "gaps:read", "gaps:write")
    response = client.post(URL, "[NaN, {oops", content_type="application/json")
    assert response.status_code == 403
    assert "occurrences:write" in response.json()["detail"]
