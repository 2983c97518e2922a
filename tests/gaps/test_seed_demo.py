"""``seed_demo`` builds the demo organisation and changes nothing when run again."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from gaps.models import Role, Team, Theme, Touchpoint


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module; every test reads the same data (rolled back at the end)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            out = StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Team, Role, Touchpoint, Theme, User)
    }


@pytest.mark.django_db
def test_demo_organisation_is_realistic(seeded):
    assert Team.objects.count() >= 10
    facing = set(Team.objects.filter(customer_facing=True).values_list("name", flat=True))
    assert facing == {"Marketing", "Sales", "Support"}
    assert {"Engineering", "Billing", "Legal", "Logistics", "IT", "HR", "Partners"} <= set(
        Team.objects.filter(customer_facing=False).values_list("name", flat=True)
    )
    assert set(Role.objects.values_list("level", flat=True)) == set(Role.Level.values)
    assert not Role.objects.filter(owners=None).exists()
    assert Touchpoint.objects.filter(cost_per_contact__gt=0).count() >= 8
    for username, group in [("cx", "cx_team"), ("owner", "role_owner"), ("exec", "executive")]:
        assert User.objects.get(username=username).groups.filter(name=group).exists()
        assert username in seeded
    assert "cxalign-demo" in seeded


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(seeded):
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


@pytest.mark.django_db
def test_demo_user_can_sign_in(seeded, client):
    assert client.login(username="owner", password="cxalign-demo")
