"""Lateness, one rule (``gaps.models.late_condition``) read by the job, the list and the page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gaps.escalation import gaps_escalate_overdue
from gaps.filtersets import GapFilterSet
from gaps.models import OPEN_STATUSES, REMEDY_STATUSES, Gap
from gaps.models.gaps import GapStatus as S
from gaps.saved_views import preset_views
from gaps.selectors import with_lateness
from tests.factories import GapFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_status_sets_are_the_documented_ones():
    assert set(OPEN_STATUSES) == {S.OPEN, S.ACKNOWLEDGED, S.IN_REMEDY, S.DISPUTED}
    assert set(REMEDY_STATUSES) == {S.ACKNOWLEDGED, S.IN_REMEDY}
    # Pages ask ``Gap.is_open`` rather than naming the statuses again.
    assert {s for s in S if Gap(status=s).is_open} == set(OPEN_STATUSES)


def test_the_job_the_filter_and_the_badges_agree_on_every_status():
    """Each status with both deadlines past (and both ahead): the annotation, the list filter
    and the escalation job's flag all say the same, since they read the same rule."""
    today = timezone.localdate()
    gaps = {}
    for status in S.values:
        for past in (True, False):
            due = today - 3 * DAY if past else today + 3 * DAY
            gaps[(status, past)] = GapFactory(
                status=status,
                acknowledge_due_on=due,
                remedy_due_on=due,
                closed_at=timezone.now() if status == S.CLOSED else None,
                root_cause="found" if status == S.CLOSED else "",
                prevented_on=today if status == S.PREVENTED else None,
            )
    annotated = {g.pk: g for g in with_lateness(Gap.objects.all(), today=today)}
    filtered = set(
        GapFilterSet({"overdue": "true"}, queryset=Gap.objects.all()).qs.values_list(
            "pk", flat=True
        )
    )
    gaps_escalate_overdue()
    flagged = set(Gap.objects.filter(overdue=True).values_list("pk", flat=True))
    for (status, past), gap in gaps.items():
        expected = past and status in (S.OPEN, *REMEDY_STATUSES)
        row = annotated[gap.pk]
        assert row.is_late is expected, (status, past)
        assert row.acknowledge_late is (expected and status == S.OPEN), (status, past)
        assert row.remedy_late is (expected and status in REMEDY_STATUSES), (status, past)
        assert (gap.pk in filtered) is expected, (status, past)
        assert (gap.pk in flagged) is expected, (status, past)


@pytest.mark.parametrize(
    ("status", "late_shown"),
    [(S.OPEN, 1), (S.ACKNOWLEDGED, 1), (S.IN_REMEDY, 1), (S.DISPUTED, 0)],
)
def test_gap_page_shows_late_only_where_the_rule_says_so(client, cx_user, status, late_shown):
    """A disputed gap is not late (the dispute stops both clocks): the page used to say "late"
    beside both of its past deadlines, reading the dates in the template."""
    past = timezone.localdate() - 3 * DAY
    gap = GapFactory(status=status, acknowledge_due_on=past, remedy_due_on=past)
    client.force_login(cx_user)
    page = client.get(reverse("gaps:detail", args=[gap.pk])).content.decode()
    assert page.count('<span class="flag flag-overdue">late</span>') == late_shown


def test_preset_views_list_the_open_statuses(cx_user):
    (name, url), _overdue = preset_views(cx_user)
    assert name == "Open gaps"
    for status in OPEN_STATUSES:
        assert f"status={status}" in url
    assert "status=closed" not in url
