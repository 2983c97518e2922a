"""Gap pages."""

from django.urls import path

from . import views

app_name = "gaps"

urlpatterns = [
    path("", views.gap_list, name="list"),
    path("mine/", views.my_gaps, name="mine"),
    path("<int:pk>/", views.gap_detail, name="detail"),
]
