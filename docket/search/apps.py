from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "docket.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from docket.search import signals

        signals.connect()
