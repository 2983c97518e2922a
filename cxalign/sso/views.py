"""Single sign-on pages: start, callback, the refusal page, and sign-out that ends the
provider's session too (RP-initiated logout)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc import views as oidc_views

from .backend import REFUSAL_SESSION_KEY, remember_refusal
from .discovery import sso_setting


def _require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404(_("Single sign-on is not configured."))


class SsoStartView(oidc_views.OIDCAuthenticationRequestView):
    """Send the browser to the provider's sign-in page."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs) -> None:
        # The parent reads the provider's settings here; only once we know SSO is on.
        super(oidc_views.OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        request.session.pop(REFUSAL_SESSION_KEY, None)
        return super().get(request)


class SsoCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """The provider's answer: signed in and sent where one's work is, or the refusal page."""

    get_settings = staticmethod(sso_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        if request.GET.get("error"):
            remember_refusal(
                request,
                "provider",
                error=request.GET.get("error", "")[:100],
                description=request.GET.get("error_description", "")[:300],
            )
        return super().get(request)


def sso_refused(request: HttpRequest) -> HttpResponse:
    """Why single sign-on did not sign the person in, in words they can act on (403)."""
    refusal = request.session.get(REFUSAL_SESSION_KEY) or {"reason": "unknown"}
    context = {
        "refusal": refusal,
        "allowed_groups": sorted(settings.OIDC_GROUP_MAP),
    }
    return render(request, "registration/sso_refused.html", context, status=403)


def provider_logout_url(request: HttpRequest, id_token: str) -> str | None:
    """The provider's end-session URL for this sign-in, or None where it has none."""
    endpoint = sso_setting("OIDC_OP_LOGOUT_ENDPOINT", "")
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{endpoint}?{query}"


class SignOutView(auth_views.LogoutView):
    """Django's sign-out; after a single sign-on, the provider's session ends too."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        id_token = request.session.get("oidc_id_token") if settings.OIDC_ENABLED else None
        response = super().post(request, *args, **kwargs)
        if id_token and (url := provider_logout_url(request, id_token)):
            return HttpResponseRedirect(url)
        return response
