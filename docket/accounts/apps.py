from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "docket.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from docket.accounts import auditing

        auditing.connect()
