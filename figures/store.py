"""The reporting store: de-identified facts that every figure is computed from.

Facts hold coarse categories only (age band, gender, ethnic group, disability, postcode
district, area, pathway, organisation type, intervention, dates to the day): never a name,
date of birth, identifier or free text. Each fact row carries ``subject``, a keyed pseudonym
of the person (an HMAC under the blind-index key, in a domain of its own) so that a person's
facts can be replaced when their records change. Without the key it links to nothing, and no
figure, CSV or API answer ever includes it.

**How the store stays current.** A trigger on every source table marks the person stale
(``StaleSubject``) in the same transaction as the change. Every figures read first folds in
the people marked stale (``refresh_stale``), so a reader never sees figures that miss a
committed change: the lag a reader can observe is none, and the cost of catching up is paid
by the first read after the changes (a batch of ``FOLD_BATCH`` people at a time).
``rebuild_figures`` rebuilds every fact from scratch, with a progress bar. Facts follow the
records: when the retention schedule erases a person, their facts go too, so an incremental
store and a rebuild from scratch always agree.

Each kind of fact registers a builder here (``register_builder``), so the store knows how to
replace one person's facts of that kind and how to empty them all.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

from django.db import connection, transaction

from core.encryption import blind_index
from figures.models import StaleSubject

SUBJECT_DOMAIN = "figures.subject"
FOLD_BATCH = 500
REBUILD_BATCH = 2000


@dataclass(frozen=True)
class Builder:
    """``replace(person_ids, subjects)`` deletes and re-creates those people's facts of one
    kind (``subjects`` maps each id to its pseudonym); ``model`` is its fact table, and
    ``derived`` any tables kept from those facts (emptied with them by a rebuild)."""

    name: str
    model: type
    replace: Callable[[list[UUID], dict[UUID, str]], None]
    derived: tuple = ()


_builders: dict[str, Builder] = {}


def register_builder(*, name: str, model: type, replace, derived: tuple = ()) -> None:
    builder = Builder(name, model, replace, tuple(derived))
    if name in _builders and _builders[name] != builder:
        raise ValueError(f"a second fact builder {name!r}")
    _builders[name] = builder


def builders() -> list[Builder]:
    return [_builders[name] for name in sorted(_builders)]


def subject_of(person_id) -> str:
    return blind_index(SUBJECT_DOMAIN, str(person_id))


def replace_facts(person_ids: Iterable) -> None:
    """Rebuild every kind of fact for these people (gone people simply lose theirs)."""
    ids = list(person_ids)
    if not ids:
        return
    subjects = {person_id: subject_of(person_id) for person_id in ids}
    with transaction.atomic():
        for builder in builders():
            builder.replace(ids, subjects)


def refresh_stale(*, batch: int = FOLD_BATCH) -> int:
    """Fold the people marked stale into the store; returns how many were folded in.

    Markers are taken ``SKIP LOCKED``, so two readers folding in at once share the work
    instead of queueing; a marker written while its person is being rebuilt waits for that
    transaction and is folded in by the next read."""
    folded = 0
    while True:
        with transaction.atomic():
            taken = list(
                StaleSubject.objects.select_for_update(skip_locked=True)
                .order_by("marked_at")
                .values_list("person_id", flat=True)[:batch]
            )
            if not taken:
                return folded
            replace_facts(taken)
            StaleSubject.objects.filter(person_id__in=taken).delete()
            folded += len(taken)


def stale_count() -> int:
    return StaleSubject.objects.count()


def _all_person_ids(batch: int) -> Iterator[list[UUID]]:
    from referrals.models import Person

    last = None
    while True:
        people = Person.objects.order_by("id")
        if last is not None:
            people = people.filter(id__gt=last)
        ids = list(people.values_list("id", flat=True)[:batch])
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild(*, progress=None, batch: int = REBUILD_BATCH) -> int:
    """Empty the store and rebuild every person's facts; ``progress(n)`` is told as each
    batch lands. Returns the number of people. Readers keep the old facts until it commits."""

    total = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables = [m._meta.db_table for b in builders() for m in (b.model, *b.derived)]
            tables.append(StaleSubject._meta.db_table)
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        for ids in _all_person_ids(batch):
            replace_facts(ids)
            total += len(ids)
            if progress is not None:
                progress(len(ids))
    return total


def people_count() -> int:
    from referrals.models import Person

    return Person.objects.count()
