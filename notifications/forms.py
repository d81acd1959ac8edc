from django import forms

from notifications.models import Kind


class PreferencesForm(forms.Form):
    email = forms.MultipleChoiceField(
        label="Email me when",
        help_text="Emails say only that something needs your attention, never who or what "
        "it is about. Every notification is on this page whatever you choose.",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
