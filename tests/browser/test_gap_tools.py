"""The gap list's "select all" bulk action, the many-choice pickers of every form, and the gap
page without JavaScript, in Chromium."""

import pytest
from playwright.sync_api import expect

from gaps import permissions
from gaps.models import Gap
from gaps.models.gaps import GapStatus as S
from tests.browser.support import check_page, pick
from tests.factories import GapFactory, RoleFactory, TeamFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_applies_to_every_matching_gap_after_confirming_the_count(page, sign_in):
    role = RoleFactory(name="Invoicing Specialist", team=TeamFactory(name="Billing"))
    matching = GapFactory.create_batch(27, causing_role=role, severity=5)
    other = GapFactory(causing_role=role, severity=2)
    theme = ThemeFactory(name="Invoice clarity")
    sign_in(UserFactory(username="carla", groups=[permissions.CX_TEAM]))
    page.goto("/gaps/?severity=5")
    expect(page.locator(".gap-row")).to_have_count(25)  # one page shown …
    expect(page.locator("#bulk-all")).to_have_text("Apply to all 27 matching")  # … 27 matched
    page.select_option("#bulk_action", "add_theme")
    page.select_option("#bulk_theme", str(theme.pk))
    asked = []

    # Declined: nothing changes.
    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("#bulk-all")
    assert asked == ["Apply this to all 27 gaps the filters match, not only the 25 shown?"]
    assert not theme.gaps.exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#bulk-all")
    expect(page.locator(".messages")).to_contain_text("27 gaps changed.")
    assert set(theme.gaps.all()) == set(matching)
    assert other not in theme.gaps.all()
    problems = check_page(page, "bulk-select-all")
    assert not problems, "\n".join(problems)


def test_every_many_choice_field_is_a_searchable_picker(page, sign_in):
    role = RoleFactory(name="Invoicing Specialist", team=TeamFactory(name="Billing"))
    gap = GapFactory(title="Stock codes on invoices", causing_role=role)
    ThemeFactory(name="Invoice clarity")
    sign_in(UserFactory(username="carla", groups=[permissions.CX_TEAM]))
    fields = {
        f"/gaps/{gap.pk}/edit/": ["id_themes"],
        "/insights/new/": ["id_themes", "id_related_gaps"],
        "/insights/rules/new/": ["id_themes", "id_target_levels", "id_target_roles"],
        "/webhooks/new/": ["id_events"],
    }
    problems = []
    for url, ids in fields.items():
        page.goto(url)
        assert not page.locator("input[type=checkbox][name=themes]").count()
        for select_id in ids:
            expect(page.locator(f"#{select_id}-ts-control")).to_be_visible()
        problems += check_page(page, "pickers-" + url.strip("/").replace("/", "-"))
    assert not problems, "\n".join(problems)
    # Picked by typing, saved as chosen.
    page.goto(f"/gaps/{gap.pk}/edit/")
    pick(page, "id_themes", "Invoice clarity")
    with page.expect_navigation():
        page.click("button.primary[type=submit]")
    assert [t.name for t in Gap.objects.get(pk=gap.pk).themes.all()] == ["Invoice clarity"]


def test_without_javascript_the_gap_page_moves_by_posting_the_page(
    chromium, live_server, page, sign_in
):
    owner = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    role = RoleFactory(name="Invoicing Specialist", team=TeamFactory(name="Billing"))
    role.owners.add(owner)
    gap = GapFactory(title="Three partial invoices", causing_role=role)
    GapFactory.create_batch(2, causing_role=role, themes=[ThemeFactory(name="Invoice clarity")])
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    plain = context.new_page()
    plain.goto("/accounts/login/")
    plain.fill("#id_username", "oskar")
    plain.fill("#id_password", "secret-pass-123")
    with plain.expect_navigation():
        plain.click("button[type=submit]")
    plain.goto(gap.get_absolute_url())
    plain.fill("#id_acknowledged_note", "Ours.")
    with plain.expect_navigation():
        plain.click(".move-acknowledged button[type=submit]")
    expect(plain.locator("#gap-status")).to_have_text("Acknowledged")
    expect(plain.locator(".messages")).to_contain_text("the gap is now acknowledged")
    plain.fill("#id_remedy_progress", "140")
    plain.locator("#id_remedy_progress").evaluate("el => el.removeAttribute('max')")
    with plain.expect_navigation():
        plain.click(".remedy button[type=submit]")
    progress = plain.locator(".field", has=plain.locator("#id_remedy_progress"))
    expect(progress.locator(".field-error")).to_contain_text("less than or equal to 100")
    # The filter bar's many-choice pickers stay native multi-selects that still filter.
    plain.goto("/gaps/mine/")
    assert plain.locator("select[multiple][name=theme]").count() == 1
    gap.refresh_from_db()
    assert gap.status == S.ACKNOWLEDGED
    context.close()
