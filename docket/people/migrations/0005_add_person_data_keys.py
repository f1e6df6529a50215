from django.db import migrations, models

import docket.lib.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_merge_persons"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_id", models.CharField(max_length=16, unique=True)),
                ("wrapped", docket.lib.crypto.SealedBytesField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name": "data key", "verbose_name_plural": "data keys"},
        ),
        # Empty at first; the next migration gives every person an id of their own.
        migrations.AddField(
            model_name="person",
            name="data_key",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="data_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="person",
            name="erased_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="erased at"
            ),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="erased_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="erased at"
            ),
        ),
    ]
