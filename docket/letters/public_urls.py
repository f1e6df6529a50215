"""Addresses of the public pages: published letters and their feed, for anyone."""

from django.urls import URLPattern, URLResolver, path

from docket.letters import feeds, public

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("letters/", public.letter_list, name="letter_list"),
    path("letters/feed/", feeds.LetterFeed(), name="letter_feed"),
    path("letters/<int:pk>/", public.letter_detail, name="letter_detail"),
]
