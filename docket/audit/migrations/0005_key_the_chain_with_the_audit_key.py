"""Key the audit chain: new entries carry an HMAC under the audit key.

Entries already written keep their plain SHA-256 hashes and are checked as
before: rewriting them would need the append-only guard lifted, and would make
every `--expect` line printed before the upgrade worthless. Instead, when the
log holds entries, one keyed entry is appended at once saying so; its HMAC
covers the hash of the last plain entry, and so every plain entry before it.
From then on `docket audit verify` refuses a plain entry after a keyed one and
a log that ends in plain entries.
"""

from django.db import migrations, models
from django.utils import timezone

from docket.audit import chain
from docket.lib import crypto

# pg_advisory_xact_lock key of docket.audit.log: writers are serialised.
_CHAIN_LOCK = 7_420_115


def key_the_chain(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    last = AuditEntry.objects.order_by("-id").first()
    if last is None or last.chain != chain.PLAIN:
        return
    key_id, _ = crypto.audit_key()
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=None,
        actor_name="docket migrate",
        action="keyed",
        object_type="",
        object_id="",
        detail={
            "plain_entries": AuditEntry.objects.filter(chain=chain.PLAIN).count(),
            "note": "Entries before this one keep their plain SHA-256 hashes; "
            "this entry's keyed hash covers the last of them.",
        },
        previous_hash=last.hash,
        chain=chain.KEYED,
        key_id=key_id,
    )
    content = {
        "at": entry.at.isoformat(),
        "actor": None,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": "",
        "object_id": "",
        "detail": entry.detail,
        "previous_hash": entry.previous_hash,
    }
    entry.hash = chain.keyed_hash(chain.keyed_content(content, key_id), key_id)
    entry.save()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_add_merge_actions"),
    ]

    operations = [
        # Every entry already written is plain; the model's default (keyed) applies after.
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.PositiveSmallIntegerField(default=chain.PLAIN),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="chain",
            field=models.PositiveSmallIntegerField(default=chain.KEYED),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "Logged in"),
                    ("login_failed", "Failed login"),
                    ("logout", "Logged out"),
                    ("create", "Created"),
                    ("change", "Changed"),
                    ("delete", "Deleted"),
                    ("restore", "Restored"),
                    ("export", "Exported"),
                    ("import", "Imported"),
                    ("download", "Downloaded"),
                    ("publish", "Published"),
                    ("view", "Viewed"),
                    ("check", "Checked"),
                    ("merge", "Merged persons"),
                    ("unmerge", "Undid a merge"),
                    ("not_same", "Not the same person"),
                    ("keyed", "Keyed the audit log"),
                    ("anchor", "Anchored the audit log"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(key_the_chain, migrations.RunPython.noop),
    ]
