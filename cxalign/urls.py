"""Top-level routes: pages per app, the API under /api/v1/, its schema and docs, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("gaps/", include("gaps.urls")),
    path("insights/", include("insights.urls")),
    path("roi/", include("roi.urls")),
    path("api/v1/", include("cxalign.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP refuses inline ones.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer JSON; elsewhere Django's own pages (cxalign/api_errors.py).
handler400 = "cxalign.api_errors.bad_request"
handler404 = "cxalign.api_errors.page_not_found"
handler500 = "cxalign.api_errors.server_error"
