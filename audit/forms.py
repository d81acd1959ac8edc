"""IG's web forms. They check shapes only; the rules (and which criteria go together) are the
services'."""

from django import forms

from audit.models import FlagOutcome
from core.forms import GovukDateField


def _messages(name: str, limit: int, required: str = "") -> dict:
    """Errors that name the question, as the GOV.UK error summary needs."""
    messages = {"max_length": f"{name} must be {limit} characters or fewer"}
    if required:
        messages["required"] = required
    return messages


class FindPeopleForm(forms.Form):
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        required=False,
        error_messages=_messages("Family name", 100),
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 27 3 2010"
    )
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=12,
        required=False,
        help_text="10 digits",
        error_messages=_messages("NHS number", 12),
    )
    police_reference = forms.CharField(
        label="Police reference",
        max_length=30,
        required=False,
        error_messages=_messages("Police reference", 30),
    )


class ReleaseForm(forms.Form):
    delivery = forms.CharField(
        label="How was the export given to the person?",
        help_text="For example, handed over at the council office, or sent by recorded post",
        max_length=500,
        widget=forms.Textarea,
        error_messages=_messages(
            "How it was given", 500, "Enter how the export was given to the person"
        ),
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=FlagOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput)
