"""Hostile input is a clear 400, never a 500 (issue 8, finding 8).

Every operation with a request body in the OpenAPI schema is sent a JSON body nested 1,000
deep; every slug or username the API looks up is sent with a NUL byte; insight, routing-rule
and feed-item bodies with unknown keys; remedy due dates far outside any plan.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from gaps import csv_io
from gaps.api.parsers import MAX_JSON_DEPTH
from gaps.models import Gap, Role, Team, Theme, Touchpoint
from insights.models import FeedItem, Insight, RoutingRule
from tests.factories import (
    GapFactory,
    RoleFactory,
    TeamFactory,
    ThemeFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
NUL = "billing\x00"


@dataclass
class World:
    """One object of each resource, reachable and writable by ``user``."""

    user: object
    team: Team
    role: Role
    touchpoint: Touchpoint
    theme: Theme
    gap: Gap
    insight: Insight
    rule: RoutingRule
    item: FeedItem

    def pk_for(self, path: str) -> int:
        """The object a schema path's ``{id}`` stands for, by the path's resource."""
        resource = path.removeprefix("/api/v1/").split("/")[0]
        by_resource = {
            "teams": self.team,
            "roles": self.role,
            "touchpoints": self.touchpoint,
            "themes": self.theme,
            "gaps": self.gap,
            "insights": self.insight,
            "routing-rules": self.rule,
            "feed-items": self.item,
        }
        found = by_resource.get(resource)
        # Resources this test does not know yet (added later) get an id that does not exist.
        return found.pk if found else 999_999


@pytest.fixture
def world(db) -> World:
    user = UserFactory(
        username="root", is_superuser=True, is_staff=True, groups=["cx_team", "role_owner"]
    )
    team = TeamFactory(name="Billing")
    role = RoleFactory(name="Billing Ops", team=team, owners=[user])
    insight = Insight.objects.create(
        title="Invoices confuse",
        finding="They do.",
        kind="experience",
        status="published",
        published_at=timezone.now(),
    )
    return World(
        user=user,
        team=team,
        role=role,
        touchpoint=TouchpointFactory(),
        theme=ThemeFactory(name="Billing", slug="billing"),
        gap=GapFactory(causing_role=role, causing_team=team),
        insight=insight,
        rule=RoutingRule.objects.create(name="Billing to managers", target_levels=["manager"]),
        item=FeedItem.objects.create(role=role, insight=insight, reason="Rule"),
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def operations_with_a_body() -> list[tuple[str, str]]:
    """(method, path) of every API operation whose schema takes a request body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]


def test_a_body_nested_1000_deep_is_a_400_on_every_json_endpoint(world):
    operations = operations_with_a_body()
    assert len(operations) >= 15  # the schema really was read
    client = api(world.user)
    parsed = []
    for method, path in operations:
        url = path.replace("{id}", str(world.pk_for(path)))
        response = getattr(client, method)(url, DEEP, content_type="application/json")
        assert response.status_code != 500, (method, path)
        if response.status_code == 400:
            assert "nested more than" in response.json()["detail"], (method, path)
            parsed.append((method, path))
        else:
            # Refused before the body was read (no such object, method, or permission).
            assert response.status_code in (403, 404, 405), (method, path, response.status_code)
    # Each known resource's writes did read the body, and refused it.
    assert {"/api/v1/gaps/", "/api/v1/occurrences/", "/api/v1/insights/"} <= {
        path for _m, path in parsed
    }
    assert ("patch", "/api/v1/feed-items/{id}/") in parsed
    assert ("post", "/api/v1/gaps/{id}/transition/") in parsed


