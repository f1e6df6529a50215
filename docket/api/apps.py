from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "docket.api"
    verbose_name = "API"
