"""Insight, routing rule and feed pages."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.insight_list, name="list"),
    path("new/", views.insight_create, name="create"),
    path("<int:pk>/", views.insight_detail, name="detail"),
    path("<int:pk>/edit/", views.insight_edit, name="edit"),
    path("<int:pk>/publish/", views.insight_publish, name="publish"),
    path("<int:pk>/archive/", views.insight_archive, name="archive"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("feed/", views.my_feed, name="my_feed"),
    path("feed/<int:role_id>/", views.feed, name="feed"),
    path("feed/items/<int:pk>/state/", views.feed_item_state, name="feed_item_state"),
]
