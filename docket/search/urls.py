"""Addresses of search: the search page, the events list, saved searches."""

from django.urls import URLPattern, URLResolver, path

from docket.search import views

app_name = "search"

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", views.search_page, name="search"),
    path("events/", views.event_list, name="event_list"),
    path("search/saved/", views.saved_create, name="saved_create"),
    path("search/saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
]
