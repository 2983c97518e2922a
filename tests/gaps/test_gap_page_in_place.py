"""The gap page's moves and remedy plan with htmx: the page is redrawn in place (side, head and
history), errors beside the field with a 400; without htmx the same POSTs redirect as before."""

import pytest
from django.urls import reverse

from gaps.models.gaps import GapStatus as S

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_move_redraws_the_side_head_and_history_in_place(client, owner_user, gap):
    client.force_login(owner_user)
    url = reverse("gaps:transition", args=[gap.pk])
    response = client.post(url, {"to": "acknowledged", "note": "Ours."}, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "gaps/_gap_moved.html"
    html = response.content.decode()
    assert '<aside class="gap-side" id="gap-side">' in html
    assert 'id="gap-head" hx-swap-oob="true"' in html
    assert 'id="gap-status">Acknowledged<' in html
    assert 'id="gap-history" hx-swap-oob="true"' in html
    assert "Ours." in html  # the note, in the history
    assert "the gap is now acknowledged" in html
    assert "move-in_remedy" in html  # the moves now open
    assert "<html" not in html
    gap.refresh_from_db()
    assert gap.status == S.ACKNOWLEDGED
    # The notice was shown here: no flash message waits for the next page.
    assert "the gap is now" not in client.get(gap.get_absolute_url()).content.decode()


def test_a_bad_move_is_a_400_with_the_error_beside_the_field(client, cx_user, gap):
    client.force_login(cx_user)
    url = reverse("gaps:transition", args=[gap.pk])
    gap.status = S.IN_REMEDY
    gap.save(update_fields=["status"])
    response = client.post(url, {"to": "closed", "root_cause": ""}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert '<aside class="gap-side" id="gap-side">' in html
    illegal = client.post(url, {"to": "prevented"}, **HTMX)
    assert illegal.status_code == 400
    assert "cannot be moved to prevented" in illegal.content.decode()


def test_the_remedy_plan_saves_in_place_and_says_what_is_wrong(client, owner_user, gap):
    client.force_login(owner_user)
    url = reverse("gaps:remedy", args=[gap.pk])
    bad = client.post(url, {"remedy_progress": 140}, **HTMX)
    assert bad.status_code == 400
    assert "less than or equal to 100" in bad.content.decode()
    good = client.post(url, {"remedy_plan": "Merge the runs.", "remedy_progress": 30}, **HTMX)
    assert good.status_code == 200
    assert "Remedy plan saved." in good.content.decode()
    gap.refresh_from_db()
    assert (gap.remedy_plan, gap.remedy_progress) == ("Merge the runs.", 30)


def test_without_javascript_the_same_forms_post_the_whole_page(client, owner_user, gap):
    client.force_login(owner_user)
    page = client.get(gap.get_absolute_url()).content.decode()
    transition = reverse("gaps:transition", args=[gap.pk])
    assert f'method="post" action="{transition}"' in page
    assert f'hx-post="{transition}"' in page
    response = client.post(transition, {"to": "acknowledged", "note": "Ours."})
    assert response.status_code == 302
    assert response.url == gap.get_absolute_url()


def test_a_lists_one_click_move_still_returns_to_the_list(client, owner_user, gap):
    client.force_login(owner_user)
    url = reverse("gaps:transition", args=[gap.pk])
    response = client.post(url, {"to": "acknowledged", "next": "/gaps/mine/"}, **HTMX)
    assert response.status_code == 302
    assert response.url == "/gaps/mine/"
