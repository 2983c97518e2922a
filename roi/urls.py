"""ROI pages."""

from django.urls import path

from . import views

app_name = "roi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("summary/", views.executive_summary, name="summary"),
    path("recognition/", views.recognition, name="recognition"),
    path("cx-day/", views.cx_day_current, name="cx_day_current"),
    path("cx-day/<int:year>/", views.cx_day, name="cx_day"),
    path("gaps/", views.gap_pick, name="gap_pick"),
    path("gaps/<int:pk>/", views.gap_before_after, name="gap"),
]
