from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "docket.linkage"
    label = "linkage"
    verbose_name = _("Person matching")

    def ready(self) -> None:
        from docket.linkage import services
        from docket.people.merges import merge_undone, persons_merged

        persons_merged.connect(services.merged, dispatch_uid="docket.linkage.merged")
        merge_undone.connect(services.unmerged, dispatch_uid="docket.linkage.unmerged")
