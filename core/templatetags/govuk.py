"""Render Django form fields as GOV.UK Design System components.

``{% govuk_field form.name %}`` picks the component from the widget: text input, textarea,
radios, checkboxes, or the three-part date input.
"""

from django import forms, template
from django.template.loader import render_to_string

register = template.Library()


def _kind(field) -> str:
    widget = field.field.widget
    # CheckboxSelectMultiple subclasses RadioSelect: ask for it first, or a multiple-choice
    # question renders as radios and silently keeps only one answer.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.MultiWidget):
        return "date"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.simple_tag
def govuk_field(field, **options):
    kind = _kind(field)
    value = field.value()
    if kind == "checkboxes":
        value = [str(v) for v in (value or [])]
    elif kind == "date":
        value = value if isinstance(value, list | tuple) else field.field.widget.decompress(value)
        value = list(value) + [None] * (3 - len(value))
    context = {
        "field": field,
        "value": value,
        "hints": getattr(field.field, "choice_hints", {}),
        "input_type": options.get("type") or getattr(field.field.widget, "input_type", "text"),
        "classes": options.get("classes", ""),
        "autocomplete": options.get("autocomplete", ""),
        "heading": options.get("heading", False),
    }
    return render_to_string(f"govuk/{kind}.html", context)


CHOICE_KINDS = {"radios", "checkboxes", "select", "checkbox"}


def _question(label) -> str:
    """A label as it reads mid-sentence: "Family name" becomes "family name", while an
    initialism such as "NHS number" keeps its capitals."""
    text = str(label)
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


@register.simple_tag
def govuk_error(field, error) -> str:
    """The GOV.UK error message pattern says what to do about which question ("Enter the
    family name", "Select the pathway"); Django's generic messages name nothing, and an
    error summary of four "This field is required." lines helps no one.
    https://design-system.service.gov.uk/components/error-message/"""
    message = str(error)
    question = _question(field.label)
    choice = _kind(field) in CHOICE_KINDS
    if message == str(forms.Field.default_error_messages["required"]):
        return f"{'Select' if choice else 'Enter'} {question}"
    if message.startswith("Select a valid choice."):
        return f"Select one of the options for {question}"
    return message


@register.simple_tag
def govuk_error_target(field) -> str:
    """The id the error summary links to: the first box of a date, the first option of a
    choice, or the input itself."""
    kind = _kind(field)
    if kind == "date":
        return f"{field.auto_id}_0"
    if kind in {"radios", "checkboxes"}:
        return f"{field.auto_id}-1"
    return field.auto_id


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
