"""Extension points of a case, so that apps built on cases add to it without cases knowing
them: the dependency runs one way (``interventions`` imports ``cases``, never the reverse).

- A *chronology source* (``TimelineSource``) says which rows of one table are entries of a
  case, at which of their times, what each entry needs (``values``: columns, related
  columns or expressions, read in the chronology's one query) and how to word it
  (``entry``). The chronology reads every source in one ``UNION ALL``, ordered and
  limited in SQL, so a page costs one query however many sources there are.
- A *case-page section* adds a block to the case page: ``context(request, case, state)``
  returns the section's template variables (``state`` carries what a failed form post wants
  shown again, e.g. ``{"allocate_form": form}``); ``template`` renders it in the main column
  and ``closure_template``, if any, adds to the summary shown once the case is closed.

Apps register in their ``AppConfig.ready()``; registering the same name twice replaces the
first, so a reloaded app does not show its section twice.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str
    by: str
    detail: str = ""


@dataclass(frozen=True)
class TimelineSource:
    """One kind of chronology entry: a row of ``rows(case, referral_ids)`` is an entry at its
    ``at`` column (a datetime; rows where it is NULL are no entry). ``referral_ids`` is a
    subquery of the case's referrals' ids, for sources kept by referral. ``values`` names
    what the entry needs: ``{name: "column" or "related__column" or an expression}``, read
    as JSON in the chronology's query (so a date comes as ISO text and a sealed column as
    its sealed text: open it with ``core.fields.opened``); ``entry(at, values)`` words the
    entry. Ties at one time are in the order sources were registered, then newest ``key``
    (an integer column) first. The filter on ``at`` and its index bound the read: put
    ``at`` in an index after the case (or referral) column.

    The chronology's statement is compiled once per process and read for any case, so
    ``rows`` may use the case only through its ``pk`` (or ``referral_ids``) and nothing
    else that changes (no "now"): compiling reads any other field of the case as a
    deferred field of a case that does not exist, and fails."""

    rows: Callable[..., QuerySet]
    at: str
    values: Mapping[str, object]
    entry: Callable[[datetime, dict], TimelineEntry]
    key: str = "pk"


@dataclass(frozen=True)
class CaseSection:
    name: str
    context: Callable[..., dict]
    template: str
    closure_template: str = ""


def user_values(path: str, *, name: str = "by") -> dict[str, str]:
    """What ``user_name(values, name)`` needs of the user at ``path`` (a foreign key), for a
    source's ``values``."""
    return {
        f"{name}.first": f"{path}__first_name",
        f"{name}.last": f"{path}__last_name",
        f"{name}.username": f"{path}__username",
    }


def user_name(values: dict, name: str = "by", *, nobody: str = "None") -> str:
    """The user's name as ``str(user)`` gives it; ``nobody`` when there is no user."""
    username = values.get(f"{name}.username")
    if username is None:
        return nobody
    full = f"{values.get(f'{name}.first') or ''} {values.get(f'{name}.last') or ''}".strip()
    return full or username


def display(model, field_name: str, value) -> str:
    """A choice's label, as ``get_FOO_display`` gives it."""
    return str(dict(model._meta.get_field(field_name).flatchoices).get(value, value))


_timeline_sources: dict[str, TimelineSource] = {}
# Counts registrations: the chronology's statement, compiled once per process, is compiled
# again for a changed set of sources.
_timeline_generation = 0
_case_sections: dict[str, CaseSection] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    global _timeline_generation
    _timeline_sources[name] = source
    _timeline_generation += 1


def timeline_sources() -> list[TimelineSource]:
    return list(_timeline_sources.values())


def timeline_sources_generation() -> int:
    return _timeline_generation


def register_case_section(section: CaseSection) -> None:
    _case_sections[section.name] = section


def case_sections() -> list[CaseSection]:
    return list(_case_sections.values())
