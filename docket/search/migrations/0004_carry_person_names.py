"""Cases, events and letters carry the name keys of their persons (those every reader of
the record may see): index their entries again. Their audiences do not change."""

from typing import Any

from django.db import migrations

BATCH = 2000


def reindex(apps: Any, schema_editor: Any) -> None:
    from docket.search.documents import CASE, EVENT, LETTER, MODELS, Indexer

    indexer = Indexer(apps)
    for kind in (CASE, EVENT, LETTER):
        model = apps.get_model(*MODELS[kind].split("."))
        last = 0
        while True:
            ids = list(
                model.objects.filter(pk__gt=last, deleted_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            last = ids[-1]
            indexer.sync(kind, ids)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_index_existing_records"),
        ("people", "0004_merge_persons"),
        ("cases", "0004_index_cases_by_last_change"),
        ("letters", "0005_keep_mail_bytes_and_hash"),
    ]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
