"""Django form fields as GOV.UK Design System components, rendered by GOV.UK Frontend's own
macros (``govuk-frontend-jinja``, the Jinja port that ``govuk-frontend-django`` is built
on), so the markup, ids and ARIA wiring are the Design System's, not ours.

``govuk-frontend-django`` builds a fresh Jinja environment and compiles the macro on every
render (about 60 ms a field); one cached environment here makes a field cost well under a
millisecond, with the same templates.
https://design-system.service.gov.uk/components/
"""

import functools

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment, PackageLoader, PrefixLoader, select_autoescape

# The macro of each component: (template folder, macro name).
MACROS = {
    "input": ("input", "govukInput"),
    "textarea": ("textarea", "govukTextarea"),
    "select": ("select", "govukSelect"),
    "radios": ("radios", "govukRadios"),
    "checkboxes": ("checkboxes", "govukCheckboxes"),
    "date": ("date-input", "govukDateInput"),
    "error_summary": ("error-summary", "govukErrorSummary"),
    "file": ("file-upload", "govukFileUpload"),
}


@functools.cache
def _environment() -> Environment:
    loader = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    return Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _template(component: str):
    folder, macro = MACROS[component]
    return _environment().from_string(
        f"{{%- from 'govuk_frontend_jinja/components/{folder}/macro.html' import {macro} -%}}"
        f"{{{{ {macro}(params) }}}}"
    )


def _without_nones(value):
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nones(v) for v in value]
    return value


def render(component: str, params: dict) -> SafeString:
    return mark_safe(_template(component).render(params=_without_nones(params)))  # noqa: S308


def kind(field) -> str:
    widget = field.field.widget
    # CheckboxSelectMultiple subclasses RadioSelect: ask for it first, or a multiple-choice
    # question renders as radios and silently keeps only one answer.
    # A multiple-choice field is checkboxes whatever widget it was declared with: a select
    # would show one choice and keep one.
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.SelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.MultiWidget):
        return "date"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


# --- Messages ------------------------------------------------------------------------------

CHOICE_KINDS = {"radios", "checkboxes", "select", "checkbox"}


def _question(label) -> str:
    """A label as it reads mid-sentence: "Family name" becomes "family name", while an
    initialism such as "NHS number" keeps its capitals."""
    text = str(label)
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def error_text(field, error) -> str:
    """The GOV.UK error message pattern says what to do about which question ("Enter family
    name", "Select size"); Django's generic messages name nothing, and an error summary of
    four "This field is required." lines helps no one.
    https://design-system.service.gov.uk/components/error-message/"""
    message = str(error)
    question = _question(field.label)
    choice = kind(field) in CHOICE_KINDS
    if message == str(forms.Field.default_error_messages["required"]):
        return f"{'Select' if choice else 'Enter'} {question}"
    if message.startswith("Select a valid choice."):
        return f"Select one of the options for {question}"
    return message


def error_target(field) -> str:
    """The id the error summary links to: the first box of a date, the first option of a
    choice (GOV.UK Frontend gives it the bare id), or the input itself."""
    return f"{field.auto_id}_0" if kind(field) == "date" else field.auto_id


def error_summary(forms_on_page) -> SafeString:
    """One summary for a page's form, or for the several forms one page asks together."""
    if isinstance(forms_on_page, forms.BaseForm):
        forms_on_page = [forms_on_page]
    errors = []
    for form in forms_on_page:
        errors += [{"text": str(e), "href": "#main-content"} for e in form.non_field_errors()]
        for field in form:
            errors += [
                {"text": error_text(field, error), "href": f"#{error_target(field)}"}
                for error in field.errors
            ]
    if not errors:
        return mark_safe("")
    return render("error_summary", {"titleText": "There is a problem", "errorList": errors})


# --- Fields --------------------------------------------------------------------------------

DATE_PARTS = (("Day", 2), ("Month", 2), ("Year", 4))


def _choices(field):
    """The field's choices as (value, label), without a blank "choose one" entry."""
    return [(value, label) for value, label in field.field.choices if value != ""]


def _is_grouped(field) -> bool:
    return any(isinstance(label, list | tuple) for _, label in field.field.choices)


