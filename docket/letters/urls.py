"""Addresses of the letter pages: writing, sending, replies, the overdue list and the inbox."""

from django.urls import URLPattern, URLResolver, path

from docket.letters import pdf_views, views

app_name = "letters"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.letter_list, name="letter_list"),
    path("new/", views.letter_create, name="letter_create"),
    path("cases/", views.case_choices, name="case_choices"),
    path("overdue/", views.overdue, name="overdue"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/files/<int:number>/", views.inbox_file, name="inbox_file"),
    path("replies/files/<int:pk>/", views.reply_file, name="reply_file"),
    path("<int:pk>/", views.letter_detail, name="letter_detail"),
    path("<int:pk>/edit/", views.letter_edit, name="letter_edit"),
    path("<int:pk>/send/", views.letter_send, name="letter_send"),
    path("<int:pk>/replies/new/", views.reply_create, name="reply_create"),
    path("replies/<int:pk>/answers/", views.reply_answers, name="reply_answers"),
    path("<int:pk>/follow-up/", views.letter_follow_up, name="letter_follow_up"),
    path("<int:pk>/publish/", views.letter_publish, name="letter_publish"),
    path(
        "<int:pk>/publish/preview/",
        views.letter_publish_preview,
        name="letter_publish_preview",
    ),
    path("<int:pk>/delete/", views.letter_delete, name="letter_delete"),
    path("<int:pk>/pdf/", pdf_views.letter_pdf, name="letter_pdf"),
    path("<int:pk>/history/", views.letter_history, name="letter_history"),
    path("<int:pk>/history/<int:history_id>/", views.letter_version, name="letter_version"),
]
