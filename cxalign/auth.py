"""Sign-in lockout: django-axes' check, for sign-ins that come over HTTP."""

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class SignInLockoutBackend(AxesStandaloneBackend):
    """Refuses a sign-in while its username and address are locked out; signs nobody in.

    django-axes throttles clients, so it needs the request; ``authenticate()`` called without
    one (a management command, the test client's ``login``) has no client to throttle and
    passes through to the next backend instead of raising. The sign-in page and the admin's
    always pass the request, so every password typed into a browser is counted.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def stamp_session_on_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A fresh sign-in starts the idle timeout: the session needs no renewal on its first
    request (``cxalign.middleware.SessionRenewalMiddleware``)."""
    if request is not None and hasattr(request, "session"):
        from cxalign.middleware import renew_session

        renew_session(request)
