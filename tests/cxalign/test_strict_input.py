"""What the schema refuses, the API refuses: out-of-type bodies and query parameters are 400s."""

import pytest

from tests.factories import GapFactory, ThemeFactory
from tests.gaps.api_support import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/themes/", {"name": 12, "slug": "twelve"}, "name"),
        ("/api/v1/teams/", {"name": "Ops", "slug": "ops", "customer_facing": "yes"}, None),
        ("/api/v1/insights/", {"title": "T", "finding": "F", "kind": "expectation"}, None),
    ],
)
def test_a_value_of_another_json_type_is_refused(cx_user, url, body, field):
    response = client_for(cx_user).post(url, body, format="json")
    if field is None:
        # The control: the same endpoint takes a well-typed body (booleans stay booleans).
        if "customer_facing" in body:
            assert response.status_code == 400
            assert response.json()["customer_facing"] == ["Must be a valid boolean."]
        else:
            assert response.status_code == 201
        return
    assert response.status_code == 400
    assert response.json()[field] == ["Not a valid string."]


def test_related_gaps_must_be_a_list(cx_user):
    gap = GapFactory()
    client = client_for(cx_user)
    body = {"title": "T", "finding": "F", "kind": "expectation"}
    refused = client.post("/api/v1/insights/", {**body, "related_gaps": {str(gap.pk): 1}})
    assert refused.status_code == 400
    assert "related_gaps" in refused.json()
    as_string = client.post("/api/v1/insights/", {**body, "related_gaps": [str(gap.pk)]})
    assert as_string.status_code == 400
    taken = client.post("/api/v1/insights/", {**body, "related_gaps": [gap.pk]})
    assert taken.status_code == 201
    assert taken.json()["related_gaps"] == [gap.pk]


def test_an_occurrence_field_of_another_type_names_its_index(cx_user):
    gap = GapFactory()
    item = {"gap": gap.pk, "occurred_at": "2026-01-05T10:00:00Z", "source": "desk"}
    response = client_for(cx_user).post(
        "/api/v1/occurrences/", [item, {**item, "customer_ref": 0}], format="json"
    )
    assert response.status_code == 400
    assert response.json()["items"] == [
        {"index": 1, "errors": {"customer_ref": ["Not a valid string."]}}
    ]


@pytest.mark.parametrize(
    ("url", "params", "refused"),
    [
        ("/api/v1/gaps/", {"page_size": "-40575180.3"}, "page_size"),
        ("/api/v1/gaps/", {"page_size": "0"}, "page_size"),
        ("/api/v1/gaps/", {"page_size": "501"}, "page_size"),
        ("/api/v1/gaps/", {"page": "two"}, "page"),
        ("/api/v1/occurrences/", {"page_size": "1001"}, "page_size"),
        ("/api/v1/gaps/", {"status": ""}, "status"),
        ("/api/v1/gaps/", {"recurring": "maybe"}, "recurring"),
        ("/api/v1/gaps/", {"recurring": ""}, "recurring"),
        ("/api/v1/insights/", {"kind": ""}, "kind"),
        ("/api/v1/roi/summary/", {"as_of": ""}, "as_of"),
        ("/api/v1/roi/rollups/", {"date_after": ""}, "date_after"),
    ],
)
def test_query_parameters_out_of_type_or_bounds_are_400s(cx_user, exec_user, url, params, refused):
    user = exec_user if "/roi/" in url else cx_user
    response = client_for(user).get(url, params)
    assert response.status_code == 400, response.content
    assert refused in response.json()


def test_query_parameters_in_bounds_and_free_text_are_taken(cx_user):
    ThemeFactory()
    client = client_for(cx_user)
    for params in ({"page_size": "500"}, {"page": "1"}, {"q": ""}, {"recurring": "false"}):
        assert client.get("/api/v1/gaps/", params).status_code == 200, params
    assert client.get("/api/v1/gaps/", {"page": "9"}).status_code == 404  # past the last page
