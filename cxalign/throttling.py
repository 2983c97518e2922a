"""Request rates per API token and per signed-in user (DRF throttles, counted in the cache).

Past the rate a request is answered 429 with ``Retry-After`` (DRF's exception handler sets
it from the throttle's wait). Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]``
and ``["user"]`` (``CXALIGN_API_TOKEN_RATE``, ``CXALIGN_API_USER_RATE``), read at each
request so that settings overrides apply. A token request counts against its token and its
user: one integration cannot starve its user's other tokens beyond the user's rate. Bad
tokens are throttled apart, per client address (``gaps.api.authentication``).
"""

from django.conf import settings
from rest_framework import throttling

from gaps.models import ApiToken


class _SettingsRateThrottle(throttling.SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        return rates.get(self.scope or "")

    def allow_request(self, request, view) -> bool:
        # The rate is read per request (DRF reads it once, when the throttle is created).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenRateThrottle(_SettingsRateThrottle):
    """Requests per API token; requests without a token are not counted here."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SettingsRateThrottle):
    """Requests per signed-in user, whether by session or by any of their tokens."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        user = request.user
        if user is None or not user.is_authenticated:
            return None  # answered 401 anyway; bad tokens have their own throttle
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
