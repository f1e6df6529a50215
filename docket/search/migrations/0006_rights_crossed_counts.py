"""The rights at stake crossed with each other dimension, kept as counts of their own
(`docket.search.tallies.RIGHT_BY`): a cell's value holds two values, so it grows to 64
bits; then the crossed cells are counted from the index's rows (on a large database
about as long as a change to the rights rules takes)."""

from typing import Any

from django.db import migrations, models


def count(apps: Any, schema_editor: Any) -> None:
    from docket.search.documents import Indexer
    from docket.search.tallies import RIGHT_BY

    Indexer(apps).tallies.recount(list(RIGHT_BY.values()))


def forget(apps: Any, schema_editor: Any) -> None:
    from docket.search.tallies import RIGHT_BY

    apps.get_model("search", "ReportCount").objects.filter(
        dimension__in=list(RIGHT_BY.values())
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_report_counts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reportcount",
            name="value",
            field=models.BigIntegerField(),
        ),
        migrations.RunPython(count, forget),
    ]
