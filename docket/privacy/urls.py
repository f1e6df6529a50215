"""Addresses of data protection, under /privacy/."""

from django.urls import URLPattern, URLResolver, path

from docket.privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("register/", views.register_page, name="register"),
    path("retention/", views.retention_page, name="retention"),
    path("hold/<int:pk>/", views.legal_hold, name="legal_hold"),
    path("disclosures/", views.disclosure_log, name="disclosures"),
    path("basis/person/<int:pk>/", views.set_basis, {"model": "person"}, name="person_basis"),
    path(
        "basis/tracing/<int:pk>/",
        views.set_basis,
        {"model": "tracingrequest"},
        name="tracing_request_basis",
    ),
    path("basis/evidence/<int:pk>/", views.set_basis, {"model": "evidence"}, name="evidence_basis"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/access/", views.request_access, name="request_access"),
]
