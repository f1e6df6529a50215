import json
from pathlib import Path

from django.db import migrations

VOCABULARY = Path(__file__).resolve().parent.parent / "vocabulary.json"


def load(apps, schema_editor):
    RelationshipKind = apps.get_model("people", "RelationshipKind")
    for term in json.loads(VOCABULARY.read_text())["relationship_kinds"]:
        RelationshipKind.objects.update_or_create(
            code=term["code"],
            defaults={"label": term["label"], "esf": term["esf"], "position": term["position"]},
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_create_persons_names_relationships")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
