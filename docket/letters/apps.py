from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "docket.letters"
    verbose_name = _("Letters")

    def ready(self) -> None:
        from docket.letters import signals  # noqa: F401  (connects the receivers)
