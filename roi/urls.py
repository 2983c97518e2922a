"""ROI pages."""

from django.urls import path

from . import views

app_name = "roi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("recognition/", views.recognition, name="recognition"),
]
