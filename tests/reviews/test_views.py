"""The change-review pages, the overdue flag (feed page and digest) and the assessed signal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gaps.digests import digests_send, registered_sections
from insights.models import Insight
from reviews import services
from reviews.digest import overdue_reviews_section
from reviews.models import ChangeReview, ReviewMatch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _review(role, author, *, days: int = 10, **extra) -> ChangeReview:
    return services.review_create(
        actor=author,
        title=extra.pop("title", "Paper invoice fee"),
        description="Paper invoices carry a handling fee shown on the invoice only.",
        launch_on=timezone.localdate() + timedelta(days=days),
        role=role,
        **extra,
    )


def test_the_owner_drafts_assesses_and_decides_in_the_browser(client, review_org, owner_user):
    client.force_login(owner_user)
    answer = client.post(
        "/reviews/new/",
        {
            "title": "Paper invoice fee",
            "description": "Customers on paper invoices pay a fee that appears on the bill only.",
            "launch_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
            "role": review_org.billing_ops.pk,
            "themes": [review_org.invoice_clarity.pk],
        },
    )
    review = ChangeReview.objects.get()
    assert answer.status_code == 302
    assert answer.url == review.get_absolute_url()
    assert client.post(f"/reviews/{review.pk}/assess/").status_code == 302
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Surprise fee on the invoice" in page
    assert "Costs 300.00 a month" in page
    assert "Basis: 15.00 a month" in page
    match = ReviewMatch.objects.get(review=review, gap=review_org.fee_gap)
    # A decision without a note is refused beside the field; nothing is decided.
    refused = client.post(
        f"/reviews/{review.pk}/decide/", {"outcome": "adjusted", f"prevent_{match.pk}": "on"}
    )
    assert refused.status_code == 200
    assert "Say what changed in the plan." in refused.content.decode()
    assert ChangeReview.objects.get().status == "assessed"
    done = client.post(
        f"/reviews/{review.pk}/decide/",
        {
            "outcome": "adjusted",
            "note": "Shown at checkout.",
            f"prevent_{match.pk}": "on",
            f"expected_{match.pk}": "9.5",
        },
    )
    assert done.status_code == 302
    match.refresh_from_db()
    assert str(match.prevented_gap.expected_monthly_occurrences) == "9.50"


def test_a_form_error_shows_beside_the_field(client, review_org, owner_user):
    client.force_login(owner_user)
    answer = client.post("/reviews/new/", {"title": "", "role": review_org.billing_ops.pk})
    assert answer.status_code == 200
    assert "This field is required." in answer.content.decode()
    assert not ChangeReview.objects.exists()


def test_the_cx_team_reads_the_queue_but_writes_nothing(
    client, review_org, owner_user, other_owner, cx_user, django_assert_max_num_queries
):
    for n in range(4):
        _review(review_org.billing_ops, owner_user, title=f"Billing change {n}")
    _review(review_org.dispatch, other_owner, title="Dispatch change", days=-2)
    client.force_login(cx_user)
    with django_assert_max_num_queries(12):
        page = client.get("/reviews/").content.decode()
    assert "Change review queue" in page
    assert page.count("data-review=") == 5
    assert "past launch" in page  # the overdue dispatch change is flagged
    review = ChangeReview.objects.filter(role=review_org.billing_ops).first()
    assert client.get(review.get_absolute_url()).status_code == 200
    assert client.post(f"/reviews/{review.pk}/assess/").status_code == 403
    assert ChangeReview.objects.get(pk=review.pk).status == "draft"
    assert client.get("/reviews/new/").status_code == 403


def test_owners_see_only_their_roles_reviews(client, review_org, owner_user, other_owner):
    mine = _review(review_org.billing_ops, owner_user)
    theirs = _review(review_org.dispatch, other_owner, title="Dispatch change")
    client.force_login(owner_user)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert "Dispatch change" not in client.get("/reviews/").content.decode()


def test_no_role_owned_no_review(client, review_org):
    stranger = UserFactory(username="sam", groups=["role_owner"])
    client.force_login(stranger)
    assert client.get("/reviews/new/").status_code == 403


def test_the_page_says_so_when_matching_falls_back_to_words(
    client, review_org, owner_user, settings
):
    settings.CXALIGN_MATCH_BY_MEANING = False
    review = _review(review_org.billing_ops, owner_user)
    client.force_login(owner_user)
    client.post(f"/reviews/{review.pk}/assess/")
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Matching by shared words only" in page
    assert ChangeReview.objects.get().match_method == "words"


def test_overdue_reviews_are_flagged_in_the_owners_feed(client, review_org, owner_user):
    overdue = _review(review_org.billing_ops, owner_user, days=-3, title="Late fee wording")
    _review(review_org.billing_ops, owner_user, days=5, title="Not yet due")
    Insight.objects.create(title="x", finding="y", kind="expectation")
    client.force_login(owner_user)
    page = client.get(f"/insights/feed/{review_org.billing_ops.pk}/").content.decode()
    assert "Change reviews past launch without a decision" in page
    assert overdue.title in page
    assert "Not yet due" not in page


def test_overdue_reviews_are_in_the_daily_digest_until_decided(review_org, owner_user, mailoutbox):
    assert registered_sections()["overdue_reviews"] is overdue_reviews_section
    review = _review(review_org.billing_ops, owner_user, days=-3, title="Late fee wording")
    today = timezone.localdate()
    assert digests_send(day=today) == 1
    assert "Change reviews past launch (1)" in mailoutbox[0].body
    assert "Late fee wording (Billing Operations)" in mailoutbox[0].body
    services.review_decide(review=review, actor=owner_user, outcome="withdrawn")
    assert digests_send(day=today + timedelta(days=1)) == 0


def test_owners_are_told_once_when_a_review_passes_launch_undecided(
    review_org, owner_user, other_owner
):
    from notifications.models import Notification, NotificationKind, NotificationPreference

    due = _review(review_org.billing_ops, owner_user, days=-1, title="Late fee wording")
    _review(review_org.billing_ops, owner_user, days=2, title="Not yet due")
    decided = _review(review_org.billing_ops, owner_user, days=-4, title="Already withdrawn")
    services.review_decide(review=decided, actor=owner_user, outcome="withdrawn")

    assert services.reviews_notify_due() == 1
    (told,) = Notification.objects.filter(kind=NotificationKind.REVIEW_DUE)
    assert told.recipient == owner_user
    assert "Late fee wording" in told.title
    assert told.url == due.get_absolute_url()
    assert services.reviews_notify_due() == 0  # once, not every day
    assert Notification.objects.filter(kind=NotificationKind.REVIEW_DUE).count() == 1

    # Who chose "neither" for reviews due hears nothing, in the app or the digest.
    NotificationPreference.objects.create(
        user=other_owner, kind=NotificationKind.REVIEW_DUE, delivery="none"
    )
    review_org.dispatch.owners.add(other_owner)
    _review(review_org.dispatch, other_owner, days=-2, title="Batching policy")
    assert services.reviews_notify_due() == 1
    assert not Notification.objects.filter(recipient=other_owner).exists()
    assert overdue_reviews_section(other_owner, None, timezone.now()) is None


def test_assessing_tells_the_webhooks_once_committed(
    review_org, owner_user, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, review, **kwargs):
        heard.append(review.pk)

    services.change_review_assessed.connect(listen)
    try:
        review = _review(review_org.billing_ops, owner_user)
        with django_capture_on_commit_callbacks(execute=True):
            services.review_assess(review=review, actor=owner_user)
    finally:
        services.change_review_assessed.disconnect(listen)
    assert heard == [review.pk]
