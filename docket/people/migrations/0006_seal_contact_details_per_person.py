"""Give every person a data key id, and re-seal their contact details (in the live table
and in every history row) under a data key of their own (docket.lib.datakeys).

Until the next migration the fields are still the keyring-sealed SealedTextField, so
reading them here gives the clear text; the new values are written with plain SQL, which
that field would otherwise seal a second time.
"""

from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from docket.lib.datakeys import new_key_id, seal_with


def seal_per_person(apps: Any, schema_editor: Any) -> None:
    Person = apps.get_model("people", "Person")
    HistoricalPerson = apps.get_model("people", "HistoricalPerson")
    PersonKey = apps.get_model("people", "PersonKey")
    connection = schema_editor.connection
    quote = connection.ops.quote_name

    for pk in Person._base_manager.filter(data_key="").values_list("pk", flat=True).iterator():
        Person._base_manager.filter(pk=pk).update(data_key=new_key_id())
    HistoricalPerson._base_manager.update(
        data_key=Coalesce(
            Subquery(Person._base_manager.filter(pk=OuterRef("id")).values("data_key")[:1]),
            Value(""),
        )
    )

    keys: dict[str, bytes] = {}

    def key_of(key_id: str) -> bytes:
        if key_id not in keys:
            keys[key_id] = AESGCM.generate_key(256)
            PersonKey._base_manager.create(key_id=key_id, wrapped=keys[key_id])
        return keys[key_id]

    def reseal(model: Any, pk_name: str) -> None:
        table = quote(model._meta.db_table)
        rows = model._base_manager.exclude(contact_details="").exclude(data_key="")
        with connection.cursor() as cursor:
            for pk, key_id, text in rows.values_list(pk_name, "data_key", "contact_details"):
                sealed = seal_with(key_of(key_id), key_id, text)
                cursor.execute(
                    f"UPDATE {table} SET contact_details = %s WHERE {quote(pk_name)} = %s",  # noqa: S608  # nosec B608
                    [sealed, pk],
                )

    reseal(Person, "id")
    reseal(HistoricalPerson, "history_id")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_add_person_data_keys"),
    ]

    operations = [
        migrations.RunPython(seal_per_person, elidable=False),
    ]
