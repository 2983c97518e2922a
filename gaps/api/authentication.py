"""Token authentication against hashed keys (``Authorization: Token <key>``)."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from gaps.models import ApiToken


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, checked against ``ApiToken.key_hash``; the clear key is never stored.

    ``request.auth`` is the ``ApiToken``, so ``TokenScopePermission`` can read its scopes.
    """

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None or not token.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        # At most one write a minute per token: last use is informative, not an audit log.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
