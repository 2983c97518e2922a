"""The provider's endpoints, read from its issuer's discovery document unless set explicitly.

Read on first use and kept for the process (providers change endpoints rarely, and a restart
picks a change up); nothing is fetched at start-up, so a provider that is down does not stop
cxalign from starting, only single sign-on from working.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from mozilla_django_oidc.utils import import_from_settings

# Our setting → the discovery document's key.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
TIMEOUT_SECONDS = 10

_documents: dict[str, dict] = {}


def provider_metadata(issuer: str) -> dict:
    """The issuer's ``/.well-known/openid-configuration`` (fetched once per process)."""
    if issuer not in _documents:
        import requests

        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        _documents[issuer] = response.json()
    return _documents[issuer]


def sso_setting(name: str, *default):
    """A mozilla-django-oidc setting; an endpoint left blank comes from discovery."""
    if name in ENDPOINTS and not getattr(settings, name, ""):
        if not settings.OIDC_ISSUER:
            raise ImproperlyConfigured("OIDC_ISSUER is needed to discover the provider.")
        value = provider_metadata(settings.OIDC_ISSUER).get(ENDPOINTS[name])
        if value:
            return value
        if default:
            return default[0]
        raise ImproperlyConfigured(f"The provider's discovery document has no {ENDPOINTS[name]}.")
    return import_from_settings(name, *default)
