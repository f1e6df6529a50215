"""Addresses of the reports pages for staff."""

from django.urls import URLPattern, URLResolver, path

from docket.reports import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.report, name="report"),
    path("download/", views.download, name="download"),
    path("events/", views.events_download, name="events_download"),
    path("saved/", views.saved_create, name="saved_create"),
    path("saved/<int:pk>/publish/", views.saved_publish, name="saved_publish"),
    path("saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
]
