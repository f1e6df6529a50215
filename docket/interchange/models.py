"""The refs that imported records had in the files they came from.

A ref is the sender's own identifier, unique within a collection of one
source; remembering it makes a second import of the same file change nothing.
"""

from django.db import models


class ImportedRef(models.Model):
    source = models.CharField(max_length=200)
    collection = models.CharField(max_length=40)
    ref = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "collection", "ref"], name="ref_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["collection", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.collection}/{self.ref}"
