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
committed change: in ordinary use the lag a reader can observe is none. A read folds in at
most ``READ_FOLD_LIMIT`` people, so that a bulk change (an import, a retention run) cannot
make one page wait minutes; until the rest are folded in (by later reads, or by
``refresh_figures``), the figures say how many people's changes are still being counted.
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
READ_FOLD_LIMIT = 2000
# One change writes a marker per row it touches; a batch reads this many per person it folds.
MARKERS_PER_PERSON = 4
# The advisory lock key space of "a person's facts being replaced" (any fixed number).
LOCK_SPACE = 1_310_208
# The advisory lock a rebuild holds exclusively and each fold shares (any fixed number).
REBUILD_LOCK = 1_310_209
REBUILD_BATCH = 2000


@dataclass(frozen=True)
class Builder:
    """``replace(person_ids, subjects)`` deletes and re-creates those people's facts of one
    kind (``subjects`` maps each id to its pseudonym); ``model`` is its fact table, and
    ``derived`` any tables kept from those facts (emptied with them by a rebuild).

    A builder with ``recount`` keeps its derived tables in step itself, except during a
    rebuild: then it is called with ``keep_derived=False`` and writes facts only, and
    ``recount()`` recomputes its derived tables from all the facts once at the end."""

    name: str
    model: type
    replace: Callable[..., None]
    derived: tuple = ()
    recount: Callable[[], None] | None = None


_builders: dict[str, Builder] = {}


def register_builder(*, name: str, model: type, replace, derived: tuple = (), recount=None) -> None:
    builder = Builder(name, model, replace, tuple(derived), recount)
    if name in _builders and _builders[name] != builder:
        raise ValueError(f"a second fact builder {name!r}")
    _builders[name] = builder


def builders() -> list[Builder]:
    return [_builders[name] for name in sorted(_builders)]


def subject_of(person_id) -> str:
    return blind_index(SUBJECT_DOMAIN, str(person_id))


def _replace(ids: list, *, lock_people: bool, rebuilding: bool = False) -> None:
    subjects = {person_id: subject_of(person_id) for person_id in ids}
    with transaction.atomic():
        if lock_people:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(id::text, %s))"
                    " FROM unnest(%s::uuid[]) AS id ORDER BY id::text",
                    [LOCK_SPACE, ids],
                )
        for builder in builders():
            if rebuilding and builder.recount is not None:
                builder.replace(ids, subjects, keep_derived=False)
            else:
                builder.replace(ids, subjects)


def replace_facts(person_ids: Iterable) -> None:
    """Rebuild every kind of fact for these people (gone people simply lose theirs).

    Two folds of the same person at once would each delete and re-insert their facts, and
    could leave both sets; a transaction-scoped advisory lock per person, taken in one
    order, makes the second wait for the first (writers to the records never wait)."""
    ids = sorted(set(person_ids), key=str)
    if ids:
        _replace(ids, lock_people=True)


def _no_rebuild_running() -> bool:
    """Folds share the store with each other but not with a rebuild: while one runs, a fold
    does nothing (readers keep the old facts, and the markers wait for the next fold)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s)", [REBUILD_LOCK])
        return cursor.fetchone()[0]


def refresh_stale(*, batch: int = FOLD_BATCH, limit: int | None = None) -> int:
    """Fold the changes marked stale into the store, for at most ``limit`` people (all when
    None); returns how many people were folded in.

    Markers are taken ``SKIP LOCKED``, so two readers folding in at once share the work
    instead of queueing, and only the markers taken are deleted: a change committed while
    its person is being folded in leaves a marker of its own for the next fold."""
    folded = 0
    while limit is None or folded < limit:
        size = batch if limit is None else min(batch, limit - folded)
        with transaction.atomic():
            if not _no_rebuild_running():
                return folded
            taken = list(
                StaleSubject.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "person_id")[: size * MARKERS_PER_PERSON]
            )
            if not taken:
                return folded
            people = list(dict.fromkeys(person_id for _, person_id in taken))[:size]
            # Every marker of these people committed so far is covered by the rebuild that
            # follows (it reads after this), so all are taken, not only the first batch's.
            markers = list(
                StaleSubject.objects.select_for_update(skip_locked=True)
                .filter(person_id__in=people)
                .values_list("id", flat=True)
            )
            replace_facts(people)
            StaleSubject.objects.filter(id__in=markers).delete()
            folded += len(people)
    return folded


def stale_count() -> int:
    """How many people have changes still to fold in."""
    return StaleSubject.objects.values("person_id").distinct().count()


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
    """Rebuild every person's facts from their records in one transaction; ``progress(n)``
    is told as each batch lands. Returns the number of people.

    Facts are deleted, not truncated, so readers keep reading the old facts until the new
    ones commit; the markers present at the start are consumed, and changes made during the
    rebuild leave markers of their own, folded in afterwards."""
    total = 0
    with transaction.atomic():
        # Exclusive against folds, and so no lock per person: a million of those in one
        # transaction would exhaust the server's lock table.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK])
        consumed = list(
            StaleSubject.objects.select_for_update(skip_locked=True).values_list("id", flat=True)
        )
        for builder in builders():
            for model in (builder.model, *builder.derived):
                model.objects.all().delete()
        for ids in _all_person_ids(batch):
            _replace(ids, lock_people=False, rebuilding=True)
            total += len(ids)
            if progress is not None:
                progress(len(ids))
        for builder in builders():
            if builder.recount is not None:
                builder.recount()
        StaleSubject.objects.filter(id__in=consumed).delete()
    return total


def people_count() -> int:
    from referrals.models import Person

    return Person.objects.count()
