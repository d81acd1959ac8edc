"""What each app holds about a person, registered at start-up, so audit imports no domain app.

Subject access export, retention and erasure need every record about someone, and those
records live in the domain apps, which depend on audit (to record access), never the
reverse. So each domain app registers a ``PersonalData`` provider from its
``AppConfig.ready``, describing what it holds in its own words:

- ``models``: every model of the app that holds data about a person (a coverage test fails
  when a model tied to a person by a foreign key is covered by no provider);
- ``export(person_ids)``: the app's sections of the subject access export;
- ``retention()``: one ``RetentionFact`` per record: live, or the day it may go (the app
  knows what its statuses mean);
- ``statistics(person_id)``: the counts that outlive an erasure;
- ``erase(person_id, erasure)``: delete the records (with their history) through
  ``erasure.delete``, after unlinking other people's records that point at them.

Erasure runs providers so that records go before the records they point at: a provider
names the providers its records point at in ``depends_on`` (interventions -> cases ->
referrals), and is erased before them.

One provider, registered with ``people=True``, owns the person record itself: it finds a
person by id, finds people as IG knows them (family name and date of birth, NHS number or
police reference, through the blind indexes), names people for IG's pages, finds the
records of the same human kept under other person records (blind index matching), and says
how long a person with no other records is kept.

A provider may name the model behind each section of its export (``export_models``), so the
readable export labels fields and choices in the model's own words.

A provider names, for each kind of record it holds that is about one person, the model and
the path to that person (``named_records``, keyed by the object type audit events give the
record). A refused attempt on such a record is then about that person, and shows in their
access history, although the code that refused it never loaded the record.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Model


@dataclass(frozen=True)
class RetentionFact:
    """One record's bearing on when its person may be erased.

    A live record keeps the person; otherwise the person is kept until the latest
    ``keep_until`` of their records. A record with neither (a referral that became a case)
    leaves the date to the records that govern it.
    """

    person_id: object
    record_type: str  # counted in the retention plan, e.g. "referrals"
    keep_until: datetime.date | None = None
    live: bool = False


@dataclass(frozen=True)
class Statistic:
    """What remains of one erased record: its kind and coarse facts, never its details."""

    record_type: str
    pathway: str = ""
    area: str = ""
    outcome: str = ""
    year: int | None = None


@dataclass(frozen=True)
class PersonSummary:
    """A person as IG's pages name them: never more than it takes to tell people apart."""

    id: object
    name: str
    date_of_birth: datetime.date | None = None

    @property
    def pk(self):
        return self.id


@dataclass(frozen=True)
class RetainedPerson:
    """The person record as retention sees it."""

    id: object
    kept_until_alone: datetime.date  # how long it is kept with no other records about it


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def rows(queryset, fields) -> list[dict]:
    """Export rows: the named attributes of each record."""
    return [{f: getattr(obj, f) for f in fields} for obj in queryset]


class PersonalData:
    """Base of a provider: override what the app holds. Every method is optional."""

    label: str = ""
    models: tuple[type[Model], ...] = ()
    depends_on: tuple[str, ...] = ()
    # The model whose rows each export section holds, by section name.
    export_models: dict[str, type[Model]] = {}
    # The records about one person, by audit object type: (model, path to the person's id),
    # e.g. {"case": (Case, "person_id"), "case_note": (CaseNote, "case__person_id")}.
    named_records: dict[str, tuple[type[Model], str]] = {}

    def export(self, person_ids: list) -> dict[str, list[dict]]:
        return {}

    def retention(self) -> Iterable[RetentionFact]:
        return ()

    def statistics(self, person_id) -> Iterable[Statistic]:
        return ()

    def erase(self, person_id, erasure) -> None:
        return None


