"""The conversation on a gap: who may comment, mentions, the edit window, deletion by an
administrator only, and the page and API that expose it."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gaps import comments
from gaps.models import GapComment, GapEvent
from notifications.models import Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- services ------------------------------------------------------------------------------


def test_a_mention_tells_the_mentioned_person_once(gap, cx_user, owner_user, other_owner):
    comment = comments.comment_create(
        gap=gap,
        author=cx_user,
        body="@oskar could you check this with @olga? Also @oskar. And @nobody, mail@olga.",
    )
    assert set(comment.mentions.values_list("username", flat=True)) == {"oskar", "olga"}
    told = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["olga", "oskar"]
    note = told.get(recipient=owner_user)
    assert note.url == f"/gaps/{gap.pk}/#comment-{comment.pk}"
    assert note.actor == cx_user
    assert "mentioned you on gap" in note.title


def test_mentioning_oneself_or_someone_without_access_tells_nobody(gap, cx_user):
    UserFactory(username="stranger")  # in no cxalign group: cannot see gaps
    comments.comment_create(gap=gap, author=cx_user, body="@carla note to self; @stranger")
    assert not Notification.objects.exists()


def test_a_role_owner_comments_on_a_gap_of_another_role(gap, other_owner):
    """Commenting changes nothing about the gap: anyone who sees it and writes may comment."""
    comment = comments.comment_create(gap=gap, author=other_owner, body="We see this too.")
    assert comment.gap == gap


def test_executives_read_only(gap, exec_user):
    with pytest.raises(PermissionDenied):
        comments.comment_create(gap=gap, author=exec_user, body="Looks bad.")


def test_an_empty_comment_is_refused_beside_the_field(gap, cx_user):
    with pytest.raises(ValidationError) as error:
        comments.comment_create(gap=gap, author=cx_user, body="   ")
    assert "body" in error.value.message_dict


def test_the_author_edits_within_the_window_and_new_mentions_are_told(
    gap, cx_user, owner_user, other_owner
):
    comment = comments.comment_create(gap=gap, author=cx_user, body="@oskar see this")
    comments.comment_edit(comment=comment, actor=cx_user, body="@oskar and @olga, see this")
    comment.refresh_from_db()
    assert comment.edited_at is not None
    assert Notification.objects.filter(recipient=owner_user).count() == 1  # not told twice
    assert Notification.objects.filter(recipient=other_owner).count() == 1


def test_nobody_else_edits_and_nobody_edits_after_the_window(gap, cx_user, owner_user, settings):
    comment = comments.comment_create(gap=gap, author=cx_user, body="First.")
    with pytest.raises(PermissionDenied):
        comments.comment_edit(comment=comment, actor=owner_user, body="Changed.")
    GapComment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.CXALIGN_COMMENT_EDIT_MINUTES + 1)
    )
    comment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        comments.comment_edit(comment=comment, actor=cx_user, body="Too late.")


def test_only_an_administrator_deletes_and_the_history_says_so(gap, cx_user):
    comment = comments.comment_create(gap=gap, author=cx_user, body="Oops.")
    with pytest.raises(PermissionDenied):
        comments.comment_delete(comment=comment, actor=cx_user)
    admin = UserFactory(username="root")
    admin.is_superuser = True
    admin.save()
    comments.comment_delete(comment=comment, actor=admin)
    assert not GapComment.objects.exists()
    trace = GapEvent.objects.get(gap=gap, kind=GapEvent.Kind.COMMENT_DELETED)
    assert trace.actor == admin
    assert "by carla" in trace.note
    assert LogEntry.objects.filter(
        content_type__model="gapcomment", action=LogEntry.Action.DELETE
    ).exists()


def test_the_admin_deletes_through_the_service(gap, cx_user, rf: RequestFactory):
    comment = comments.comment_create(gap=gap, author=cx_user, body="Spam.")
    admin = UserFactory(username="root")
    admin.is_superuser = True
    request = rf.post("/")
    request.user = admin
    site._registry[GapComment].delete_queryset(request, GapComment.objects.all())
    assert GapEvent.objects.filter(kind=GapEvent.Kind.COMMENT_DELETED).count() == 1
    assert not GapComment.objects.filter(pk=comment.pk).exists()


# --- pages ---------------------------------------------------------------------------------


def test_the_page_form_posts_and_returns_to_the_comment(client, gap, owner_user):
    client.force_login(owner_user)
    response = client.post(reverse("gaps:comment", args=[gap.pk]), {"body": "On it @carla"})
    comment = GapComment.objects.get()
    assert response.status_code == 302
    assert response.url == comment.get_absolute_url()
    page = client.get(reverse("gaps:detail", args=[gap.pk])).content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert "On it @carla" in page


def test_htmx_gets_the_new_comment_and_a_fresh_form(client, gap, cx_user):
    client.force_login(cx_user)
    response = client.post(
        reverse("gaps:comment", args=[gap.pk]), {"body": "Via htmx"}, headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    assert 'class="comment"' in text
    assert "Via htmx" in text
    assert 'hx-swap-oob="true"' in text


def test_an_empty_comment_shows_the_error_beside_the_field(client, gap, cx_user):
    client.force_login(cx_user)
    response = client.post(reverse("gaps:comment", args=[gap.pk]), {"body": ""})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not GapComment.objects.exists()


def test_an_executive_posting_a_comment_is_refused(client, gap, exec_user):
    client.force_login(exec_user)
    page = client.get(reverse("gaps:detail", args=[gap.pk])).content.decode()
    assert 'id="comment-form"' not in page
    response = client.post(reverse("gaps:comment", args=[gap.pk]), {"body": "Hi"})
    assert response.status_code == 403


def test_someone_who_cannot_see_the_gap_gets_404(client, gap):
    client.force_login(UserFactory(username="stranger"))
    response = client.post(reverse("gaps:comment", args=[gap.pk]), {"body": "Hi"})
    assert response.status_code == 404


def test_the_edit_page_is_for_the_author_only(client, gap, cx_user, owner_user):
    comment = comments.comment_create(gap=gap, author=cx_user, body="Draft.")
    url = reverse("gaps:comment_edit", args=[gap.pk, comment.pk])
    client.force_login(owner_user)
    assert client.get(url).status_code == 403
    client.force_login(cx_user)
    assert client.post(url, {"body": "Final."}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Final."


def test_the_gap_page_reads_comments_in_a_fixed_number_of_queries(
    client, gap, cx_user, owner_user, django_assert_max_num_queries
):
    client.force_login(cx_user)
    client.get(reverse("gaps:detail", args=[gap.pk]))
    for n in range(2):
        comments.comment_create(gap=gap, author=owner_user, body=f"Note {n} @carla")
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("gaps:detail", args=[gap.pk]))
    for n in range(10):
        comments.comment_create(gap=gap, author=cx_user, body=f"More {n} @oskar")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("gaps:detail", args=[gap.pk]))


# --- API -----------------------------------------------------------------------------------


def test_api_lists_and_creates_comments(gap, cx_user, owner_user):
    url = f"/api/v1/gaps/{gap.pk}/comments/"
    created = api_for(owner_user).post(url, {"body": "Fixing @carla"}, format="json")
    assert created.status_code == 201
    assert created.json()["author"] == "oskar"
    assert created.json()["mentions"] == ["carla"]
    listed = api_for(cx_user).get(url)
    assert listed.status_code == 200
    assert [c["body"] for c in listed.json()["results"]] == ["Fixing @carla"]


def test_api_refuses_bad_input_and_unknown_keys_with_400(gap, cx_user):
    url = f"/api/v1/gaps/{gap.pk}/comments/"
    assert "body" in api_for(cx_user).post(url, {"body": " "}, format="json").json()
    response = api_for(cx_user).post(url, {"body": "x", "author": "olga"}, format="json")
    assert response.status_code == 400


def test_api_patch_by_the_author_within_the_window_only(gap, cx_user, owner_user, settings):
    comment = comments.comment_create(gap=gap, author=cx_user, body="Typo hre.")
    url = f"/api/v1/gaps/{gap.pk}/comments/{comment.pk}/"
    assert api_for(owner_user).patch(url, {"body": "x"}, format="json").status_code == 403
    fixed = api_for(cx_user).patch(url, {"body": "Typo here."}, format="json")
    assert fixed.status_code == 200
    assert fixed.json()["body"] == "Typo here."
    settings.CXALIGN_COMMENT_EDIT_MINUTES = 0
    assert api_for(cx_user).patch(url, {"body": "Later."}, format="json").status_code == 403


def test_api_executive_reads_but_does_not_comment(gap, exec_user):
    url = f"/api/v1/gaps/{gap.pk}/comments/"
    assert api_for(exec_user).get(url).status_code == 200
    assert api_for(exec_user).post(url, {"body": "Hi"}, format="json").status_code == 403


def test_api_unknown_gap_or_comment_is_404(gap, cx_user):
    assert api_for(cx_user).get("/api/v1/gaps/999999/comments/").status_code == 404
    response = api_for(cx_user).patch(
        f"/api/v1/gaps/{gap.pk}/comments/999999/", {"body": "x"}, format="json"
    )
    assert response.status_code == 404


def test_api_comment_list_runs_a_fixed_number_of_queries(
    gap, cx_user, owner_user, django_assert_max_num_queries
):
    url = f"/api/v1/gaps/{gap.pk}/comments/"
    client = api_for(cx_user)
    comments.comment_create(gap=gap, author=owner_user, body="One @carla")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(10):
        comments.comment_create(gap=gap, author=owner_user, body=f"More {n} @carla")
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(url).json()["results"]) == 11
