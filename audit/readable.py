"""A subject access export in words, for the printable page.

The export itself (``audit.services.subject_access_export``) is data: field names, codes,
ids and ISO dates, which the JSON download keeps as they are. The page reads it with the
models' own words: each section under its title, each record under a reference ("Referral
1") that the records pointing at it use too, field labels from ``verbose_name``, choices
by their labels, dates in GOV.UK style. The models come from each provider's
``export_models``, so audit still imports no domain app.
"""

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

from audit.describe import channel_words, record_words
from audit.models import AuditEvent
from audit.registry import registry
from core.templatetags.govuk import govuk_datetime

DATE = "j F Y"
NOT_RECORDED = "Not recorded"

SECTION_TITLES = {
    "disclosures": "Shared with other organisations",
    "access_history": "Who looked at these records",
}
# The trail's own codes, in words.
EVENT_ACTIONS = {
    "view": "Viewed",
    "list": "Seen in a list",
    "search": "Found in a search",
    "view_agenda": "Seen on a panel agenda",
    "view_decisions": "Saw the panel's decision",
    "view_access_history": "Viewed the access history",
    "break_glass": "Broke the glass",
    "subject_access_export": "Prepared a subject access export",
}
# Where a model's own verbose name is not how people say it.
LABELS = {
    "nhs_number": "NHS number",
    "legacy_dash_score": "DASH score (typed, before the checklist was recorded)",
    "marac_referral_required": "MARAC referral required",
}
EVENT_LABELS = {
    "occurred_at": "When",
    "user": "Who",
    "organisation": "Their organisation",
    "action": "What",
    "object_type": "Record",
    "channel": "Through",
    "recipient_organisation": "Shared with",
}


@dataclass
class Record:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    records: list[Record]


def _section_models() -> dict[str, type[models.Model]]:
    """Each section's model, in the order the export reads: the person, then what was done
    (providers after those they depend on), then the trail's own sections at the end."""
    found: dict[str, type[models.Model]] = {}
    for provider in registry.providers():
        found.update(provider.export_models)
    return dict(sorted(found.items(), key=lambda item: item[1] is AuditEvent))


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _choice_label(model_field, value) -> str:
    choices = dict(model_field.flatchoices) if model_field.choices else {}
    return str(choices.get(value, value))


def _event_value(name: str, value) -> str:
    if name == "action":
        return EVENT_ACTIONS.get(value, str(value).replace("_", " ").capitalize())
    if name == "object_type":
        return capfirst(record_words(value))
    if name == "channel":
        return channel_words(value)
    if name in ("purpose", "basis", "data_categories"):
        return str(value).replace("_", " ").replace(",", ", ").capitalize()
    return str(value)


def _value(model, model_field, name, value, references) -> str:
    if value is None or value == "" or value == []:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model is AuditEvent and name in (
        "action",
        "object_type",
        "channel",
        "purpose",
        "basis",
        "data_categories",
    ):
        return _event_value(name, value)
    if model_field is None:
        return str(value)
    if model_field.is_relation and model_field.related_model is not None:
        return references.get((model_field.related_model, str(value)), str(value))
    if isinstance(value, list):
        base = getattr(model_field, "base_field", model_field)
        return ", ".join(_choice_label(base, item) for item in value)
    if model_field.choices:
        return _choice_label(model_field, value)
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return govuk_datetime(moment) if moment else str(value)
    if isinstance(model_field, models.DateField):
        day = parse_date(str(value))
        return format_date(day, DATE) if day else str(value)
    return str(value)


def _position(model, name: str) -> int:
    """Fields in the model's own order (the export's JSON sorts them by name)."""
    if model is None:
        return 0
    for index, model_field in enumerate(model._meta.concrete_fields):
        if name in (model_field.name, model_field.attname):
            return index
    return len(model._meta.concrete_fields)


def _label(model, model_field, name: str) -> str:
    if model is AuditEvent and name in EVENT_LABELS:
        return EVENT_LABELS[name]
    if name in LABELS:
        return LABELS[name]
    if model_field is not None:
        return capfirst(model_field.verbose_name)
    return capfirst(name.replace("_", " "))


def readable_export(export: dict) -> list[Section]:
    section_models = _section_models()
    order = list(section_models)
    sections = dict(
        sorted(
            ((name, rows) for name, rows in export.items() if isinstance(rows, list)),
            key=lambda item: order.index(item[0]) if item[0] in order else len(order),
        )
    )
    # Every record with an id gets its reference first, so a record can name one that
    # comes in a later section.
    references: dict[tuple, str] = {}
    titles: dict[str, list[str]] = {}
    for name, rows in sections.items():
        model = section_models.get(name)
        noun = capfirst(model._meta.verbose_name) if model else "Record"
        if model is AuditEvent:
            noun = "Entry"
        titles[name] = []
        for number, row in enumerate(rows, start=1):
            title = f"{noun} {number}"
            titles[name].append(title)
            if model is not None and row.get("id") is not None:
                references[(model, str(row["id"]))] = title
    readable = []
    for name, rows in sections.items():
        model = section_models.get(name)
        records = []
        for title, row in zip(titles[name], rows, strict=True):
            record = Record(title=title)
            for key, value in sorted(row.items(), key=lambda item: _position(model, item[0])):
                if key == "id":
                    continue
                model_field = _field(model, key)
                label = _label(model, model_field, key)
                record.rows.append((label, _value(model, model_field, key, value, references)))
            records.append(record)
        title = SECTION_TITLES.get(name, capfirst(name.replace("_", " ")))
        readable.append(Section(key=name, title=title, records=records))
    return readable


def generated_at(export: dict) -> str:
    moment = parse_datetime(export.get("generated_at", ""))
    return govuk_datetime(moment) if moment else ""
