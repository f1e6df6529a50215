import django.db.models
from django.db import migrations

import docket.lib.datakeys


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_seal_contact_details_per_person"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="data_key",
            field=django.db.models.CharField(
                default=docket.lib.datakeys.new_key_id, editable=False, max_length=16, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="data_key",
            field=django.db.models.CharField(
                db_index=True,
                default=docket.lib.datakeys.new_key_id,
                editable=False,
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="contact_details",
            field=docket.lib.datakeys.PersonSealedTextField(
                blank=True, verbose_name="contact details"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="contact_details",
            field=docket.lib.datakeys.PersonSealedTextField(
                blank=True, verbose_name="contact details"
            ),
        ),
    ]
