"""Re-encrypt every encrypted value under the newest key, and optionally rebuild the blind
indexes under the current ``BLIND_INDEX_KEY``.

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
deploy, run this command, then remove the old keys. It is resumable: each batch commits on
its own, and a run only picks up values not yet under the newest key, so an interrupted run
is finished by running it again.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Length, Substr
from tqdm import tqdm

from core.encryption import current_key_prefix
from core.fields import EncryptedFieldMixin
from referrals.models import Person


def encrypted_models() -> list[tuple[type[models.Model], list[str]]]:
    """Every model (history tables included) with encrypted columns, and those columns."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if names:
            found.append((model, names))
    return found


def stale_rows(model, field_names: list[str], prefix: str):
    """Rows with at least one value sealed under a key other than the newest (SQL only)."""
    condition = models.Q()
    annotations = {}
    for name in field_names:
        alias = f"_prefix_{name}"
        annotations[alias] = Substr(name, 1, len(prefix), output_field=models.TextField())
        condition |= (
            models.Q(**{f"{name}__isnull": False})
            & ~models.Q(**{f"{alias}": prefix})
            & models.Q(**{f"_length_{name}__gt": 0})
        )
        annotations[f"_length_{name}"] = Length(name, output_field=models.IntegerField())
    return model._default_manager.annotate(**annotations).filter(condition)


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest key; --blind-indexes rebuilds the indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--blind-indexes",
            action="store_true",
            help="Also recompute every blind index (after changing BLIND_INDEX_KEY)",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars")

    def handle(self, *args, batch_size, blind_indexes, no_progress, **options):
        prefix = current_key_prefix()
        total_rewritten = 0
        for model, field_names in encrypted_models():
            total_rewritten += self._reencrypt(model, field_names, prefix, batch_size, no_progress)
        self.stdout.write(f"Re-encrypted {total_rewritten} rows under key {prefix.split('.')[1]}")
        if blind_indexes:
            rebuilt = self._rebuild_blind_indexes(batch_size, no_progress)
            self.stdout.write(f"Rebuilt blind indexes of {rebuilt} people")

    def _reencrypt(self, model, field_names, prefix, batch_size, no_progress) -> int:
        label = model._meta.label
        pk_name = model._meta.pk.name
        remaining = stale_rows(model, field_names, prefix).count()
        rewritten = 0
        last_pk = None
        with tqdm(total=remaining, desc=label, unit="row", disable=no_progress) as bar:
            while True:
                with transaction.atomic():
                    batch = stale_rows(model, field_names, prefix).order_by(pk_name)
                    if last_pk is not None:
                        batch = batch.filter(**{f"{pk_name}__gt": last_pk})
                    # Locked so a concurrent edit cannot be overwritten with an older value.
                    rows = list(
                        model._default_manager.select_for_update()
                        .filter(pk__in=list(batch.values_list(pk_name, flat=True)[:batch_size]))
                        .order_by(pk_name)
                    )
                    if not rows:
                        break
                    # Assigning the decrypted values back makes save() seal them afresh
                    # under the newest key. bulk_update writes no history rows: rotation
                    # changes how a value is stored, not what it is.
                    model._default_manager.bulk_update(rows, field_names)
                rewritten += len(rows)
                last_pk = getattr(rows[-1], pk_name)
                bar.update(len(rows))
        return rewritten

    def _rebuild_blind_indexes(self, batch_size, no_progress) -> int:
        index_fields = [
            "family_name_dob_index",
            "nhs_number_index",
            "police_reference_index",
            "unique_pupil_number_index",
        ]
        rebuilt = 0
        queryset = Person.objects.order_by("pk")
        with tqdm(total=queryset.count(), desc="blind indexes", disable=no_progress) as bar:
            last_pk = None
            while True:
                with transaction.atomic():
                    page = queryset.select_for_update()
                    if last_pk is not None:
                        page = page.filter(pk__gt=last_pk)
                    people = list(page[:batch_size])
                    if not people:
                        break
                    for person in people:
                        person.refresh_blind_indexes()
                    Person.objects.bulk_update(people, index_fields)
                rebuilt += len(people)
                last_pk = people[-1].pk
                bar.update(len(people))
        return rebuilt
