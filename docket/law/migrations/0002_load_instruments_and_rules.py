import json
from pathlib import Path

from django.db import migrations

RIGHTS = Path(__file__).resolve().parent.parent / "rights.json"


def load(apps, schema_editor):
    data = json.loads(RIGHTS.read_text())
    Instrument = apps.get_model("law", "Instrument")
    Article = apps.get_model("law", "Article")
    RightsRule = apps.get_model("law", "RightsRule")
    EventType = apps.get_model("cases", "EventType")
    articles = {}
    for entry in data["instruments"]:
        instrument, _ = Instrument.objects.update_or_create(
            code=entry["code"], defaults={"name": entry["name"]}
        )
        for item in entry["articles"]:
            article, _ = Article.objects.update_or_create(
                instrument=instrument, number=item["number"], defaults={"title": item["title"]}
            )
            articles[f"{entry['code']} {item['number']}"] = article
    for entry in data["rules"]:
        rule = RightsRule.objects.create(
            event_type=EventType.objects.get(code=entry["event_type"]),
            when=entry["when"],
            why=entry["why"],
        )
        rule.articles.set([articles[reference] for reference in entry["articles"]])


class Migration(migrations.Migration):
    dependencies = [
        ("law", "0001_create_instruments_articles_rules"),
        ("cases", "0002_load_event_types_and_roles"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
