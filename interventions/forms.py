from django import forms

from core.forms import GovukDateField
from interventions.models import (
    ContactOutcome,
    ContactType,
    Intervention,
    OutcomeKind,
    OutcomeMeasure,
)


class FundingForm(forms.Form):
    funding_stream = forms.CharField(
        label="Funding stream",
        max_length=200,
        required=False,
        help_text="Who funds it, for example the Serious Violence Duty grant",
    )
    annual_funding = forms.DecimalField(
        label="Annual funding in pounds",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Leave empty if not known. The partnership figures divide it by the "
        "allocations completed, to give a cost per completion.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(forms.Form):
    contact_date = GovukDateField(label="Date of the contact")
    contact_type = forms.ChoiceField(
        label="Type", choices=ContactType.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=ContactOutcome.choices, widget=forms.RadioSelect
    )
    duration_minutes = forms.IntegerField(label="Duration in minutes", min_value=0, required=False)
    notes = forms.CharField(label="Notes", max_length=4000, required=False, widget=forms.Textarea)


class OutcomeForm(forms.Form):
    measure = forms.ModelChoiceField(
        label="Measure", queryset=OutcomeMeasure.objects.filter(derived=False), to_field_name="code"
    )
    kind = forms.ChoiceField(
        label="Baseline or follow-up", choices=OutcomeKind.choices, widget=forms.RadioSelect
    )
    value = forms.DecimalField(label="Value", max_digits=7, decimal_places=2)
    recorded_on = GovukDateField(label="Recorded on")


class TransitionForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=1000, required=False, widget=forms.Textarea)

    def __init__(self, *args, required: bool = False, label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].label = label


class AllocateForm(forms.Form):
    intervention = forms.ModelChoiceField(
        label="Intervention",
        queryset=Intervention.objects.filter(active=True).select_related("provider"),
    )
    request = forms.CharField(
        label="What is the provider asked to do?", max_length=2000, widget=forms.Textarea
    )
