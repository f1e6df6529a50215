"""Addresses of the public pages: published letters and reports and their feeds, for anyone."""

from django.urls import URLPattern, URLResolver, path

from docket.letters import feeds, public
from docket.reports import feeds as report_feeds
from docket.reports import views as reports

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("letters/", public.letter_list, name="letter_list"),
    path("letters/feed/", feeds.LetterFeed(), name="letter_feed"),
    path("letters/<int:pk>/", public.letter_detail, name="letter_detail"),
    path("reports/", reports.public_list, name="report_list"),
    path("reports/feed/", report_feeds.ReportFeed(), name="report_feed"),
    path("reports/<int:pk>/", reports.public_detail, name="report_detail"),
]
