"""Notifications: preferences per kind decide bell and digest; batches cost a fixed number
of queries; marking read one by one or all; the pages."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gaps.digests import digest_send
from notifications import selectors, services
from notifications.models import Delivery, Notification, NotificationKind
from notifications.services import Draft, notify, notify_many
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MENTION = NotificationKind.MENTION


def test_by_default_a_notification_shows_under_the_bell_and_in_the_digest(owner_user):
    [note] = notify(recipients=[owner_user], kind=MENTION, title="Hi", url="/gaps/1/")
    assert (note.in_app, note.in_digest) == (True, True)
    assert selectors.unread_count(owner_user) == 1


@pytest.mark.parametrize(
    ("delivery", "in_app", "in_digest"),
    [
        (Delivery.APP, True, False),
        (Delivery.DIGEST, False, True),
        (Delivery.BOTH, True, True),
    ],
)
def test_the_preference_decides_where_it_goes(owner_user, delivery, in_app, in_digest):
    services.preferences_set(user=owner_user, choices={MENTION: delivery})
    [note] = notify(recipients=[owner_user], kind=MENTION, title="Hi")
    assert (note.in_app, note.in_digest) == (in_app, in_digest)
    assert selectors.unread_count(owner_user) == int(in_app)


def test_neither_writes_nothing_and_other_kinds_are_unaffected(owner_user):
    services.preferences_set(user=owner_user, choices={MENTION: Delivery.NONE})
    assert notify(recipients=[owner_user], kind=MENTION, title="Hi") == []
    assert len(notify(recipients=[owner_user], kind=NotificationKind.REVIEW_DUE, title="R")) == 1


def test_nobody_is_told_of_their_own_doing_and_each_recipient_once(owner_user, cx_user):
    notify(recipients=[owner_user, cx_user, owner_user.pk], kind=MENTION, title="x", actor=cx_user)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["oskar"]


def test_unknown_preference_values_are_refused(owner_user):
    with pytest.raises(ValueError, match="sometimes"):
        services.preferences_set(user=owner_user, choices={MENTION: "sometimes"})


def test_a_batch_costs_the_same_queries_for_3_and_300_people(django_assert_num_queries):
    people = [UserFactory(username=f"p{n}") for n in range(300)]
    services.preferences_set(user=people[0], choices={MENTION: Delivery.NONE})
    for size in (3, 300):
        drafts = [
            Draft(recipient_id=p.pk, kind=kind, title="t")
            for p in people[:size]
            for kind in (MENTION, NotificationKind.FEED_ITEM)
        ]
        # the preferences (1) and the insert (1)
        with django_assert_num_queries(2):
            notify_many(drafts)
    assert Notification.objects.filter(recipient=people[0], kind=MENTION).count() == 0


def test_marking_read_one_by_one_and_all(owner_user, other_owner):
    first, *_others = (
        notify(recipients=[owner_user], kind=MENTION, title=f"n{n}")[0] for n in range(3)
    )
    [theirs] = notify(recipients=[other_owner], kind=MENTION, title="theirs")
    assert services.notification_mark_read(user=owner_user, notification_id=first.pk)
    assert not services.notification_mark_read(user=owner_user, notification_id=theirs.pk)
    assert selectors.unread_count(owner_user) == 2
    assert services.notifications_mark_all_read(user=owner_user) == 2
    assert selectors.unread_count(owner_user) == 0
    assert selectors.unread_count(other_owner) == 1


def test_digest_carries_mentions_only_for_those_who_want_them(owner_user, other_owner):
    services.preferences_set(user=other_owner, choices={MENTION: Delivery.APP})
    notify(recipients=[owner_user, other_owner], kind=MENTION, title="Carla mentioned you")
    today = timezone.localdate()
    assert digest_send(user=owner_user, day=today)
    assert not digest_send(user=other_owner, day=today)
    assert len(mail.outbox) == 1
    assert "Carla mentioned you" in mail.outbox[0].body


def test_feed_digest_section_follows_the_feed_item_preference(owner_user):
    from insights.digest import feed_section
    from tests.factories import RoleFactory

    RoleFactory(owners=[owner_user])
    services.preferences_set(user=owner_user, choices={NotificationKind.FEED_ITEM: "app"})
    assert feed_section(owner_user, None, timezone.now()) is None


# --- pages ---------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_and_the_list_page_lists(client, owner_user):
    notify(recipients=[owner_user], kind=MENTION, title="Look at gap 7", url="/gaps/7/")
    client.force_login(owner_user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'class="badge bell-count" data-count="1"' in page
    assert "Look at gap 7" in page


def test_opening_a_notification_marks_it_read_and_goes_there(client, owner_user):
    [note] = notify(recipients=[owner_user], kind=MENTION, title="x", url="/gaps/7/")
    client.force_login(owner_user)
    response = client.post(reverse("notifications:read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response.url == "/gaps/7/"
    note.refresh_from_db()
    assert note.is_read


def test_an_offsite_url_is_never_followed(client, owner_user):
    [note] = notify(recipients=[owner_user], kind=MENTION, title="x", url="https://evil.example/")
    client.force_login(owner_user)
    response = client.post(reverse("notifications:read", args=[note.pk]), {"open": "1"})
    assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_404(client, owner_user, other_owner):
    [note] = notify(recipients=[other_owner], kind=MENTION, title="x")
    client.force_login(owner_user)
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404


def test_htmx_mark_read_returns_the_item(client, owner_user):
    [note] = notify(recipients=[owner_user], kind=MENTION, title="x")
    client.force_login(owner_user)
    response = client.post(
        reverse("notifications:read", args=[note.pk]), headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert f'id="notification-{note.pk}"' in text
    assert "unread" not in text


def test_mark_all_read_page(client, owner_user):
    notify(recipients=[owner_user], kind=MENTION, title="a")
    notify(recipients=[owner_user], kind=MENTION, title="b")
    client.force_login(owner_user)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "2 notifications marked read." in response.content.decode()
    assert selectors.unread_count(owner_user) == 0


def test_preferences_page_saves_and_refuses_bad_values(client, owner_user):
    client.force_login(owner_user)
    choices = {kind: "both" for kind in NotificationKind.values}
    response = client.post(reverse("notifications:preferences"), {**choices, "mention": "digest"})
    assert response.status_code == 302
    assert selectors.preferences_of(owner_user)[MENTION] == Delivery.DIGEST
    bad = client.post(reverse("notifications:preferences"), {**choices, "mention": "often"})
    assert bad.status_code == 400
    assert "field-error" in bad.content.decode()


def test_list_page_runs_a_fixed_number_of_queries(
    client, owner_user, cx_user, django_assert_max_num_queries
):
    client.force_login(owner_user)
    notify(recipients=[owner_user], kind=MENTION, title="one", actor=cx_user)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("notifications:list"))
    for n in range(20):
        notify(recipients=[owner_user], kind=MENTION, title=f"n{n}", actor=UserFactory())
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("notifications:list"))
