"""Addresses of the review of possible duplicates, under /duplicates/."""

from django.urls import URLPattern, URLResolver, path

from docket.linkage import views

app_name = "linkage"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.review, name="review"),
    path("<int:pk>/", views.pair_detail, name="pair"),
    path("person/<int:pk>/", views.person_duplicates, name="person_duplicates"),
]
