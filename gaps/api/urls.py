"""Routes of the gaps app's API under /api/v1/.

Detail routes match registered actions only (``transition``, ``history``), so other apps may
add their own under ``gaps/{id}/`` (the ``roi`` app's ``savings``) without being shadowed.
"""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
# One root for the whole API lists every app's resources: cxalign/api_urls.py.
router.include_root_view = False
router.register("teams", views.TeamViewSet, basename="team")
router.register("roles", views.RoleViewSet, basename="role")
router.register("touchpoints", views.TouchpointViewSet, basename="touchpoint")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("gaps", views.GapViewSet, basename="gap")
router.register("occurrences", views.OccurrenceViewSet, basename="occurrence")

urlpatterns = router.urls
