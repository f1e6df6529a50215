"""Addresses of the case pages: cases, events, sources and evidence, authorities."""

from django.urls import URLPattern, URLResolver, path

from docket.cases import views

app_name = "cases"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/persons/", views.person_choices, name="person_choices"),
    path("cases/deleted/", views.deleted_list, name="deleted_list"),
    path(
        "cases/deleted/<str:kind>/<int:pk>/restore/",
        views.record_restore,
        name="record_restore",
    ),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/delete/", views.case_delete, name="case_delete"),
    path("cases/<int:pk>/history/", views.case_history, name="case_history"),
    path("cases/<int:pk>/history/<int:history_id>/", views.case_version, name="case_version"),
    path("cases/<int:pk>/events/new/", views.event_create, name="event_create"),
    path("cases/<int:pk>/relatives/refusal/", views.relative_refusal, name="relative_refusal"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("events/<int:pk>/history/", views.event_history, name="event_history"),
    path("events/<int:pk>/history/<int:history_id>/", views.event_version, name="event_version"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/delete/", views.source_delete, name="source_delete"),
    path("sources/<int:pk>/history/", views.source_history, name="source_history"),
    path(
        "sources/<int:pk>/history/<int:history_id>/",
        views.source_version,
        name="source_version",
    ),
    path("sources/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/strip/", views.evidence_strip, name="evidence_strip"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/new/", views.authority_create, name="authority_create"),
    path("authorities/<int:pk>/", views.authority_detail, name="authority_detail"),
    path("authorities/<int:pk>/edit/", views.authority_edit, name="authority_edit"),
    path("authorities/<int:pk>/history/", views.authority_history, name="authority_history"),
    path(
        "authorities/<int:pk>/history/<int:history_id>/",
        views.authority_version,
        name="authority_version",
    ),
]
