"""Every route, generated from the URL conf: a signed-in account in no group, by session or by
a token holding every scope, reads nothing of the company (issue 15).

- every API view derives from the scoping layer's base (``cxalign.scoping``) and names a
  queryset whose model says who reads it (``for_user``);
- every API read (list, detail, export) and every page answers such an account with a refusal
  (403/404) or with a page that names none of the seeded records;
- ``for_user`` itself: group members read, the group-less read none, per model.
"""

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator

from cxalign.querysets import ScopedQuerySet
from cxalign.scoping import ScopedViewMixin
from gaps.models import ApiToken
from insights.models import FeedItem, Insight, InsightStatus, RoutingRule
from reviews.models import ChangeReview
from roi.models import DailyRollup
from tests.factories import (
    GapFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.gaps.api_support import client_for, token_client
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db

SECRET = "Zq7secret"  # in every seeded record's name: must appear in no answer


def api_views() -> list[tuple[str, str, type]]:
    return [
        (path, method, view.cls)
        for path, _regex, method, view in EndpointEnumerator().get_api_endpoints()
        if path.startswith("/api/v1/") and path != "/api/v1/"
    ]


def test_every_api_view_restricts_through_the_scoping_layer():
    unscoped = sorted(
        {
            f"{method} {path}: {cls.__name__}"
            for path, method, cls in api_views()
            if not issubclass(cls, ScopedViewMixin)
            or cls.queryset is None
            or not isinstance(cls.queryset, ScopedQuerySet)
        }
    )
    assert unscoped == []


@pytest.fixture
def seeded(db, owner_user):
    """One record of every kind readable through the API or a page, each named with SECRET."""
    team = TeamFactory(name=f"{SECRET} team")
    role = RoleFactory(name=f"{SECRET} role", team=team, owners=[owner_user])
    touchpoint = TouchpointFactory(name=f"{SECRET} touchpoint", team=team)
    theme = ThemeFactory(name=f"{SECRET} theme")
    gap = GapFactory(title=f"{SECRET} gap", causing_role=role, touchpoint=touchpoint)
    gap.themes.add(theme)
    insight = Insight.objects.create(
        title=f"{SECRET} insight",
        finding=f"{SECRET} finding",
        kind=Insight.Kind.values[0],
        status=InsightStatus.PUBLISHED,
    )
    rule = RoutingRule.objects.create(name=f"{SECRET} rule")
    item = FeedItem.objects.create(role=role, insight=insight, reason=f"{SECRET} reason")
    review = ChangeReview.objects.create(
        title=f"{SECRET} review", description=SECRET, launch_on=date(2030, 1, 1), role=role
    )
    hook = WebhookSubscription.objects.create(
        url="https://example.com/hook", secret=SECRET, description=f"{SECRET} hook"
    )
    rollup = DailyRollup.objects.create(
        date=date(2026, 1, 1), team=team, role=role, category="x", computed_at=timezone.now()
    )
    return [team, role, touchpoint, theme, gap, insight, rule, item, review, hook, rollup]


@pytest.fixture
def nobody(db):
    return UserFactory(username="no-group")


def _ids(seeded) -> list[int]:
    return sorted({record.pk for record in seeded})


def _leaks(response) -> bool:
    if response.status_code != 200:
        return False
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return SECRET in body.decode(errors="replace")


@pytest.mark.parametrize("how", ["session", "token"])
def test_no_api_read_shows_a_group_less_account_anything(seeded, nobody, how):
    if how == "session":
        client = client_for(nobody)
    else:
        client = token_client(nobody, *ApiToken.Scope.values)[0]
    leaks = []
    for path, method, _cls in api_views():
        if method != "GET":
            continue
        urls = [path]
        if "{" in path:
            urls = [re.sub(r"\{\w+\}", str(pk), path) for pk in _ids(seeded)]
        for url in urls:
            response = client.get(url, {"text": SECRET})
            if _leaks(response):
                leaks.append(f"{url}: {response.status_code}")
            if response.status_code == 200 and response.get("Content-Type", "").startswith(
                "application/json"
            ):
                body = response.json()
                rows = body.get("results") if isinstance(body, dict) else body
                if rows:
                    leaks.append(f"{url}: {len(rows)} rows")
    assert leaks == []


def _page_patterns(resolver=None, prefix: str = ""):
    """(route, name) of every page of the URL conf, outside the API, the admin and assets."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _page_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _page_urls(seeded) -> list[str]:
    urls = []
    for route in _page_patterns():
        if route.startswith(("api/", "admin/", "static/", "media/", "__", "accounts/")):
            continue
        if "(?P" in route or route.startswith("^"):
            continue  # regex routes: the API's formats, Django's own
        if "<" in route and not re.fullmatch(r"[^<]*(<int:\w+>[^<]*)+", route):
            continue  # slugs, paths: no record of ours is reached by them
        if "<" in route:
            urls += ["/" + re.sub(r"<int:\w+>", str(pk), route) for pk in _ids(seeded)]
        else:
            urls.append("/" + route)
    return urls


def test_no_page_shows_a_group_less_user_anything(client, seeded, nobody):
    client.force_login(nobody)
    urls = _page_urls(seeded)
    assert len(urls) > 20  # the walk found the pages
    leaks = [f"{url}: {r.status_code}" for url in urls if _leaks(r := client.get(url))]
    assert leaks == [], " ".join(leaks)


def test_members_read_what_the_group_less_do_not(seeded, exec_user, owner_user, nobody):
    """``for_user`` per model: an executive reads the organisation, gaps, insights and reviews;
    an owner their feed; the group-less none of it."""
    for record in seeded:
        model = type(record)
        assert not model.objects.for_user(nobody).filter(pk=record.pk).exists(), model
    for record in seeded[:7]:
        assert type(record).objects.for_user(exec_user).filter(pk=record.pk).exists()
    assert FeedItem.objects.for_user(owner_user).filter(pk=seeded[7].pk).exists()
    assert ChangeReview.objects.for_user(exec_user).filter(pk=seeded[8].pk).exists()
