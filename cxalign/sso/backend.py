"""Signing people in through the identity provider: first sign-in creates the user, every
sign-in sets their groups (and, where configured, the roles they own) from the claims."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from gaps.models import Role

from . import claims as sso_claims
from .discovery import sso_setting

logger = logging.getLogger(__name__)

# Why the last sign-in through the provider was refused, for the page that explains it.
REFUSAL_SESSION_KEY = "cxalign_sso_refusal"


def remember_refusal(request, reason: str, **details) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[REFUSAL_SESSION_KEY] = {"reason": reason, **details}


class SsoBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matched by e-mail, with cxalign's group mapping.

    Configured lazily: a password sign-in passes through every backend, and must neither need
    the provider's settings nor fetch its discovery document.
    """

    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs) -> None:
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None  # not a return from the provider (e.g. a password sign-in)
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict) -> bool:
        if not claims.get("email"):
            remember_refusal(self.request, "no_email")
            return False
        groups = self._groups(claims)
        if not groups:
            remember_refusal(
                self.request,
                "no_group",
                email=claims.get("email", ""),
                groups=sso_claims.claim_values(claims, settings.OIDC_GROUPS_CLAIM),
            )
            logger.info("SSO sign-in refused for %s: no mapped group", claims.get("email"))
            return False
        return True

    def _groups(self, claims: dict) -> set[str]:
        return sso_claims.groups_from_claims(
            claims, claim=settings.OIDC_GROUPS_CLAIM, mapping=settings.OIDC_GROUP_MAP
        )

    def get_or_create_user(self, access_token, id_token, payload):
        user_info = self.get_userinfo(access_token, id_token, payload)
        # A refused sign-in is an answer, not a suspicious request: no user is created.
        if not self.verify_claims(user_info):
            return None
        return super().get_or_create_user(access_token, id_token, payload)

    def get_userinfo(self, access_token, id_token, payload):
        # Read once per sign-in (``get_or_create_user`` asks before and inside the parent).
        cached = getattr(self, "_user_info", None)
        if cached is None:
            cached = self._user_info = super().get_userinfo(access_token, id_token, payload)
        return cached

    def create_user(self, claims: dict) -> User:
        user = self.UserModel.objects.create_user(
            self._free_username(claims), email=claims["email"]
        )
        user.set_unusable_password()
        return self.update_user(user, claims)

    def _free_username(self, claims: dict) -> str:
        wanted = (claims.get("preferred_username") or claims["email"].split("@")[0])[:140]
        username, n = wanted, 1
        while self.UserModel.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{wanted}{n}"
        return username

    @transaction.atomic
    def update_user(self, user: User, claims: dict) -> User:
        """Names, groups and (when a roles claim is configured) owned roles from the claims."""
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.save()
        wanted = self._groups(claims)
        user.groups.remove(*Group.objects.filter(name__in=sso_claims.MANAGED_GROUPS - wanted))
        # The groups come with the data migration; made here only if someone removed one.
        user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in sorted(wanted)])
        if settings.OIDC_ROLES_CLAIM and settings.OIDC_ROLES_CLAIM in claims:
            keys = sso_claims.role_keys_from_claims(claims, claim=settings.OIDC_ROLES_CLAIM)
            roles = [
                role
                for role in Role.objects.select_related("team")
                if sso_claims.role_key(role.team.slug, role.name) in keys
            ]
            user.owned_roles.set(roles)
        return user
