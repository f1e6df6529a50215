from typing import Any

from django.apps import AppConfig
from django.db.models.signals import pre_save


class DocketConfig(AppConfig):
    """The project package itself: base templates, static files, project-wide commands."""

    name = "docket"
    verbose_name = "Docket"

    def ready(self) -> None:
        # Every write of every Docket record, whichever way it comes (page, API,
        # import, command), stores short texts without direction overrides.
        pre_save.connect(_strip_direction_controls, dispatch_uid="docket-direction-controls")


def _strip_direction_controls(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # A restore (raw) brings back what was stored, exactly.
    if raw or not sender.__module__.startswith("docket."):
        return
    from docket.lib.names import strip_direction_controls_from

    strip_direction_controls_from(instance)
