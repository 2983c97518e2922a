"""Routes of the webhooks API under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import WebhookSubscriptionViewSet

router = DefaultRouter(trailing_slash=True)
# One root for the whole API lists every app's resources: cxalign/api_urls.py.
router.include_root_view = False
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
