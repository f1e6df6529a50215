"""Index the records a database already holds (a large one is faster with
`docket search reindex`, which shows its progress)."""

from typing import Any

from django.db import migrations


def index(apps: Any, schema_editor: Any) -> None:
    from docket.search.documents import Indexer

    Indexer(apps).rebuild()


def forget(apps: Any, schema_editor: Any) -> None:
    for name in ("FacetCount", "EventFacet", "SearchEntry"):
        apps.get_model("search", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_full_text_tables"),
        ("people", "0003_seal_contact_details"),
        ("cases", "0002_load_event_types_and_roles"),
        ("letters", "0001_create_letters_questions_responses"),
    ]

    operations = [migrations.RunPython(index, forget)]
