"""The gap list's tools: saved views per person, and the CX team's bulk actions."""

import pytest
from django.urls import reverse

from gaps.models import GapEvent, SavedGapView
from gaps.models.gaps import GapStatus as S
from tests.factories import RoleFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def test_a_saved_view_is_the_persons_own_and_reopens_its_filters(client, cx_user, owner_user):
    client.force_login(cx_user)
    response = client.post(
        reverse("gaps:saved_view_save"),
        {"page_name": "list", "name": "Severe and open", "query": "status=open&severity=5"},
    )
    assert response.url == reverse("gaps:list") + "?status=open&severity=5"
    page = client.get(reverse("gaps:list")).content.decode()
    assert 'href="/gaps/?status=open&amp;severity=5">Severe and open</a>' in page
    refused = client.post(reverse("gaps:saved_view_save"), {"page_name": "list", "name": " "})
    assert refused.status_code == 302
    assert SavedGapView.objects.count() == 1
    # Someone else neither sees nor removes it.
    view = SavedGapView.objects.get()
    client.force_login(owner_user)
    assert "Severe and open" not in client.get(reverse("gaps:list")).content.decode()
    gone = client.post(reverse("gaps:saved_view_delete", args=[view.pk]))
    assert gone.status_code == 404
    assert SavedGapView.objects.filter(pk=view.pk).exists()


def test_bulk_actions_go_through_the_services_and_their_history(
    client, cx_user, owner_user, make_gap
):
    first, second = make_gap(title="First"), make_gap(title="Second")
    elsewhere = RoleFactory(name="Warehouse Manager")
    theme = ThemeFactory(name="Delivery time")
    url = reverse("gaps:bulk")
    client.force_login(cx_user)
    missing = client.post(url, {"gaps": [first.pk], "action": "reattribute"}, follow=True)
    assert "Choose the role the gaps are re-attributed to." in missing.content.decode()
    client.post(url, {"gaps": [first.pk, second.pk], "action": "add_theme", "theme": theme.pk})
    client.post(url, {"gaps": [first.pk], "action": "reattribute", "causing_role": elsewhere.pk})
    client.post(url, {"gaps": [second.pk], "action": "archive", "note": "Duplicate."})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.causing_role, first.causing_team) == (elsewhere, elsewhere.team)
    assert list(second.themes.all()) == [theme]
    assert second.status == S.ARCHIVED
    assert first.events.filter(kind=GapEvent.Kind.UPDATE, actor=cx_user).count() == 2
    assert second.events.filter(to_status=S.ARCHIVED, note="Duplicate.").exists()
    # Only the CX team.
    client.force_login(owner_user)
    assert client.post(url, {"gaps": [first.pk], "action": "archive"}).status_code == 403
