"""Browser journey: a role owner reviews a planned change, sees the past gap it would cause with
its evidence and monthly cost, adjusts the plan, and after the rollup finds the prevented gap's
estimated savings on the dashboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gaps import permissions
from gaps.models import Gap
from reviews import embeddings, similarity
from roi import selectors, services
from roi.models import CostModel
from tests.factories import (
    GapFactory,
    OccurrenceFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not embeddings.available(), reason="embeddings extra missing"),
]


def test_owner_adjusts_a_change_and_sees_the_prevented_savings(page, sign_in, monkeypatch):
    similarity._indexes.clear()
    today = timezone.localdate()
    CostModel.objects.create(effective_from=today - timedelta(days=400))
    owner = UserFactory(username="bea", groups=[permissions.ROLE_OWNER])
    role = RoleFactory(name="Billing Operations", team=TeamFactory(name="Billing"))
    role.owners.add(owner)
    phone = TouchpointFactory(name="Support line", cost_per_contact=Decimal("8.00"))
    fee_gap = GapFactory(
        title="Surprise fee on the invoice",
        expectation="Every fee is shown before the order is placed.",
        delivery="A handling fee appears on the invoice that was never mentioned at checkout.",
        causing_role=role,
        touchpoint=phone,
        revenue_at_risk=Decimal("12.00"),
    )
    GapFactory(
        title="Parcels arrive days late",
        expectation="The parcel arrives on the promised date.",
        delivery="Orders wait in the warehouse for a full truck.",
        causing_role=role,
    )
    now = timezone.now()
    for n in range(45):  # 15 a month over the last 90 days
        OccurrenceFactory(gap=fee_gap, occurred_at=now - timedelta(days=1 + n * 1.9))

    sign_in(owner)
    page.goto("/reviews/")
    page.click("text=Review a planned change")
    page.fill("#id_title", "Paper invoice fee")
    page.fill(
        "#id_description",
        "Customers on paper billing pay 2.50 extra; the charge appears on the bill only.",
    )
    page.fill("#id_launch_on", (today + timedelta(days=20)).isoformat())
    page.select_option("#id_role", str(role.pk))
    page.click("text=Save the draft")
    page.wait_for_load_state()
    page.click("#assess")
    page.wait_for_load_state()

    first = page.locator("article.match").first
    assert "Surprise fee on the invoice" in first.inner_text()
    assert "A handling fee appears on the invoice" in first.locator(".evidence").inner_text()
    assert "Costs 300.00 a month" in first.inner_text()

    match_id = first.get_attribute("data-match")
    page.check("#id_outcome_0")  # adjusted
    page.fill("#id_note", "The fee is shown at checkout and announced two months ahead.")
    page.check(f"#id_prevent_{match_id}")
    assert page.input_value(f"#id_expected_{match_id}") == "15.00"  # the basis, editable
    page.click("text=Record the decision")
    page.wait_for_load_state()
    assert "Decision: adjusted" in page.locator(".decision").inner_text()
    prevented = Gap.objects.get(status=Gap.Status.PREVENTED)
    assert prevented.causing_role == role

    # A month on, the nightly rollup has counted it: 15 a month × 1 month × 20.00.
    later = today + timedelta(days=30)
    monkeypatch.setattr(selectors, "today", lambda: later)
    services.rollup_nightly(today=later)
    page.goto("/roi/")
    assert page.locator('[data-figure="estimated"]').inner_text() == "EUR 300.00"


def test_the_gap_form_shows_the_closest_existing_gaps_as_one_types(page, sign_in, cx_user):
    similarity._indexes.clear()
    theme = ThemeFactory(name="Invoice clarity")
    existing = GapFactory(
        title="Surprise fee on the invoice",
        expectation="Every fee is shown before the order is placed.",
        delivery="A handling fee appears on the invoice that was never mentioned at checkout.",
        themes=[theme],
    )
    sign_in(cx_user)
    page.goto("/gaps/new/")
    assert page.locator("#similar-gaps").is_hidden()
    page.fill("#id_delivery", "They were charged a charge nobody told them about")
    page.locator("#similar-gaps li").first.wait_for()
    shown = page.locator("#similar-gaps").inner_text()
    assert f"#{existing.pk} Surprise fee on the invoice" in shown
    # Its theme is suggested; one click picks it in the form.
    page.locator("#theme-suggestions button", has_text="Invoice clarity").click()
    picked = page.evaluate(
        "id => [...document.querySelectorAll('[name=themes]')].some("
        "f => f.tagName === 'SELECT' ? f.querySelector(`option[value='${id}']`).selected"
        " : f.value === String(id) && f.checked)",
        theme.pk,
    )
    assert picked
