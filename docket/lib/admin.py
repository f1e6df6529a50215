"""The base of Docket's admin pages: the admin never names a documented record.

Confidential records are not registered in the admin, but the records hang on
what is: a team owns them, a vocabulary term types them. Django's deletion
page lists every object that would be deleted with, or that protects, the one
being deleted, by name: "Case: <title>", "<relative> is parent of <person>".
An administrator may not see secret records of other teams, so those pages
give the objects being deleted by name and everything else by count.
"""

from collections import Counter
from collections.abc import Sequence

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst


class DocketModelAdmin[ModelT: Model](admin.ModelAdmin[ModelT]):
    def get_deleted_objects(
        self, objs: Sequence[ModelT] | QuerySet[ModelT], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The nested lists are what would go with each object: its summary counts them.
        named = [item for item in deleted if not isinstance(item, list)]
        if protected:
            collector = NestedObjects(using=router.db_for_write(self.model))
            collector.collect(objs)
            by_model = Counter(
                str(capfirst(blocker._meta.verbose_name_plural)) for blocker in collector.protected
            )
            protected = [f"{name}: {count}" for name, count in sorted(by_model.items())]
        return named, counts, perms_needed, protected
