"""Re-encrypt every encrypted value under the newest key, and optionally rebuild the blind
indexes under the current ``BLIND_INDEX_KEY``.

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
deploy, run ``rotate_keys`` (the command, or the job an administrator starts), then remove
the old keys. It is resumable: each batch commits on its own, and a run only picks up values
not yet under the newest key, so an interrupted run is finished by running it again.

It is set-based, so a national database rotates in minutes: each batch is one keyset
``SELECT … FOR UPDATE`` of the stale rows' sealed columns (walking the primary key, never
an OFFSET), the values opened and sealed again in Python, and one ``UPDATE … FROM
unnest(…)`` writing them back. Only values still under an old key change; a batch that
fails (a stopped process, a lost connection) rolls back whole, leaving every row of it
under the old key, which the configured key ring still reads.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from core.encryption import bulk_sealer, current_key_prefix, keyring, open_sealed
from core.fields import EncryptedFieldMixin
from referrals.models import Person

BATCH_SIZE = 2000
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


def _stale_condition(columns: list[str]) -> str:
    """SQL true for a row with a value sealed under a key other than the newest: two
    parameters (the prefix's length and the prefix) per column. Blank and NULL are not
    sealed at all (``<> ''`` is false for NULL too)."""
    quote = connection.ops.quote_name
    return " OR ".join(f"({quote(c)} <> '' AND left({quote(c)}, %s) <> %s)" for c in columns)


def _columns(model, field_names):
    return [model._meta.get_field(name).column for name in field_names]


def _count_stale(model, field_names, prefix) -> int:
    columns = _columns(model, field_names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608 - names from the models; values are parameters
            f"WHERE {_stale_condition(columns)}",
            [p for _ in columns for p in (len(prefix), prefix)],
        )
        return cursor.fetchone()[0]


@dataclass
class Rotation:
    key: str
    rewritten: int = 0
    reindexed: int = 0


def rows_to_rotate(*, blind_indexes: bool) -> int:
    """How many rows a rotation will rewrite (and people reindex): the total for progress."""
    prefix = current_key_prefix()
    total = sum(_count_stale(model, names, prefix) for model, names in encrypted_models())
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
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    pk_type = model._meta.pk.cast_db_type(connection)
    columns = _columns(model, field_names)
    stale = _stale_condition(columns)
    stale_params = [p for _ in columns for p in (len(prefix), prefix)]
    selected = ", ".join(quote(c) for c in columns)
    rewritten = 0
    last_pk = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            after = "" if last_pk is None else f"{pk} > %s AND "
            # Locked so a concurrent edit cannot be overwritten with an older value; a row
            # changed meanwhile is re-read under the lock (PostgreSQL re-checks the WHERE).
            cursor.execute(
                f"SELECT {pk}, {selected} FROM {table} WHERE {after}({stale}) "  # noqa: S608 - names from the models; values are parameters
                f"ORDER BY {pk} LIMIT %s FOR UPDATE",
                ([] if last_pk is None else [last_pk]) + stale_params + [batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            _write_batch(cursor, table, pk, pk_type, columns, _resealed(rows, prefix))
        rewritten += len(rows)
        last_pk = rows[-1][0]
        if progress is not None:
            progress(len(rows))
    return rewritten


def _resealed(rows, prefix) -> list[list]:
    """Per column, the values sealed afresh under the newest key, or None where a value is
    blank or already under it (left as it is). The plaintext is exactly what was sealed: a
    date stays its ISO text. History rows are rewritten too and gain no history of their
    own: rotation changes how a value is stored, not what it is."""
    seal = bulk_sealer()
    _, ring = keyring()
    width = len(rows[0])
    out: list[list] = [[] for _ in range(width)]
    for row in rows:
        out[0].append(row[0])
        for i in range(1, width):
            value = row[i]
            if value and not value.startswith(prefix):
                out[i].append(seal(open_sealed(value, ring=ring)))
            else:
                out[i].append(None)
    return out


def _write_batch(cursor, table, pk, pk_type, columns, values) -> None:
    """One UPDATE for the whole batch, from arrays unnested into rows."""
    quote = connection.ops.quote_name
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    arrays = ", ".join(["%s::" + pk_type + "[]"] + ["%s::text[]"] * len(columns))
    assignments = ", ".join(
        f"{quote(c)} = COALESCE(v.c{i}, t.{quote(c)})" for i, c in enumerate(columns)
    )
    cursor.execute(
        f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v(pk, {names}) "  # noqa: S608 - names from the models; values are parameters
        f"WHERE t.{pk} = v.pk",
        values,
    )


def _rebuild_blind_indexes(batch_size, progress) -> int:
    source = ["family_name", "date_of_birth", "nhs_number", "police_reference"]
    source.append("unique_pupil_number")
    quote = connection.ops.quote_name
    columns = [Person._meta.get_field(name).column for name in BLIND_INDEX_FIELDS]
    rebuilt = 0
    last_pk = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            page = Person.objects.select_for_update().order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            rows = list(page.values_list("pk", *source)[:batch_size])
            if not rows:
                break
            values: list[list] = [[] for _ in range(len(columns) + 1)]
            for pk, *fields in rows:
                person = Person(pk=pk, **dict(zip(source, fields, strict=True)))
                person.refresh_blind_indexes()
                values[0].append(pk)
                for i, name in enumerate(BLIND_INDEX_FIELDS, start=1):
                    values[i].append(getattr(person, name))
            names = ", ".join(f"c{i}" for i in range(len(columns)))
            cursor.execute(
                f"UPDATE {quote(Person._meta.db_table)} AS t SET "  # noqa: S608 - names from the models; values are parameters
                + ", ".join(f"{quote(c)} = v.c{i}" for i, c in enumerate(columns))
                + f" FROM unnest(%s::{Person._meta.pk.cast_db_type(connection)}[], "
                f"{', '.join(['%s::text[]'] * len(columns))}) "
                f"AS v(pk, {names}) WHERE t.{quote(Person._meta.pk.column)} = v.pk",
                values,
            )
        rebuilt += len(rows)
        last_pk = rows[-1][0]
        if progress is not None:
            progress(len(rows))
    return rebuilt
