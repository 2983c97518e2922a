"""The batch's quick check never accepts more than ``OccurrenceInputSerializer``, nor reads an
item differently: whatever it passes, the serializer passes with the same values."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from gaps.api.serializers import (
    OCCURRENCE_CLOCK_SKEW,
    OccurrenceInputSerializer,
    _plain_item,
)

BASE = {"gap": 7, "occurred_at": "2026-03-01T10:00:00Z", "source": "zendesk"}
# Times relative to the test's own clock, filled in when it runs (stable test ids for xdist).
RELATIVE = {"in 2 minutes": timedelta(minutes=2), "in 10 minutes": timedelta(minutes=10)}

VARIANTS = [
    {},
    {"external_id": "T-1", "customer_ref": "C-1", "touchpoint": 3},
    {"touchpoint": None},
    {"external_id": ""},
    {"customer_ref": ""},
    {"external_id": None},
    {"external_id": " T-1"},
    {"external_id": "T-1\n"},
    {"external_id": "T\x001"},
    {"external_id": "T-\ud800"},
    {"external_id": "Zoë-Ångström"},
    {"external_id": "x" * 200},
    {"external_id": "x" * 201},
    {"external_id": 12},
    {"customer_ref": "\u00a0C-1"},
    {"source": ""},
    {"source": "   "},
    {"source": "s" * 60},
    {"source": "s" * 61},
    {"source": ["zendesk"]},
    {"gap": 0},
    {"gap": -1},
    {"gap": 2**63 - 1},
    {"gap": 2**63},
    {"gap": True},
    {"gap": 7.0},
    {"gap": "7"},
    {"gap": None},
    {"touchpoint": 0},
    {"touchpoint": False},
    {"touchpoint": "3"},
    {"occurred_at": "2026-03-01T10:00:00"},
    {"occurred_at": "2026-03-01T12:00:00+02:00"},
    {"occurred_at": "2026-03-01T10:00:00.123456-05:30"},
    {"occurred_at": "2026-03-01"},
    {"occurred_at": "2026-03-01 10:00:00Z"},
    {"occurred_at": "20260301T100000Z"},
    {"occurred_at": "2026-02-30T10:00:00Z"},
    {"occurred_at": "1969-12-31T23:59:59Z"},
    {"occurred_at": "1970-01-01T00:00:00Z"},
    {"occurred_at": "1970-01-01T00:30:00+01:00"},
    {"occurred_at": "0001-01-01T00:00:00+01:00"},
    {"occurred_at": "9999-12-31T23:59:59-01:00"},
    {"occurred_at": "in 2 minutes"},
    {"occurred_at": "in 10 minutes"},
    {"occurred_at": 1_700_000_000},
    {"colour": "red"},
]


@pytest.mark.parametrize("changes", VARIANTS, ids=[repr(v)[:40] for v in VARIANTS])
def test_the_quick_check_agrees_with_the_serializer(changes):
    item = {**BASE, **changes}
    if item["occurred_at"] in RELATIVE:
        item["occurred_at"] = (timezone.now() + RELATIVE[item["occurred_at"]]).isoformat()
    quick = _plain_item(
        item,
        latest=timezone.now() + OCCURRENCE_CLOCK_SKEW,
        field_timezone=timezone.get_current_timezone(),
    )
    try:
        validated = dict(OccurrenceInputSerializer().run_validation(item))
    except serializers.ValidationError:
        validated = None
    if quick is None:
        return  # the serializer judges it, as before
    assert validated is not None, f"quick check accepted what the serializer refuses: {item}"
    assert quick == {**validated, "touchpoint": validated.get("touchpoint")}
    assert quick["occurred_at"].tzinfo == validated["occurred_at"].tzinfo


def test_the_quick_check_takes_the_usual_item():
    """The fast path is used for the plain case (else it would prove nothing)."""
    item = {**BASE, "external_id": "T-1", "touchpoint": 3, "customer_ref": "Zoë"}
    quick = _plain_item(item, latest=timezone.now(), field_timezone=timezone.get_current_timezone())
    assert quick is not None
    assert quick["occurred_at"].isoformat() == "2026-03-01T10:00:00+00:00"
