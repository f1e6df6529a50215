"""/api/v1/: the JSON API, its OpenAPI schema (openapi.json) and its docs (docs)."""

from django.urls import URLPattern, URLResolver, path

from docket.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [path("", api.urls)]