def test_nesting_within_the_limit_still_reaches_validation(world):
    body = {"title": [[["x"]]]}
    response = api(world.user).post("/api/v1/insights/", body, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    over = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    response = api(world.user).post("/api/v1/occurrences/", limit, content_type="application/json")
    assert "nested" not in str(response.json())
    response = api(world.user).post("/api/v1/occurrences/", over, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 32" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/roles/", {"name": "R", "team": "TEAM", "owners": [NUL]}, "owners"),
        ("patch", "/api/v1/roles/ROLE/", {"owners": ["root", NUL]}, "owners"),
        ("patch", "/api/v1/gaps/GAP/", {"themes": [NUL]}, "themes"),
        ("patch", "/api/v1/gaps/GAP/", {"remedy_owner": NUL}, "remedy_owner"),
        (
            "post",
            "/api/v1/gaps/",
            {
                "title": "T",
                "expectation": "E",
                "delivery": "D",
                "category": "process",
                "causing_role": "ROLE",
                "severity": 3,
                "themes": ["billing", NUL],
                "remedy_owner": NUL,
            },
            "themes",
        ),
        ("post", "/api/v1/teams/", {"name": "T", "slug": NUL}, "slug"),
        ("post", "/api/v1/themes/", {"name": "T", "slug": NUL}, "slug"),
    ],
)
def test_a_nul_byte_in_a_slug_or_username_is_a_field_error(world, method, path, body, field):
    ids = {"TEAM": world.team.pk, "ROLE": world.role.pk, "GAP": world.gap.pk}
    path = path.replace("TEAM", str(ids["TEAM"])).replace("ROLE", str(ids["ROLE"]))
    path = path.replace("GAP", str(ids["GAP"]))
    body = {
        key: ids.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }

    response = getattr(api(world.user), method)(path, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert "null" in str(response.json()[field]).lower()


def test_nul_bytes_in_query_parameters_and_form_posts_are_400s(world):
    client = api(world.user)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    probed = 0
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] != "query":
                continue
            response = client.get(path, {parameter["name"]: NUL})
            assert response.status_code == 400, (path, parameter["name"], response.status_code)
            probed += 1
    assert probed >= 20
    # Pages: a filter or a posted form field with a NUL byte never reaches the database.
    browser = Client()
    browser.force_login(world.user)
    assert browser.get("/gaps/", {"theme": NUL}).status_code == 400
    assert browser.get("/insights/", {"theme": NUL}).status_code == 400
    response = browser.post(f"/gaps/{world.gap.pk}/remedy/", {"remedy_owner": NUL})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/insights/", {"title": "T", "finding": "F", "kind": "experience"}),
        ("patch", "/api/v1/insights/INSIGHT/", {"title": "T"}),
        ("post", "/api/v1/routing-rules/", {"name": "N", "target_levels": ["manager"]}),
        ("patch", "/api/v1/feed-items/ITEM/", {"state": "read"}),
    ],
)
def test_insight_rule_and_feed_item_bodies_refuse_unknown_keys(world, method, path, body):
    path = path.replace("INSIGHT", str(world.insight.pk)).replace("ITEM", str(world.item.pk))
    client = api(world.user)

    response = getattr(client, method)(
        path, {**body, "titel": "typo", "colour": "red"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["titel"] == ["Unknown field."]
    assert response.json()["colour"] == ["Unknown field."]
    # The same body without them is accepted (and so was not refused for another reason).
    assert getattr(client, method)(path, body, format="json").status_code in (200, 201)


def test_insight_read_only_fields_are_named_not_silently_dropped(world):
    response = api(world.user).patch(
        f"/api/v1/insights/{world.insight.pk}/", {"status": "archived"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"status": ["This field is read-only."]}
    world.insight.refresh_from_db()
    assert world.insight.status == "published"


# --- remedy_due_on ------------------------------------------------------------------------


def test_remedy_due_on_is_bounded_in_the_api(world):
    client = api(world.user)
    url = f"/api/v1/gaps/{world.gap.pk}/"
    today = timezone.localdate()
    for far in ("0001-01-01", "9999-12-31", (today + timedelta(days=3700)).isoformat()):
        response = client.patch(url, {"remedy_due_on": far}, format="json")
        assert response.status_code == 400, (far, response.content)
        assert "remedy_due_on" in response.json()
    fine = (today + timedelta(days=365)).isoformat()
    assert client.patch(url, {"remedy_due_on": fine}, format="json").status_code == 200
    world.gap.refresh_from_db()
    assert world.gap.remedy_due_on.isoformat() == fine


def test_remedy_due_on_is_bounded_in_the_remedy_form(world):
    browser = Client()
    browser.force_login(world.user)
    url = f"/gaps/{world.gap.pk}/remedy/"
    response = browser.post(url, {"remedy_due_on": "9999-12-31", "remedy_progress": "10"})
    assert response.status_code == 400
    assert "up to 10 years ahead" in response.content.decode()
    world.gap.refresh_from_db()
    assert world.gap.remedy_due_on != date(9999, 12, 31)


def test_remedy_due_on_is_bounded_in_the_csv_import(world):
    row = {
        "title": "Late refunds",
        "expectation": "Refund in 3 days.",
        "delivery": "Three weeks.",
        "category": "process",
        "causing_role": str(world.role.pk),
        "severity": "3",
    }
    header = ",".join([*row, "remedy_due_on"])
    for due, ok in (("0001-01-01", False), ("9999-12-31", False), ("2027-06-30", True)):
        text = header + "\n" + ",".join([*row.values(), due]) + "\n"
        result = csv_io.gaps_import(actor=world.user, text=text)
        assert result.ok is ok, (due, result.errors)
        if not ok:
            assert [error.column for error in result.errors] == ["remedy_due_on"]
    assert Gap.objects.get(title="Late refunds").remedy_due_on == date(2027, 6, 30)


def test_csv_exports_are_utf8_with_a_byte_order_mark(world):
    Gap.objects.filter(pk=world.gap.pk).update(title="Rückerstattung trop lente — café")
    browser = Client()
    browser.force_login(world.user)
    for url in ("/gaps/export.csv", "/gaps/import/template.csv"):
        response = browser.get(url)
        assert response["Content-Type"] == "text/csv; charset=utf-8", url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body.startswith(b"\xef\xbb\xbf"), url
    export = b"".join(browser.get("/gaps/export.csv").streaming_content)
    assert "Rückerstattung trop lente — café".encode() in export
