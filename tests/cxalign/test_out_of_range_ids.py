"""Ids no 64-bit column can hold are bad input (400) or unknown (404), never a 500.

SQLite, the embedded default, cannot even bind such numbers, so they must be refused before
they reach the database.
"""

import pytest
from rest_framework.test import APIClient

BIG = "9" * 25

FILTERS = [
    ("/api/v1/gaps/", "team"),
    ("/api/v1/gaps/", "causing_role"),
    ("/api/v1/gaps/", "theme"),
    ("/api/v1/gaps/", "touchpoint"),
    ("/api/v1/occurrences/", "gap"),
    ("/api/v1/occurrences/", "touchpoint"),
]
PAGES = [f"/gaps/?team={BIG}", f"/gaps/mine/?theme={BIG}"]
UNKNOWN = [f"/api/v1/gaps/{BIG}/", f"/api/v1/gaps/{BIG}/history/", f"/api/v1/gaps/{BIG}/savings/"]


@pytest.fixture
def api(cx_user):
    client = APIClient()
    client.force_authenticate(cx_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), FILTERS)
def test_filter_by_impossible_id_is_a_field_error(api, url, name):
    response = api.get(url, {name: BIG})
    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("url", UNKNOWN)
def test_impossible_id_in_the_path_is_not_found(api, url):
    assert api.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_show_an_impossible_filter_id_as_a_field_error(client, cx_user, url):
    client.force_login(cx_user)
    response = client.get(url)
    assert response.status_code == 400  # the filters are wrong: said beside them, no list
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_export_with_an_impossible_filter_id_says_what_is_wrong(client, cx_user):
    client.force_login(cx_user)
    response = client.get(f"/gaps/export.csv?team={BIG}")
    assert response.status_code == 400
    assert "team" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("bulk", [False, True])
def test_occurrence_for_an_impossible_gap_id_is_refused(api, bulk):
    item = {"gap": int(BIG), "occurred_at": "2026-01-01T00:00:00Z", "source": "desk"}
    response = api.post("/api/v1/occurrences/", [item] if bulk else item, format="json")
    assert response.status_code == 400
    assert "gap" in str(response.json())


# JSON bodies with ids as numbers no id column holds: 1e400 parses as infinity.
GAP = '"title":"t","expectation":"e","delivery":"d","category":"process","severity":3'
BODIES = [
    ("/api/v1/gaps/", "{" + GAP + ',"causing_role":1e400}', "causing_role"),
    ("/api/v1/gaps/", "{" + GAP + ',"causing_role":ROLE,"touchpoint":1e400}', "touchpoint"),
    ("/api/v1/gaps/", "{" + GAP + ',"causing_role":ROLE,"themes":[1e400]}', "themes"),
    ("/api/v1/roles/", '{"name":"x","team":1e400,"level":"manager"}', "team"),
    ("/api/v1/touchpoints/", '{"name":"x","team":1e400,"channel":"web"}', "team"),
    ("/api/v1/gaps/GAP/transition/", '{"to":"archived","causing_role":1e400}', "causing_role"),
    (
        "/api/v1/insights/",
        '{"title":"t","finding":"f","kind":"expectation","related_gaps":[1e400]}',
        "related_gaps",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "body", "field"), BODIES)
def test_ids_no_column_holds_are_a_field_error_in_bodies(api, url, body, field):
    from tests.factories import GapFactory, RoleFactory

    role, gap = RoleFactory(), GapFactory()
    url = url.replace("GAP", str(gap.pk))
    body = body.replace("ROLE", str(role.pk))
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/gaps/new/", "/gaps/prevented/new/", "/insights/new/"])
def test_ids_no_column_holds_are_a_form_error_on_pages(client, cx_user, url):
    from tests.factories import RoleFactory

    client.force_login(cx_user)
    response = client.post(
        url,
        {
            "title": "t",
            "expectation": "e",
            "delivery": "d",
            "finding": "f",
            "kind": "expectation",
            "category": "process",
            "causing_role": RoleFactory().pk,
            "severity": 3,
            "expected_monthly_occurrences": 3,
            "themes": [BIG],
        },
    )
    assert response.status_code in (200, 400)
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_time_filter_with_an_offset_postgresql_refuses_is_compared_in_utc(api):
    from tests.factories import OccurrenceFactory

    OccurrenceFactory(occurred_at="2026-03-01T12:00:00Z")
    response = api.get("/api/v1/occurrences/", {"occurred_after": "2026-03-01T00:00:00-16:59"})
    assert response.status_code == 200
    # 00:00 at -16:59 is 16:59 UTC: the 12:00 UTC occurrence is before it.
    assert response.json()["results"] == []
    earlier = api.get("/api/v1/occurrences/", {"occurred_after": "2026-02-28T00:00:00-16:59"})
    assert len(earlier.json()["results"]) == 1
