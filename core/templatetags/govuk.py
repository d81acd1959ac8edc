"""Django form fields as GOV.UK Design System components (``core.govuk_components``).

``{% govuk_field form.name %}`` picks the component from the widget: text input, textarea,
select, radios, checkboxes, or the three-part date input; ``{% govuk_error_summary form %}``
lists a form's errors, each naming its question and linking to it.
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from core import govuk_components

register = template.Library()


@register.simple_tag
def govuk_field(field, **options):
    return govuk_components.field(field, **options)


@register.simple_tag
def govuk_error_summary(form_or_forms):
    return govuk_components.error_summary(form_or_forms)


@register.simple_tag
def choice_labels(obj, field_name: str) -> str:
    """The words for a list of codes stored in an array field ("Prevention and early
    intervention (18 and under), Alcohol-related violence ..."), in stored order."""
    field = obj._meta.get_field(field_name)
    labels = dict(getattr(field, "base_field", field).flatchoices)
    return ", ".join(str(labels.get(value, value)) for value in getattr(obj, field_name) or ())


GOVUK_DATE = "j F Y"


@register.filter
def govuk_date(value) -> str:
    """A day as the GOV.UK style guide writes it: "27 November 2026" (a moment on its day in
    the service's time zone), for Python code; templates write ``|date:"j F Y"``."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, GOVUK_DATE)


@register.filter
def govuk_datetime(value) -> str:
    """A moment as the GOV.UK style guide writes it: "27 November 2026, 5:30pm", "10am",
    "midday", "midnight", in the service's time zone.
    https://www.gov.uk/guidance/style-guide/a-to-z-of-gov-uk-style#times"""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if (local.hour, local.minute) == (0, 0):
        time = "midnight"
    elif (local.hour, local.minute) == (12, 0):
        time = "midday"
    else:
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        time = f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.day} {local:%B} {local.year}, {time}"


@register.filter
def status_colour(status: str) -> str:
    return {
        "draft": "grey",
        "submitted": "blue",
        "returned": "orange",
        "accepted_for_panel": "green",
        "declined": "red",
        "signposted": "purple",
        "withdrawn": "grey",
    }.get(status, "grey")
