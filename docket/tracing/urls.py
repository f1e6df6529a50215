"""Addresses of the tracing pages, under /tracing/."""

from django.urls import URLPattern, URLResolver, path

from docket.tracing import views

app_name = "tracing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_create, name="request_create"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/status/", views.request_step, name="request_step"),
    path("<int:pk>/matches/", views.match_decide, name="match_decide"),
    path("<int:pk>/matches/propose/", views.match_propose, name="match_propose"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("<int:pk>/consents/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/attempts/", views.attempt_add, name="attempt_add"),
    path("<int:pk>/messages/", views.message_add, name="message_add"),
    path("<int:pk>/messages/update/", views.message_update, name="message_update"),
    path("<int:pk>/reply/", views.requester_reply, name="requester_reply"),
    path("<int:pk>/reply/pdf/", views.requester_reply_pdf, name="requester_reply_pdf"),
    path("<int:pk>/for-requester.json", views.requester_export, name="requester_export"),
    path("attempts/<int:pk>/event/", views.attempt_event, name="attempt_event"),
]
