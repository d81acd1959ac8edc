from django import forms

from core.forms import GovukDateField
from interventions.models import (
    ContactOutcome,
    ContactType,
    Intervention,
    OutcomeKind,
    OutcomeMeasure,
)


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
