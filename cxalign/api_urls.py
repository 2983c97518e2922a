"""The v1 API: each app contributes its own routes; one root page lists them all."""

from django.urls import include, path
from rest_framework.routers import APIRootView

from gaps.api.urls import router as gaps_router
from insights.api.urls import router as insights_router
from reviews.api.urls import router as reviews_router
from roi.api.urls import router as roi_router
from webhooks.api.urls import router as webhooks_router


def _root_entries() -> dict[str, str]:
    """Every router's list endpoints (prefix → URL name), plus the ROI summary."""
    entries = {
        prefix: f"{basename}-list"
        for router in (gaps_router, insights_router, roi_router, reviews_router, webhooks_router)
        for prefix, _viewset, basename in router.registry
    }
    entries["roi/summary"] = "roi-summary"
    return entries


urlpatterns = [
    path("", APIRootView.as_view(api_root_dict=_root_entries()), name="api-root"),
    # Before the gaps routes: reviews adds gaps/similar/ and themes/suggestions/.
    path("", include("reviews.api.urls")),
    path("", include("gaps.api.urls")),
    path("", include("insights.api.urls")),
    path("", include("roi.api.urls")),
    path("", include("webhooks.api.urls")),
]
