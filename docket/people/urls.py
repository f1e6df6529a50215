"""Addresses of the people pages, under /people/."""

from django.urls import URLPattern, URLResolver, path

from docket.people import merge_views, views

app_name = "people"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("find/", views.person_find, name="person_find"),
    path("quick/", views.person_quick, name="person_quick"),
    path("deleted/", views.deleted_list, name="deleted_list"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/relatives/add/", views.relative_add, name="relative_add"),
    path("<int:pk>/history/", views.person_history, name="person_history"),
    path("<int:pk>/history/<int:history_id>/", views.person_version, name="person_version"),
    path("<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("<int:pk>/restore/", views.person_restore, name="person_restore"),
    path("<int:pk>/erase/", views.person_erase, name="person_erase"),
    path("merges/<int:pk>/undo/", merge_views.merge_undo, name="merge_undo"),
]
