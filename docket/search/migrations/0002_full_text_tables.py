"""The full-text index over SearchEntry: FTS5 on SQLite, a tsvector with GIN on PostgreSQL
(docket.search.fulltext). Neither is a Django model: the engines differ, and
`docket.search.engine` queries each in its own words."""

from typing import Any

from django.db import migrations

from docket.search import fulltext


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_create_search_index")]

    operations = [
        migrations.RunPython(
            _run(
                {
                    "sqlite": fulltext.SQLITE_TABLES + fulltext.SQLITE_TRIGGERS,
                    "postgresql": fulltext.POSTGRESQL,
                }
            ),
            _run(
                {
                    "sqlite": fulltext.SQLITE_DROP_TRIGGERS + fulltext.SQLITE_DROP_TABLES,
                    "postgresql": fulltext.POSTGRESQL_DROP,
                }
            ),
        )
    ]
