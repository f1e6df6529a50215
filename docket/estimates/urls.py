"""Addresses of the estimates, under /estimates/."""

from django.urls import URLPattern, URLResolver, path

from docket.estimates import views

app_name = "estimates"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.estimate_page, name="estimate"),
]
