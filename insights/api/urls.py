"""Routes of the insights app's API under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import FeedItemViewSet, InsightViewSet, RoutingRuleViewSet

router = DefaultRouter(trailing_slash=True)
# One root for the whole API lists every app's resources: cxalign/api_urls.py.
router.include_root_view = False
router.register("insights", InsightViewSet, basename="insight")
router.register("routing-rules", RoutingRuleViewSet, basename="routingrule")
router.register("feed-items", FeedItemViewSet, basename="feeditem")

urlpatterns = router.urls