def _grouped_radios(field, *, legend: dict, hint, errors: list[str], chosen: str) -> SafeString:
    """One radios question whose choices come in groups (Django's grouped choices): one
    fieldset, each group's radios under its own small legend, and the ungrouped answers
    ("Prefer not to say") last. All share the field's name, so the browser keeps one answer;
    the first option has the field's own id, which the error summary links to."""
    blocks = []
    loose = []
    for index, (value, label) in enumerate(field.field.choices):
        if not isinstance(label, list | tuple):
            if value != "":
                loose.append(
                    {"value": str(value), "text": str(label), "checked": str(value) == chosen}
                )
            continue
        items = [
            {"value": str(code), "text": str(text), "checked": str(code) == chosen}
            for code, text in label
        ]
        blocks.append(
            render(
                "radios",
                {
                    "name": field.html_name,
                    "idPrefix": field.auto_id if not blocks else f"{field.auto_id}-group{index}",
                    "fieldset": {
                        "legend": {"text": str(value), "classes": "govuk-fieldset__legend--s"}
                    },
                    "items": items,
                    "classes": "govuk-radios--small",
                },
            )
        )
    if loose:
        blocks.append(
            render(
                "radios",
                {
                    "name": field.html_name,
                    "idPrefix": f"{field.auto_id}-none",
                    "items": [{"divider": "or"}, *loose],
                    "classes": "govuk-radios--small",
                },
            )
        )
    hint_id, error_id = f"{field.auto_id}-hint", f"{field.auto_id}-error"
    described_by = " ".join(name for name, shown in ((hint_id, hint), (error_id, errors)) if shown)
    return format_html(
        '<div class="govuk-form-group{}"><fieldset class="govuk-fieldset"{}>'
        '<legend class="govuk-fieldset__legend {}">{}</legend>{}{}{}</fieldset></div>',
        " govuk-form-group--error" if errors else "",
        format_html(' aria-describedby="{}"', described_by) if described_by else "",
        legend["legend"]["classes"] or "",
        legend["legend"]["text"],
        format_html('<div id="{}" class="govuk-hint">{}</div>', hint_id, hint["text"])
        if hint
        else "",
        format_html(
            '<p id="{}" class="govuk-error-message">'
            '<span class="govuk-visually-hidden">Error:</span> {}</p>',
            error_id,
            " ".join(errors),
        )
        if errors
        else "",
        mark_safe("".join(blocks)),  # noqa: S308 - rendered by GOV.UK Frontend's macros
    )


def field(field, *, classes="", autocomplete="", heading=False, type=None) -> SafeString:
    component = kind(field)
    value = field.value()
    errors = [error_text(field, error) for error in field.errors]
    error_message = {"text": " ".join(errors)} if errors else None
    hint = {"text": str(field.help_text)} if field.help_text else None
    label = {"text": str(field.label), "classes": "govuk-label--m" if heading else None}
    legend = {
        "legend": {
            "text": str(field.label),
            "classes": "govuk-fieldset__legend--m" if heading else None,
        }
    }
    common = {"name": field.html_name, "hint": hint, "errorMessage": error_message}

    if component == "input":
        input_type = type or getattr(field.field.widget, "input_type", "text")
        return render(
            "input",
            {
                **common,
                "id": field.auto_id,
                "label": label,
                "type": input_type,
                "value": None if input_type == "password" or value is None else str(value),
                "classes": classes or None,
                "autocomplete": autocomplete or None,
            },
        )
    if component == "file":
        # A file input never shows a value: the browser will not let a page set one.
        return render("file", {**common, "id": field.auto_id, "label": label})
    if component == "textarea":
        return render(
            "textarea",
            {
                **common,
                "id": field.auto_id,
                "label": label,
                "rows": 5,
                "value": "" if value is None else str(value),
            },
        )
    if component == "select":
        chosen = "" if value is None else str(value)
        items = [
            {
                "value": str(choice),
                "text": "Choose" if choice == "" else str(text),
                "selected": str(choice) == chosen,
            }
            for choice, text in field.field.choices
        ]
        return render("select", {**common, "id": field.auto_id, "label": label, "items": items})
    if component == "radios" and _is_grouped(field):
        chosen = "" if value is None else str(value)
        return _grouped_radios(field, legend=legend, hint=hint, errors=errors, chosen=chosen)
    if component == "radios":
        chosen = "" if value is None else str(value)
        hints = getattr(field.field, "choice_hints", {})
        items = [
            {
                "value": str(choice),
                "text": str(text),
                "checked": str(choice) == chosen,
                "hint": {"text": str(hints[choice])} if choice in hints else None,
            }
            for choice, text in _choices(field)
        ]
        return render(
            "radios",
            {
                **common,
                "idPrefix": field.auto_id,
                "fieldset": legend,
                "items": items,
                "classes": classes or None,
            },
        )
    if component == "checkboxes":
        chosen = {str(v) for v in (value or [])}
        items = [
            {"value": str(choice), "text": str(text), "checked": str(choice) in chosen}
            for choice, text in _choices(field)
        ]
        return render(
            "checkboxes",
            {
                **common,
                "idPrefix": field.auto_id,
                "fieldset": legend,
                "items": items,
                "classes": "govuk-checkboxes--small",
            },
        )
    if component == "checkbox":
        item = {"value": "true", "text": str(field.label), "checked": bool(value), "hint": hint}
        return render(
            "checkboxes",
            {
                "name": field.html_name,
                "idPrefix": field.auto_id,
                "errorMessage": error_message,
                "items": [item],
                "classes": "govuk-checkboxes--small",
            },
        )
    # The three-box date: Django names the boxes name_0, name_1 and name_2.
    if not isinstance(value, list | tuple):
        value = field.field.widget.decompress(value)
    value = list(value) + [None] * (3 - len(value))
    items = [
        {
            "id": f"{field.auto_id}_{index}",
            "name": f"{field.html_name}_{index}",
            "label": part,
            "value": None if value[index] is None else str(value[index]),
            "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if errors else ""),
        }
        for index, (part, width) in enumerate(DATE_PARTS)
    ]
    return render(
        "date",
        {
            "id": field.auto_id,
            "fieldset": legend,
            "hint": {"text": str(field.help_text or "For example, 27 3 2026")},
            "errorMessage": error_message,
            "items": items,
        },
    )
