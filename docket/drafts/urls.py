"""Addresses of the draft pages."""

from django.urls import URLPattern, path

from docket.drafts import views

app_name = "drafts"

urlpatterns: list[URLPattern] = [
    path("", views.start, name="start"),
    path("save/", views.save, name="save"),
]
