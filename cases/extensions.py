"""Extension points of a case, so that apps built on cases add to it without cases knowing
them: the dependency runs one way (``interventions`` imports ``cases``, never the reverse).

- A *chronology source* is ``source(case, referral_ids, limit) -> iterable of
  TimelineEntry``: the newest ``limit`` entries it holds for the case. The chronology merges
  every source by time.
- A *case-page section* adds a block to the case page: ``context(request, case, state)``
  returns the section's template variables (``state`` carries what a failed form post wants
  shown again, e.g. ``{"allocate_form": form}``); ``template`` renders it in the main column
  and ``closure_template``, if any, adds to the summary shown once the case is closed.

Apps register in their ``AppConfig.ready()``; registering the same name twice replaces the
first, so a reloaded app does not show its section twice.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str
    by: str
    detail: str = ""


TimelineSource = Callable[..., Iterable[TimelineEntry]]


@dataclass(frozen=True)
class CaseSection:
    name: str
    context: Callable[..., dict]
    template: str
    closure_template: str = ""


_timeline_sources: dict[str, TimelineSource] = {}
_case_sections: dict[str, CaseSection] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    _timeline_sources[name] = source


def timeline_sources() -> list[TimelineSource]:
    return list(_timeline_sources.values())


def register_case_section(section: CaseSection) -> None:
    _case_sections[section.name] = section


def case_sections() -> list[CaseSection]:
    return list(_case_sections.values())
