"""Keep each incoming email's bytes as received (sealed), and their SHA-256.

Messages taken in before were stored as UTF-8 text (Docket refused any other
bytes), so their bytes are that text encoded again, exactly as received.
"""

import base64
import hashlib
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import docket.lib.crypto


def text_to_bytes(apps: Any, schema_editor: Any) -> None:
    InboundMail = apps.get_model("letters", "InboundMail")
    for inbound in InboundMail.objects.order_by("pk").iterator(chunk_size=200):
        data = (inbound.raw or "").encode("utf-8", errors="surrogateescape")
        # Still the text field here: sealed base64 is what the bytes field reads.
        InboundMail.objects.filter(pk=inbound.pk).update(
            raw=base64.b64encode(data).decode("ascii") if data else "",
            sha256=hashlib.sha256(data).hexdigest(),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0004_add_letter_public_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundmail",
            name="problem",
            field=models.TextField(blank=True, verbose_name="problem"),
        ),
        migrations.AddField(
            model_name="inboundmail",
            name="same_id_as",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="letters.inboundmail",
            ),
        ),
        migrations.AddField(
            model_name="inboundmail",
            name="sha256",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(text_to_bytes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inboundmail",
            name="raw",
            field=docket.lib.crypto.SealedBytesField(),
        ),
    ]
