"""Re-encrypt every encrypted value under the newest key, and optionally rebuild the blind
indexes under the current ``BLIND_INDEX_KEY``.

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
deploy, run ``rotate_keys`` (the command, or the job an administrator starts), then remove
the old keys. It is resumable: each batch commits on its own, and a run only picks up values
not yet under the newest key, so an interrupted run is finished by running it again.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Length, Substr

from core.encryption import current_key_prefix
from core.fields import EncryptedFieldMixin
from referrals.models import Person

BATCH_SIZE = 500
BLIND_INDEX_FIELDS = [
    "family_name_dob_index",
    "nhs_number_index",
    "police_reference_index",
    "unique_pupil_number_index",
]


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


@dataclass
class Rotation:
    key: str
    rewritten: int = 0
    reindexed: int = 0


def rows_to_rotate(*, blind_indexes: bool) -> int:
    """How many rows a rotation will rewrite (and people reindex): the total for progress."""
    prefix = current_key_prefix()
    total = sum(stale_rows(model, names, prefix).count() for model, names in encrypted_models())
    return total + (Person.objects.count() if blind_indexes else 0)


def rotate_keys(
    *,
    batch_size: int = BATCH_SIZE,
    blind_indexes: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Rotation:
    """Re-encrypt every stale value under the newest key (and, with ``blind_indexes``,
    recompute every person's blind indexes); ``progress(n)`` is told as each batch commits."""
    prefix = current_key_prefix()
    rotation = Rotation(key=prefix.split(".")[1])
    for model, field_names in encrypted_models():
        rotation.rewritten += _reencrypt(model, field_names, prefix, batch_size, progress)
    if blind_indexes:
        rotation.reindexed = _rebuild_blind_indexes(batch_size, progress)
    return rotation


def _reencrypt(model, field_names, prefix, batch_size, progress) -> int:
    pk_name = model._meta.pk.name
    rewritten = 0
    last_pk = None
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
            # Assigning the decrypted values back makes save() seal them afresh under the
            # newest key. bulk_update writes no history rows: rotation changes how a value
            # is stored, not what it is.
            model._default_manager.bulk_update(rows, field_names)
        rewritten += len(rows)
        last_pk = getattr(rows[-1], pk_name)
        if progress is not None:
            progress(len(rows))
    return rewritten


def _rebuild_blind_indexes(batch_size, progress) -> int:
    rebuilt = 0
    queryset = Person.objects.order_by("pk")
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
            Person.objects.bulk_update(people, BLIND_INDEX_FIELDS)
        rebuilt += len(people)
        last_pk = people[-1].pk
        if progress is not None:
            progress(len(people))
    return rebuilt
