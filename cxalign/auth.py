"""Sign-in: django-axes' lockout check, local passwords (switchable off), the sign-in page."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop


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


class LocalPasswordBackend(ModelBackend):
    """Django's password check, unless local passwords are switched off
    (``CXALIGN_LOCAL_PASSWORDS=0``, with single sign-on): then administrators only, so that
    someone can still get in when the identity provider is down."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not (settings.CXALIGN_LOCAL_PASSWORDS or user.is_superuser):
            return None
        return user


# Marked for translation here, translated where it is shown (the constant stays a str).
PASSWORDS_OFF_MESSAGE = gettext_noop(
    "Passwords are switched off here except for administrators: sign in with your company account."
)


class SignInForm(AuthenticationForm):
    """The sign-in form; with passwords switched off, a refusal says what to do instead."""

    def get_invalid_login_error(self) -> ValidationError:
        if not settings.CXALIGN_LOCAL_PASSWORDS:
            return ValidationError(gettext(PASSWORDS_OFF_MESSAGE), code="passwords_off")
        return super().get_invalid_login_error()


class SignInView(LoginView):
    """The sign-in page: the company account button when single sign-on is on, the password
    form unless passwords are switched off (then folded away, for administrators)."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.OIDC_ENABLED
        context["sso_label"] = settings.OIDC_PROVIDER_NAME
        context["local_passwords"] = settings.CXALIGN_LOCAL_PASSWORDS
        return context