class PersonalDataOfPeople(PersonalData):
    """The provider that owns the person record (one, registered with ``people=True``)."""

    person_model: type[Model]

    def find(self, person_id):
        """The person with this id, or None."""
        raise NotImplementedError

    def find_people(
        self,
        *,
        family_name: str = "",
        date_of_birth: datetime.date | None = None,
        nhs_number: str = "",
        police_reference: str = "",
    ) -> list[PersonSummary]:
        """Every person record matching exactly (by blind index), whoever recorded it.

        Raises ``ValidationError`` naming the field when the criteria are incomplete or an
        identifier is malformed."""
        raise NotImplementedError

    def summaries(self, person_ids: Iterable) -> dict:
        """``PersonSummary`` of each person named, by id (the missing left out)."""
        raise NotImplementedError

    def same_people(self, person) -> list:
        """Ids of every person record of the same human, this one included, oldest first."""
        raise NotImplementedError

    def people(self) -> Iterable[RetainedPerson]:
        """Every person record, with how long it would be kept with nothing else about it."""
        raise NotImplementedError


class Registry:
    def __init__(self):
        self._providers: dict[str, PersonalData] = {}
        self._people: PersonalDataOfPeople | None = None

    def register(self, provider: PersonalData, *, people: bool = False) -> PersonalData:
        if not provider.label:
            raise ValueError("A personal data provider needs a label")
        existing = self._providers.get(provider.label)
        if existing is not None and type(existing) is not type(provider):
            raise ValueError(f"A second personal data provider for {provider.label!r}")
        for object_type in provider.named_records:
            owner = self.named_by(object_type)
            if owner is not None and owner.label != provider.label:
                raise ValueError(f"{object_type!r} is named by {owner.label} and {provider.label}")
        if people:
            if self._people is not None and self._people.label != provider.label:
                raise ValueError("Only one provider may own the person record")
            self._people = provider
        self._providers[provider.label] = provider
        return provider

    @property
    def people(self) -> PersonalDataOfPeople:
        if self._people is None:
            raise LookupError("No app registered the person record with audit.registry")
        return self._people

    def named_by(self, object_type: str) -> PersonalData | None:
        for provider in self._providers.values():
            if object_type in provider.named_records:
                return provider
        return None

    def person_named(self, object_type: str, object_id):
        """The id of the person the record names, or None: for a record type that names
        nobody, an id that is malformed, or a record that does not exist.

        For refused attempts, which IG must see in the person's access history. Whatever it
        finds goes only into the audit trail, never back to the refused user; and it asks the
        database once whether or not the record exists."""
        provider = self.named_by(object_type)
        if provider is None or object_id in (None, ""):
            return None
        model, path = provider.named_records[object_type]
        try:
            return model._default_manager.filter(pk=object_id).values_list(path, flat=True).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def record_named(self, record) -> tuple[str, object] | None:
        """``(object_type, person_id)`` for a record of a kind some provider names, or None:
        what a refusal on an object already in hand needs to name its person."""
        if not isinstance(record, Model) or record.pk is None:
            return None
        for provider in self._providers.values():
            for object_type, (model, _path) in provider.named_records.items():
                if type(record) is model:
                    return object_type, self.person_named(object_type, record.pk)
        return None

    def providers(self) -> list[PersonalData]:
        """Every provider, each after the providers it depends on."""
        ordered: list[PersonalData] = []
        visiting: set[str] = set()

        def visit(label: str) -> None:
            provider = self._providers.get(label)
            if provider is None:
                raise LookupError(f"No personal data provider {label!r} is registered")
            if provider in ordered:
                return
            if label in visiting:
                raise ValueError(f"Personal data providers depend on each other: {label!r}")
            visiting.add(label)
            for dependency in provider.depends_on:
                visit(dependency)
            visiting.discard(label)
            ordered.append(provider)

        for label in sorted(self._providers):
            visit(label)
        return ordered

    def erasure_order(self) -> list[PersonalData]:
        """Records go before the records they point at."""
        return list(reversed(self.providers()))

    def covered_models(self) -> dict[type[Model], str]:
        covered: dict[type[Model], str] = {}
        for provider in self._providers.values():
            for model in provider.models:
                if model in covered:
                    raise ValueError(
                        f"{model._meta.label} is covered by {covered[model]} and {provider.label}"
                    )
                covered[model] = provider.label
        return covered


registry = Registry()
register = registry.register
