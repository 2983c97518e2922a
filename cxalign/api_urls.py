"""The v1 API: each app contributes its own routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("gaps.api.urls")),
    path("", include("insights.api.urls")),
    path("", include("roi.api.urls")),
]
