"""The kinds of record a notification can be about, registered by the apps that own them.

Notifications sit below every domain app (the domain's services call them in their own
transactions), so they cannot ask a domain app's permission rules themselves. Each app
registers, from its ``AppConfig.ready``, how to ask its own rules which of some records a
user may open now, and where each one's page is. ``visible`` answers for many ids at once,
so a page of notifications costs one query per kind of record, whatever its length.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    visible: Callable[[object, list[str]], Iterable]
    url: Callable[[str], str]


_subjects: dict[str, Subject] = {}


def register(subject_type: str, *, visible, url) -> None:
    """``visible(user, ids)`` returns the ids (as given, strings) the user may open now;
    ``url(id)`` is the record's page."""
    subject = Subject(visible, url)
    if subject_type in _subjects and _subjects[subject_type] != subject:
        raise ValueError(f"a second notification subject {subject_type!r}")
    _subjects[subject_type] = subject


def subject(subject_type: str) -> Subject:
    try:
        return _subjects[subject_type]
    except KeyError:
        raise LookupError(f"no app registered notification subject {subject_type!r}") from None
