"""Addresses of the dossiers, under the case and person pages."""

from django.urls import URLPattern, URLResolver, path

from docket.dossiers import views

app_name = "dossiers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:pk>/dossier.pdf", views.case_dossier_pdf, name="case_dossier"),
    path("cases/<int:pk>/wgad-draft.txt", views.case_wgad_draft, name="case_wgad_draft"),
    path("people/<int:pk>/dossier.pdf", views.person_dossier_pdf, name="person_dossier"),
]
