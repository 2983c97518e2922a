"""Gap pages."""

from django.urls import path

from . import views

app_name = "gaps"

urlpatterns = [
    path("", views.gap_list, name="list"),
    path("export.csv", views.gap_export, name="export"),
    path("mine/", views.my_gaps, name="mine"),
    path("bulk/", views.gap_bulk, name="bulk"),
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("new/", views.gap_create, name="create"),
    path("prevented/new/", views.gap_prevent, name="prevent"),
    path("import/", views.gap_import, name="import"),
    path("import/template.csv", views.gap_import_template, name="import_template"),
    path("<int:pk>/", views.gap_detail, name="detail"),
    path("<int:pk>/edit/", views.gap_edit, name="edit"),
    path("<int:pk>/transition/", views.gap_transition, name="transition"),
    path("<int:pk>/remedy/", views.gap_remedy, name="remedy"),
    path("<int:pk>/comments/", views.gap_comment, name="comment"),
    path("<int:pk>/comments/<int:comment_pk>/edit/", views.gap_comment_edit, name="comment_edit"),
]
