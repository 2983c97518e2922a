"""Every page of the three journeys, at a desktop and a phone width: no sideways scroll and
no serious or critical axe-core violation, for each group's person."""

import pytest

from gaps import permissions
from gaps.models import Gap
from insights.models import FeedItem, Insight
from roi import selectors, services
from tests.browser.support import WIDTHS, check_page
from tests.factories import UserFactory
from tests.roi.conftest import TODAY, make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: TODAY)
    gaps = make_history()
    services.rollup_nightly(today=TODAY)
    return gaps


def _audit(page, sign_in, user, urls: dict[str, str]) -> list[str]:
    sign_in(user)
    problems = []
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, url in urls.items():
            response = page.goto(url)
            assert response.status < 500, url
            problems += check_page(page, f"audit-{user.username}-{name}-{width_name}")
    return problems


def test_cx_team_pages(page, sign_in, history):
    gap = Gap.objects.order_by("pk").first()
    user = UserFactory(username="carla", groups=[permissions.CX_TEAM])
    urls = {
        "gaps": "/gaps/",
        "gaps-bad-filter": "/gaps/?severity=9",
        "gap": f"/gaps/{gap.pk}/",
        "gap-new": "/gaps/new/",
        "gap-edit": f"/gaps/{gap.pk}/edit/",
        "import": "/gaps/import/",
        "insights": "/insights/",
        "insight-new": "/insights/new/",
        "rule-new": "/insights/rules/new/",
        "webhook-new": "/webhooks/new/",
        "not-found": "/gaps/999999/",
    }
    problems = _audit(page, sign_in, user, urls)
    assert not problems, "\n".join(problems)


def test_role_owner_pages(page, sign_in, history):
    gap = Gap.objects.order_by("pk").first()
    owner = UserFactory(username="oskar", groups=[permissions.ROLE_OWNER])
    gap.causing_role.owners.add(owner)
    insight = Insight.objects.create(title="Invoices confuse", finding="Codes, not names.")
    FeedItem.objects.create(role=gap.causing_role, insight=insight, relevance=0.7)
    urls = {
        "feed": "/insights/feed/",
        "mine": "/gaps/mine/",
        "gap": f"/gaps/{gap.pk}/",
        "prevent": "/gaps/prevented/new/",
        "review-new": "/reviews/new/",
        "forbidden": f"/gaps/{gap.pk}/edit/",
    }
    problems = _audit(page, sign_in, owner, urls)
    assert not problems, "\n".join(problems)


def test_executive_pages(page, sign_in, history):
    user = UserFactory(username="eleni", groups=[permissions.EXECUTIVE])
    urls = {
        "dashboard": "/roi/",
        "recognition": "/roi/recognition/",
        "gaps": "/gaps/",
    }
    problems = _audit(page, sign_in, user, urls)
    assert not problems, "\n".join(problems)
