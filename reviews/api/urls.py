"""Routes of the reviews app's API under /api/v1/.

``gaps/similar/`` and ``themes/suggestions/`` live here, not in the gaps router, so that the
gaps app knows nothing of matching by meaning (the gaps router's detail routes take digits only).
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("change-reviews", views.ChangeReviewViewSet, basename="change-review")

urlpatterns = [
    path("gaps/similar/", views.SimilarGapsView.as_view(), name="gap-similar"),
    path("themes/suggestions/", views.ThemeSuggestionsView.as_view(), name="theme-suggestions"),
    *router.urls,
]
