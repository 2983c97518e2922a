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


def test_select_all_changes_every_gap_the_filters_match_not_only_the_page(
    client, cx_user, make_gap
):
    theme = ThemeFactory(name="Invoice clarity")
    matching = [make_gap(title=f"Invoice {n}", severity=5) for n in range(30)]
    other = make_gap(title="Parcel in the rain", severity=2)
    client.force_login(cx_user)
    page = client.get(reverse("gaps:list") + "?severity=5").content.decode()
    assert "Apply to all 30 matching" in page
    assert 'data-confirm="Apply this to all 30 gaps the filters match, not only the 25 shown?"' in (
        page
    )
    post = {"scope": "all", "query": "severity=5", "action": "add_theme", "theme": theme.pk}
    # The list changed since the person confirmed 29: nothing happens, and they are told.
    stale = client.post(reverse("gaps:bulk"), {**post, "expected": 29}, follow=True)
    assert "The filters now match 30 gaps, not the 29 you confirmed" in stale.content.decode()
    assert not theme.gaps.exists()
    done = client.post(reverse("gaps:bulk"), {**post, "expected": 30}, follow=True)
    assert "30 gaps changed." in done.content.decode()
    assert set(theme.gaps.all()) == set(matching)
    assert other not in theme.gaps.all()
    bad = client.post(reverse("gaps:bulk"), {**post, "query": "severity=9", "expected": 0})
    assert bad.status_code == 302
    assert theme.gaps.count() == 30


def test_bulk_skips_each_gap_the_service_refuses_and_says_why(client, cx_user, make_gap):
    live = make_gap(title="Live one")
    archived = make_gap(title="Archived one")
    client.force_login(cx_user)
    client.post(reverse("gaps:bulk"), {"gaps": [archived.pk], "action": "archive"})
    archived.refresh_from_db()
    assert archived.status == S.ARCHIVED
    elsewhere = RoleFactory(name="Warehouse Manager")
    response = client.post(
        reverse("gaps:bulk"),
        {
            "scope": "all",
            "query": "",
            "expected": 2,
            "action": "reattribute",
            "causing_role": elsewhere.pk,
        },
        follow=True,
    )
    html = response.content.decode()
    assert "1 gap changed." in html
    assert f"1 gap skipped: #{archived.pk} Archived one:" in html
    live.refresh_from_db()
    archived.refresh_from_db()
    assert live.causing_role == elsewhere
    assert archived.causing_role != elsewhere


def test_select_all_is_bounded(client, cx_user, make_gap, monkeypatch):
    from gaps import bulk

    monkeypatch.setattr(bulk, "MAX_BULK_GAPS", 2)
    for n in range(3):
        make_gap(title=f"Gap {n}")
    client.force_login(cx_user)
    post = {"scope": "all", "query": "", "expected": 3, "action": "archive"}
    response = client.post(reverse("gaps:bulk"), post, follow=True)
    assert "3 gaps match: at most 2 change at once." in response.content.decode()
    assert not GapEvent.objects.filter(to_status=S.ARCHIVED).exists()
