"""Browser journey: single sign-on through a real OpenID Connect provider on loopback.

Each person signs in at the provider and lands where their group's work is; a person whose
provider groups map to none of cxalign's, and a sign-in the provider refuses, end on a page
that says why; signing out ends the provider's session too.
"""

import copy

import pytest
from django.contrib.auth.models import User

from cxalign.sso import discovery
from gaps import permissions
from tests.conftest import free_port, need_service, stop_process
from tests.factories import RoleFactory, TeamFactory
from tests.oidc import CLIENT_ID, CLIENT_SECRET, start_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "idp-pass-123"
PROVIDER_USERS = {
    "carla": {"email": "carla@example.com", "name": "Carla Cx", "groups": ["cx-team"]},
    "oskar": {
        "email": "oskar@example.com",
        "name": "Oskar Owner",
        "groups": ["cx-role-owners"],
        "cx_roles": ["billing:billing-operations-manager"],
    },
    "eleni": {"email": "eleni@example.com", "name": "Eleni Exec", "groups": ["leadership"]},
    "ingo": {"email": "ingo@example.com", "name": "Ingo Intern", "groups": ["interns"]},
}
GROUP_MAP = {
    "cx-team": permissions.CX_TEAM,
    "cx-role-owners": permissions.ROLE_OWNER,
    "leadership": permissions.EXECUTIVE,
}


@pytest.fixture(scope="session")
def identity_provider(live_server):
    users = {login: {**user, "password": PASSWORD} for login, user in PROVIDER_USERS.items()}
    try:
        provider = start_provider(port=free_port(), relying_party=live_server.url, users=users)
    except (RuntimeError, OSError) as error:
        need_service(f"no test identity provider: {error}")
    yield provider
    stop_process(provider.process)


@pytest.fixture
def sso(identity_provider, settings):
    """Single sign-on switched on against the provider, as the environment would."""
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = identity_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_GROUP_MAP = GROUP_MAP
    settings.OIDC_ROLES_CLAIM = "cx_roles"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(identity_provider.issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    discovery._documents.pop(identity_provider.issuer, None)
    return identity_provider


def sign_in_at_provider(page, login: str, password: str = PASSWORD):
    page.goto("/accounts/login/")
    page.click("#sso-sign-in")
    page.wait_for_selector("#idp-login")
    page.fill("#idp-login", login)
    page.fill("#idp-password", password)
    page.click("#idp-submit")
    page.wait_for_load_state()


def test_cx_team_member_is_created_on_first_sign_in_and_lands_on_the_gap_list(page, sso):
    sign_in_at_provider(page, "carla")
    assert page.url.endswith("/gaps/")
    assert page.locator(".whoami").inner_text().startswith("Carla Cx")
    user = User.objects.get(email="carla@example.com")
    assert permissions.group_names(user) == {permissions.CX_TEAM}
    assert not user.has_usable_password()


def test_role_owner_lands_on_the_feed_of_the_role_the_claim_names(page, sso):
    billing = TeamFactory(name="Billing", slug="billing")
    role = RoleFactory(name="Billing Operations Manager", team=billing)
    sign_in_at_provider(page, "oskar")
    assert "/insights/feed/" in page.url
    user = User.objects.get(email="oskar@example.com")
    assert list(user.owned_roles.all()) == [role]


def test_executive_lands_on_the_dashboard(page, sso):
    sign_in_at_provider(page, "eleni")
    assert page.url.endswith("/roi/")


def test_unknown_provider_group_gets_no_access_and_a_page_that_says_why(page, sso):
    sign_in_at_provider(page, "ingo")
    assert "/accounts/sso/refused/" in page.url
    text = page.locator(".sso-refused").inner_text()
    assert "none of the groups" in text
    assert "interns" in text
    assert not User.objects.filter(email="ingo@example.com").exists()
    page.goto("/gaps/")
    assert "/accounts/login/" in page.url


def test_a_sign_in_the_provider_refuses_ends_on_the_refusal_page(page, sso):
    page.goto("/accounts/login/")
    page.click("#sso-sign-in")
    page.click("#idp-refuse")
    page.wait_for_load_state()
    assert "/accounts/sso/refused/" in page.url
    assert "identity provider did not sign you in" in page.locator(".sso-refused").inner_text()


def test_wrong_password_at_the_provider_stays_there(page, sso):
    sign_in_at_provider(page, "carla", password="wrong")
    assert page.locator("#idp-error").inner_text() == "Wrong login or password."
    assert not User.objects.filter(email="carla@example.com").exists()


def test_signing_out_ends_the_provider_session_too(page, sso):
    sign_in_at_provider(page, "carla")
    assert page.url.endswith("/gaps/")
    page.click(".whoami button[type=submit]")
    page.wait_for_load_state()
    # The provider asks to confirm ending its session, then returns to our sign-in page.
    assert page.url.startswith(sso.issuer)
    page.click("button[name=logout]")
    page.wait_for_url("**/accounts/login/")
    # Signing in again needs the provider's password again: its session is gone.
    page.click("#sso-sign-in")
    page.wait_for_selector("#idp-login")
