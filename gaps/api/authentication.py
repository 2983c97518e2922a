"""Token authentication against hashed keys (``Authorization: Token <key>``), throttled."""

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions, throttling

from gaps.models import ApiToken


class TokenFailureThrottle(throttling.SimpleRateThrottle):
    """Counts bad token headers per client address; past the rate, that client gets 429s.

    Unlike DRF's throttles it counts failures only, not every request: an integration with a
    good token is never slowed, while a client guessing keys (or stuck on a revoked one) is
    stopped before its guesses reach the database. The rate is
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_failures"]``, read at each request.
    """

    scope = "token_failures"
    # Set by DRF's ``SimpleRateThrottle.__init__`` from the rate (its stubs leave them out).
    duration: int
    num_requests: int

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [
            moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration
        ]

    def blocked(self, request) -> bool:
        """True when this client already failed ``num_requests`` times in the window."""
        if self.rate is None:
            return False
        self._load(request)
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, checked against ``ApiToken.key_hash``; the clear key is never stored.

    ``request.auth`` is the ``ApiToken``, so ``TokenScopePermission`` can read its scopes.
    Every refused token header counts against the client (``TokenFailureThrottle``).
    """

    keyword = "Token"

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None  # no token header: another scheme (or none) decides
        throttle = TokenFailureThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(
                wait=throttle.wait(),
                detail="Too many requests with a bad token from this client.",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise

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
