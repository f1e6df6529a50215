from django.apps import AppConfig


class DocketConfig(AppConfig):
    """The project package itself: base templates, static files, project-wide commands."""

    name = "docket"
    verbose_name = "Docket"
