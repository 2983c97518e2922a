"""Browser journey: a comment mentions a colleague, whose bell count rises and falls as they
read what they were told."""

import pytest

from gaps import permissions
from gaps.comments import comment_create
from gaps.models import GapComment
from tests.factories import GapFactory, RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bell_count(page) -> str:
    return page.locator(".bell-count").get_attribute("data-count")


def test_a_mention_raises_the_bell_and_reading_lowers_it(page, sign_in):
    carla = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    oskar = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    gap = GapFactory(
        title="Invoices arrive in three parts", causing_role=RoleFactory(owners=[oskar])
    )

    sign_in(oskar)
    assert bell_count(page) == "0"
    assert page.locator(".bell-count").is_hidden()
    page.click(".whoami button")
    page.wait_for_load_state()

    sign_in(carla)
    page.goto(gap.get_absolute_url())
    page.fill("#id_body", "@oskar can Billing explain the codes on these invoices?")
    page.click("#comment-form button[type=submit]")
    # htmx swaps the new comment in without a reload: wait for it, not for a page load.
    page.wait_for_selector("#comments .mention")
    comment = GapComment.objects.get()
    assert page.locator(f"#comment-{comment.pk}").is_visible()
    assert "@oskar" in page.locator(f"#comment-{comment.pk} .mention").inner_text()
    page.click(".whoami button")
    page.wait_for_load_state()

    sign_in(oskar)
    assert bell_count(page) == "1"
    assert page.locator(".bell-count").inner_text() == "1"
    page.click(".bell")
    page.wait_for_load_state()
    item = page.locator(".notification.unread")
    assert "carla mentioned you on gap" in item.inner_text()
    item.locator(".notification-title").click()
    page.wait_for_load_state()
    # Opened where the comment is, and read: the bell is back to nothing.
    assert page.url.endswith(f"/gaps/{gap.pk}/#comment-{comment.pk}")
    assert bell_count(page) == "0"


def test_mark_all_read_empties_the_bell(page, sign_in):
    carla = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    oskar = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    gap = GapFactory()
    comment_create(gap=gap, author=carla, body="@oskar first")
    comment_create(gap=gap, author=carla, body="@oskar second")
    sign_in(oskar)
    assert bell_count(page) == "2"
    page.goto("/notifications/")
    page.click("text=Mark all read")
    page.wait_for_load_state()
    assert bell_count(page) == "0"
    assert page.locator(".notification.unread").count() == 0
