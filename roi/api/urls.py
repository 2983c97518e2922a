"""Routes of the roi app's API under /api/v1/.

``gaps/<id>/savings/`` lives here, not in the gaps router, so that the gaps app knows nothing
of ROI (dependencies point one way).
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("roi/rollups", views.RollupViewSet, basename="roi-rollup")

urlpatterns = [
    path("roi/summary/", views.SummaryView.as_view(), name="roi-summary"),
    path("gaps/<int:pk>/savings/", views.GapSavingsView.as_view(), name="gap-savings"),
    *router.urls,
]
