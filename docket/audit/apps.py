from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "docket.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from docket.audit import signals  # noqa: F401 - connects the login signals
