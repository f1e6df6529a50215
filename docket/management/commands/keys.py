from typing import Any

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from docket.cases.services import reseal_evidence
from docket.lib import crypto, datakeys


class Command(BaseCommand):
    help = "Manage the encryption keys: `docket keys rotate` re-seals everything under a new key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        path = crypto.keyring_path()
        ring = crypto.keyring()
        if not path.exists() or crypto.parse_keyring(path.read_text(), str(path)) != ring:
            raise CommandError(
                "The keys come from DOCKET_ENCRYPTION_KEYS: add a new line there "
                "(docket keys rotate prints one with --help), then run this again."
            )
        before = path.read_text()
        path.write_text(before + crypto.new_key_line() + "\n")
        try:
            with transaction.atomic():
                fields = self._reseal_fields()
                files, old_files = reseal_evidence()
        except Exception:
            # Nothing was sealed under the new key: forget it, keep the old keyring.
            path.write_text(before)
            raise
        for name in old_files:
            default_storage.delete(name)
        self.stdout.write(
            f"Now sealing under key {crypto.keyring().current_id}: "
            f"re-sealed {fields} values and {files} evidence files. "
            "Older keys stay in the keyring for backups made before today."
        )

    def _reseal_fields(self) -> int:
        count = 0
        for model in apps.get_models():
            # Values sealed per person stay under their data keys; those keys, wrapped
            # under the keyring (people.PersonKey.wrapped), are what is re-sealed.
            sealed = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, crypto.SealedTextField)
                and not isinstance(f, datakeys.PersonSealedTextField)
            ]
            if not sealed:
                continue
            manager = model._base_manager
            for row in manager.exclude(**{name: "" for name in sealed}).iterator(chunk_size=500):
                # update() writes the values sealed under the current key, without
                # touching versions or history: the content does not change.
                manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in sealed})
                count += 1
        return count
