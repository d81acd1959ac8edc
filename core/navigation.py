"""The service navigation and the home page's worklists, assembled from what each app offers.

Apps register their sections and worklists in ``AppConfig.ready``, each with a predicate that
asks the app's own permission rules (``can``); the base template and the home page show
only what the signed-in person can use, and never restate who that is. ``core`` imports no
domain app: the registries are filled from above.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    order: int
    can_use: Callable[[Any], bool]


@dataclass(frozen=True)
class Worklist:
    """One panel of the home page: ``build(user)`` returns the template's context, or
    ``None`` when there is nothing to show this person."""

    key: str
    order: int
    template: str
    can_use: Callable[[Any], bool]
    build: Callable[[Any], dict | None]


# How many records a worklist names; the rest are counted, and its link leads to them all.
WORKLIST_LENGTH = 5

_sections: dict[str, Section] = {}
_worklists: dict[str, Worklist] = {}


def register_section(*, label: str, url_name: str, order: int, can_use) -> None:
    if url_name in _sections and _sections[url_name] != Section(label, url_name, order, can_use):
        raise ValueError(f"a second navigation section for {url_name!r}")
    _sections[url_name] = Section(label, url_name, order, can_use)


def register_worklist(*, key: str, order: int, template: str, can_use, build) -> None:
    worklist = Worklist(key, order, template, can_use, build)
    if key in _worklists and _worklists[key] != worklist:
        raise ValueError(f"a second worklist {key!r}")
    _worklists[key] = worklist


def sections_for(user, path: str) -> list[dict]:
    """The sections this user can use, in order, the one holding ``path`` marked current."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        if not section.can_use(user):
            continue
        href = reverse(section.url_name)
        shown.append({"label": section.label, "href": href, "current": False})
    # The longest matching prefix is current, so /referrals/screening/ is "Screening".
    matching = [s for s in shown if s["href"] != "/" and path.startswith(s["href"])]
    if matching:
        max(matching, key=lambda s: len(s["href"]))["current"] = True
    return shown


def worklists_for(user) -> list[dict]:
    panels = []
    for worklist in sorted(_worklists.values(), key=lambda w: w.order):
        if not worklist.can_use(user):
            continue
        context = worklist.build(user)
        if context is not None:
            panels.append({"key": worklist.key, "template": worklist.template, **context})
    return panels
