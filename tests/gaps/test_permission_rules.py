"""Who may log and change gaps (DESIGN.md, "Who uses it" and the object rules), with the
message each refusal gives: the CX team and integrations log any gap, role owners log
prevented gaps of roles they own and change only their remedy, executives never write."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gaps import services
from gaps.models import Gap
from gaps.models.gaps import GapStatus as S
from gaps.permissions import EXECUTIVE
from tests.factories import ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

PREVENTED = {"status": S.PREVENTED, "expected_monthly_occurrences": Decimal(4)}


def refusal(create, **fields) -> str:
    with pytest.raises(PermissionDenied) as error:
        create(**fields)
    return str(error.value)


@pytest.fixture
def owning_executive(owned_role):
    """An executive listed as an owner of a role, without being in the role owners' group."""
    user = UserFactory(username="edith", groups=[EXECUTIVE])
    owned_role.owners.add(user)
    return user


def test_the_cx_team_and_integrations_log_open_gaps(make_gap, cx_user, integration_user):
    assert make_gap(actor=cx_user).created_by == cx_user
    pushed = make_gap(actor=integration_user)
    assert (pushed.status, pushed.created_by) == (S.OPEN, integration_user)


def test_integrations_may_import_closed_history(make_gap, integration_user):
    closed = make_gap(
        actor=integration_user,
        status=S.CLOSED,
        closed_at=timezone.now(),
        root_cause="Old billing system.",
    )
    assert closed.status == S.CLOSED


def test_role_owners_log_prevented_gaps_of_their_roles(make_gap, owner_user, owned_role):
    gap = make_gap(actor=owner_user, **PREVENTED)
    assert (gap.status, gap.causing_role, gap.created_by) == (S.PREVENTED, owned_role, owner_user)


@pytest.mark.parametrize("status", [S.OPEN, S.CLOSED])
def test_role_owners_log_no_other_gap(make_gap, owner_user, status):
    message = refusal(make_gap, actor=owner_user, status=status)
    assert message == "Role owners log prevented gaps only."
    assert not Gap.objects.exists()


def test_role_owners_log_prevented_gaps_for_roles_they_own_only(make_gap, owner_user, other_role):
    expected = "Role owners log prevented gaps for roles they own only."
    assert refusal(make_gap, actor=owner_user, causing_role=other_role, **PREVENTED) == expected
    # No role named is no role of theirs either (refused before the missing field is).
    assert refusal(make_gap, actor=owner_user, causing_role=None, **PREVENTED) == expected
    assert not Gap.objects.exists()


@pytest.mark.parametrize("status", [S.OPEN, S.PREVENTED])
def test_executives_log_nothing_even_for_a_role_they_own(make_gap, owning_executive, status):
    fields = PREVENTED if status == S.PREVENTED else {}
    assert refusal(make_gap, actor=owning_executive, **fields) == "You may not log gaps."


def test_people_without_a_group_and_anonymous_visitors_log_nothing(make_gap):
    assert refusal(make_gap, actor=UserFactory(username="nobody")) == "You may not log gaps."
    assert refusal(make_gap, actor=AnonymousUser()) == "You may not log gaps."
    assert not Gap.objects.exists()


def test_the_cx_team_changes_any_field(gap, cx_user):
    services.gap_update(gap=gap, actor=cx_user, severity=1, title="One invoice, three parts")
    gap.refresh_from_db()
    assert (gap.severity, gap.title) == (1, "One invoice, three parts")


def test_role_owners_change_every_remedy_field_of_their_gaps(gap, owner_user):
    services.gap_update(
        gap=gap,
        actor=owner_user,
        remedy_plan="Merge the runs.",
        remedy_owner=owner_user,
        remedy_progress=60,
        root_cause="Three billing systems.",
        remedy_cost=Decimal("800.00"),
    )
    gap.refresh_from_db()
    assert (gap.remedy_plan, gap.remedy_owner, gap.remedy_progress, gap.remedy_cost) == (
        "Merge the runs.",
        owner_user,
        60,
        Decimal("800.00"),
    )


def test_role_owners_are_told_which_fields_are_not_theirs(gap, owner_user):
    with pytest.raises(PermissionDenied) as error:
        services.gap_update(
            gap=gap, actor=owner_user, title="Renamed", severity=1, remedy_plan="Merge."
        )
    assert str(error.value) == "Role owners change the remedy only, not: severity, title."
    with pytest.raises(PermissionDenied) as error:
        services.gap_update(gap=gap, actor=owner_user, themes=[ThemeFactory()])
    assert str(error.value) == "Role owners change the remedy only, not: themes."
    gap.refresh_from_db()
    assert (gap.title, gap.remedy_plan) == ("Invoices arrive in three parts", "")


@pytest.mark.parametrize("who", ["other_owner", "owning_executive", "exec_user"])
def test_nobody_else_changes_a_gap(gap, request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as error:
        services.gap_update(gap=gap, actor=actor, remedy_plan="Not mine.")
    assert str(error.value) == "You may not change this gap."
    gap.refresh_from_db()
    assert gap.remedy_plan == ""


@pytest.mark.parametrize("who", ["owner_user", "exec_user", "integration_user"])
def test_only_the_cx_team_changes_gaps_in_bulk(request, gap, who):
    from gaps.bulk import BulkAction, gaps_bulk_apply

    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as error:
        gaps_bulk_apply(gaps=[gap], actor=actor, action=BulkAction.ARCHIVE, note="x")
    assert str(error.value) == "Only the CX team changes gaps in bulk."
    gap.refresh_from_db()
    assert gap.status != S.ARCHIVED


def test_the_cx_team_changes_gaps_in_bulk(gap, cx_user):
    from gaps.bulk import BulkAction, gaps_bulk_apply

    result = gaps_bulk_apply(gaps=[gap], actor=cx_user, action=BulkAction.ARCHIVE, note="x")
    assert result.changed == [gap]


@pytest.mark.parametrize("who", ["cx_user", "owner_user"])
def test_the_change_check_lets_the_cx_team_and_the_causing_roles_owner_through(request, gap, who):
    from gaps.permissions import check_may_change_gap

    check_may_change_gap(request.getfixturevalue(who), gap)


@pytest.mark.parametrize("who", ["other_owner", "exec_user", "integration_user"])
def test_the_change_check_refuses_everyone_else(request, gap, who):
    from gaps.permissions import check_may_change_gap

    with pytest.raises(PermissionDenied) as error:
        check_may_change_gap(request.getfixturevalue(who), gap)
    assert str(error.value) == "You may change only gaps attributed to roles you own."
