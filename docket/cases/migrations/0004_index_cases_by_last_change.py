"""The case list reads cases most recently changed first from an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_evidence_derived_copies")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-updated_at", "-id"], name="case_recent_first"),
        ),
    ]
