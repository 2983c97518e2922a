"""Top-level routes: pages per app, the API under /api/v1/, its schema and docs, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .auth import SignInView
from .sso import views as sso_views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", sso_views.SignOutView.as_view(), name="logout"),
    # Single sign-on (OpenID Connect); every one of these is a 404 while it is off.
    path("accounts/sso/", sso_views.SsoStartView.as_view(), name="oidc_authentication_init"),
    path(
        "accounts/sso/callback/",
        sso_views.SsoCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("accounts/sso/refused/", sso_views.sso_refused, name="sso_refused"),
    path("gaps/", include("gaps.urls")),
    path("insights/", include("insights.urls")),
    path("roi/", include("roi.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("reviews/", include("reviews.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("cxalign.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP refuses inline ones.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer JSON; elsewhere the site's own pages (cxalign/api_errors.py,
# cxalign/views.py).
handler400 = "cxalign.api_errors.bad_request"
handler403 = "cxalign.api_errors.permission_denied"
handler404 = "cxalign.api_errors.page_not_found"
handler500 = "cxalign.api_errors.server_error"
