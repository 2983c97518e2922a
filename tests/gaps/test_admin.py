"""The Django admin reads gaps but cannot change them behind the history's back."""

import pytest
from django.urls import reverse

from gaps.models import Gap
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_shows_gaps_but_does_not_save_them(client, gap):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:gaps_gap_change", args=[gap.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert gap.title in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = client.post(change, {"title": "Changed without history", "status": "closed"})
    assert response.status_code == 403
    assert client.get(reverse("admin:gaps_gap_add")).status_code == 403
    gap.refresh_from_db()
    assert (gap.title, gap.status) != ("Changed without history", "closed")
    assert gap.events.count() == 1
    assert client.get(reverse("admin:gaps_gap_changelist")).status_code == 200
    assert Gap.objects.count() == 1
