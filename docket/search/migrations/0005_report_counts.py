"""The reports' victims and distinct counts (docket.search.tallies): the tables, then
their rows from the events already indexed. On a large database this takes a while (about
as long as `docket search reindex` takes for the events); the counts are exact from the
moment it commits."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def count(apps: Any, schema_editor: Any) -> None:
    from docket.search.documents import Indexer

    Indexer(apps).tallies.build()


def forget(apps: Any, schema_editor: Any) -> None:
    for name in ("ReportCount", "AudienceSet", "EventVictim"):
        apps.get_model("search", name).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0004_carry_person_names'),
        ('law', '0002_load_instruments_and_rules'),
        ('people', '0007_person_sealed_fields'),
        ('cases', '0006_name_event_and_involvement_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='AudienceSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=40, unique=True)),
                ('key', models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name='EventVictim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.BigIntegerField()),
                ('person_id', models.BigIntegerField()),
                ('case_id', models.BigIntegerField()),
                ('facts', models.IntegerField()),
                ('place', models.IntegerField(default=0)),
                ('authority', models.IntegerField(default=0)),
                ('status', models.IntegerField(default=0)),
                ('start_key', models.DateField()),
                ('sex', models.IntegerField(default=0)),
                ('age', models.SmallIntegerField(default=0)),
                ('audience', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='search.audience')),
                ('person_audience', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='search.audience')),
            ],
            options={
                'indexes': [models.Index(fields=['person_id'], name='search_victim_person'), models.Index(fields=['case_id'], name='search_victim_case')],
                'constraints': [models.UniqueConstraint(fields=('event_id', 'person_id'), name='search_victim_once')],
            },
        ),
        migrations.CreateModel(
            name='ReportCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('measure', models.SmallIntegerField()),
                ('dimension', models.SmallIntegerField()),
                ('value', models.IntegerField()),
                ('count', models.IntegerField()),
                ('audiences', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='search.audienceset')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('measure', 'dimension', 'audiences', 'value'), name='search_report_count_once')],
            },
        ),
        migrations.RunPython(count, forget),
    ]
