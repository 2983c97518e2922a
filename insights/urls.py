"""Insight and feed pages."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.insight_list, name="list"),
    path("feed/", views.my_feed, name="my_feed"),
    path("feed/<int:role_id>/", views.feed, name="feed"),
]
