"""Django form fields as GOV.UK Design System components (``core.govuk_components``).

``{% govuk_field form.name %}`` picks the component from the widget: text input, textarea,
select, radios, checkboxes, or the three-part date input; ``{% govuk_error_summary form %}``
lists a form's errors, each naming its question and linking to it.
"""

from django import template

from core import govuk_components

register = template.Library()


@register.simple_tag
def govuk_field(field, **options):
    return govuk_components.field(field, **options)


@register.simple_tag
def govuk_error_summary(form):
    return govuk_components.error_summary(form)


@register.simple_tag
def choice_labels(obj, field_name: str) -> str:
    """The words for a list of codes stored in an array field ("Prevention and early
    intervention (18 and under), Alcohol-related violence ..."), in stored order."""
    field = obj._meta.get_field(field_name)
    labels = dict(getattr(field, "base_field", field).flatchoices)
    return ", ".join(str(labels.get(value, value)) for value in getattr(obj, field_name) or ())


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
