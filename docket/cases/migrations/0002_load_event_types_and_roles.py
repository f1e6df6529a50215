import json
from pathlib import Path

from django.db import migrations

VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary.json"


def load(apps, schema_editor):
    vocabulary = json.loads(VOCABULARY.read_text())
    EventType = apps.get_model("cases", "EventType")
    for term in vocabulary["event_types"]:
        EventType.objects.update_or_create(
            code=term["code"],
            defaults={
                "label": term["label"],
                "esf": term["esf"],
                "position": term["position"],
                "fields": term["fields"],
            },
        )
    InvolvementRole = apps.get_model("cases", "InvolvementRole")
    for term in vocabulary["roles"]:
        InvolvementRole.objects.update_or_create(
            code=term["code"],
            defaults={"label": term["label"], "esf": term["esf"], "position": term["position"]},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_create_cases_events_sources_evidence")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
