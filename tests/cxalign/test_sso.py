"""Single sign-on without a browser: the claim-to-group mapping, the backend's user sync,
local passwords switched off, and the pages while single sign-on is off."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse

from cxalign.auth import PASSWORDS_OFF_MESSAGE
from cxalign.sso import claims as sso_claims
from cxalign.sso.backend import REFUSAL_SESSION_KEY, SsoBackend
from gaps import permissions
from tests.factories import RoleFactory, TeamFactory, UserFactory

MAPPING = {
    "cx-team": permissions.CX_TEAM,
    "owners": permissions.ROLE_OWNER,
    "leadership": permissions.EXECUTIVE,
    "api": permissions.INTEGRATION,  # not managed by single sign-on: ignored
}


@pytest.mark.parametrize(
    ("provider_groups", "expected"),
    [
        (["cx-team"], {permissions.CX_TEAM}),
        (["owners", "leadership", "cooks"], {permissions.ROLE_OWNER, permissions.EXECUTIVE}),
        ("leadership", {permissions.EXECUTIVE}),
        (["cooks", "interns"], set()),
        ([], set()),
        (None, set()),
        (["api"], set()),
        (["CX-TEAM"], set()),  # provider group names are matched exactly
    ],
)
def test_provider_groups_map_to_cxalign_groups(provider_groups, expected):
    claims = {"email": "a@example.com", "groups": provider_groups}
    assert sso_claims.groups_from_claims(claims, claim="groups", mapping=MAPPING) == expected


def test_role_keys_name_team_and_role():
    assert sso_claims.role_key("billing", "Billing Operations Manager") == (
        "billing:billing-operations-manager"
    )
    claims = {"cx_roles": [" Billing:Billing-Operations-Manager ", ""]}
    assert sso_claims.role_keys_from_claims(claims, claim="cx_roles") == {
        "billing:billing-operations-manager"
    }


@pytest.fixture
def backend(settings, rf: RequestFactory):
    settings.OIDC_GROUP_MAP = MAPPING
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_ROLES_CLAIM = "cx_roles"
    sso = SsoBackend()
    sso.request = rf.get("/accounts/sso/callback/")
    sso.request.session = {}
    return sso


@pytest.mark.django_db
def test_first_sign_in_creates_the_user_with_the_mapped_groups_and_claimed_roles(backend):
    billing = TeamFactory(name="Billing", slug="billing")
    role = RoleFactory(name="Billing Operations Manager", team=billing)
    RoleFactory(name="Finance Director", team=billing)
    claims = {
        "email": "oskar@example.com",
        "preferred_username": "oskar",
        "given_name": "Oskar",
        "family_name": "Owner",
        "groups": ["owners", "cooks"],
        "cx_roles": ["billing:billing-operations-manager", "nowhere:nothing"],
    }
    assert backend.verify_claims(claims)
    user = backend.create_user(claims)
    assert (user.username, user.get_full_name()) == ("oskar", "Oskar Owner")
    assert not user.has_usable_password()
    assert permissions.group_names(User.objects.get(pk=user.pk)) == {permissions.ROLE_OWNER}
    assert list(user.owned_roles.all()) == [role]


@pytest.mark.django_db
def test_a_later_sign_in_follows_the_provider_and_keeps_unmanaged_groups(backend):
    user = UserFactory(username="carla", groups=[permissions.CX_TEAM, permissions.INTEGRATION])
    backend.update_user(user, {"email": user.email, "groups": ["leadership"]})
    assert permissions.group_names(User.objects.get(pk=user.pk)) == {
        permissions.EXECUTIVE,
        permissions.INTEGRATION,
    }


@pytest.mark.django_db
def test_without_a_roles_claim_the_cx_teams_assignments_stay(backend, settings):
    settings.OIDC_ROLES_CLAIM = ""
    user = UserFactory(username="oskar")
    role = RoleFactory(owners=[user])
    backend.update_user(user, {"email": user.email, "groups": ["owners"], "cx_roles": []})
    assert list(user.owned_roles.all()) == [role]


@pytest.mark.django_db
def test_username_taken_locally_gets_a_suffix(backend):
    UserFactory(username="carla")
    user = backend.create_user(
        {"email": "carla.new@example.com", "preferred_username": "carla", "groups": ["cx-team"]}
    )
    assert user.username == "carla2"


def test_unknown_groups_are_refused_and_the_reason_kept_for_the_page(backend):
    assert not backend.verify_claims({"email": "i@example.com", "groups": ["interns"]})
    assert backend.request.session[REFUSAL_SESSION_KEY] == {
        "reason": "no_group",
        "email": "i@example.com",
        "groups": ["interns"],
    }
    assert not backend.verify_claims({"groups": ["cx-team"]})
    assert backend.request.session[REFUSAL_SESSION_KEY]["reason"] == "no_email"


@pytest.mark.django_db
def test_the_refusal_page_explains_unknown_groups(client, settings):
    settings.OIDC_GROUP_MAP = MAPPING
    session = client.session
    session[REFUSAL_SESSION_KEY] = {"reason": "no_group", "email": "i@x.io", "groups": ["cooks"]}
    session.save()
    response = client.get(reverse("sso_refused"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "none of the groups" in text
    assert "<code>cooks</code>" in text
    assert "<code>leadership</code>" in text


@pytest.mark.django_db
def test_sso_pages_are_404_while_it_is_off(client):
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404
    assert "sso-sign-in" not in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_password_sign_in_works_while_local_passwords_are_on(client):
    UserFactory(username="carla", groups=[permissions.CX_TEAM])
    response = client.post(reverse("login"), {"username": "carla", "password": "secret-pass-123"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_local_passwords_off_refuses_everyone_but_superusers(client, settings):
    settings.CXALIGN_LOCAL_PASSWORDS = False
    settings.OIDC_ENABLED = True
    UserFactory(username="carla", groups=[permissions.CX_TEAM])
    admin = UserFactory(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()

    refused = client.post(reverse("login"), {"username": "carla", "password": "secret-pass-123"})
    assert refused.status_code == 200
    assert PASSWORDS_OFF_MESSAGE in refused.content.decode()
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("login")).content.decode()
    assert 'id="sso-sign-in"' in page
    assert "Administrators: sign in with a password" in page

    allowed = client.post(reverse("login"), {"username": "root", "password": "secret-pass-123"})
    assert allowed.status_code == 302
