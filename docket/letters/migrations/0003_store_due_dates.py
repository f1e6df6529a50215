"""Store each copy's due date, a cache of its sending day and its authority's rule, so
that what is overdue is one query (docket.letters.models.Dispatch.due_on)."""

from typing import Any

from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    from docket.letters.calendar import due_date

    Dispatch = apps.get_model("letters", "Dispatch")
    changed = []
    for dispatch in Dispatch.objects.filter(sent_on__isnull=False).select_related("authority"):
        authority = dispatch.authority
        dispatch.due_on = due_date(
            dispatch.sent_on,
            days=authority.response_days,
            working_days=authority.working_days,
            country=str(authority.country or ""),
        )
        changed.append(dispatch)
    Dispatch.objects.bulk_update(changed, ["due_on"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("letters", "0002_dispatches_answers_inbound")]

    operations = [
        migrations.AddField(
            model_name="dispatch",
            name="due_on",
            field=models.DateField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
