"""IG's web forms for agreements and outside-agreement approvals. They check shapes only;
the rules are the services' (``sharing.agreements``)."""

from django import forms

from core.forms import GovukDateField
from partners.models import Organisation
from sharing.models import InformationSharingAgreement, OutsideAgreementApproval, Signatory
from sharing.vocabulary import DataCategory, Purpose


def _organisations():
    return Organisation.objects.filter(active=True).order_by("name")


def _text(label: str, limit: int, *, required_message: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {limit} characters or fewer",
        },
        **kwargs,
    )


class AgreementForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Partner organisation",
        queryset=None,
        error_messages={"required": "Choose the partner organisation"},
    )
    reference = _text(
        "Reference",
        InformationSharingAgreement._meta.get_field("reference").max_length,
        required_message="Enter the agreement's reference",
        help_text="For example, ISA-2026-004",
    )
    title = _text(
        "Title",
        InformationSharingAgreement._meta.get_field("title").max_length,
        required_message="Enter the agreement's title",
    )
    purposes = forms.MultipleChoiceField(
        label="Purposes it covers",
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one purpose"},
    )
    data_categories = forms.MultipleChoiceField(
        label="Data categories it covers",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one data category"},
    )
    starts_on = GovukDateField(label="Start date", help_text="For example, 1 4 2026")
    review_on = GovukDateField(label="Review date", help_text="For example, 1 4 2027")
    ends_on = GovukDateField(
        label="End date",
        required=False,
        help_text="The last day it is in force. Leave empty if it runs until ended.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()
        if not editing:
            del self.fields["version"]


class ReviewForm(forms.Form):
    next_review_on = GovukDateField(label="Next review date", help_text="For example, 1 4 2027")
    note = forms.CharField(
        label="What did the review find?",
        widget=forms.Textarea,
        required=False,
        max_length=1000,
        error_messages={"max_length": "What the review found must be 1000 characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class EndForm(forms.Form):
    ends_on = GovukDateField(
        label="Last day of the agreement", help_text="Today or later, for example 31 3 2027"
    )
    reason = forms.CharField(
        label="Why is the agreement ending?",
        widget=forms.Textarea,
        max_length=1000,
        error_messages={
            "required": "Enter why the agreement is ending",
            "max_length": "The reason must be 1000 characters or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class SignatoryForm(forms.Form):
    name = _text(
        "Full name",
        Signatory._meta.get_field("name").max_length,
        required_message="Enter the signatory's full name",
    )
    role = _text(
        "Job title",
        Signatory._meta.get_field("role").max_length,
        required_message="Enter the signatory's job title",
    )
    organisation = forms.ModelChoiceField(
        label="Signed for",
        queryset=None,
        error_messages={"required": "Choose the organisation they signed for"},
    )
    signed_on = GovukDateField(label="Date signed", help_text="For example, 27 3 2026")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()


class ApprovalForm(forms.Form):
    discloser = forms.ModelChoiceField(
        label="Disclosed by",
        queryset=None,
        error_messages={"required": "Choose the organisation that discloses"},
    )
    recipient = forms.ModelChoiceField(
        label="Disclosed to",
        queryset=None,
        error_messages={"required": "Choose the organisation that receives it"},
    )
    purpose = forms.ChoiceField(
        label="Purpose",
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the purpose"},
    )
    data_categories = forms.MultipleChoiceField(
        label="Data categories disclosed",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one data category"},
    )
    reason = forms.CharField(
        label="Why may this be disclosed without an agreement?",
        widget=forms.Textarea,
        max_length=OutsideAgreementApproval._meta.get_field("reason").max_length,
        error_messages={
            "required": "Enter why this may be disclosed without an agreement",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )
    valid_until = GovukDateField(
        label="Approved until", help_text="The last day it may be disclosed, within 90 days"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discloser"].queryset = _organisations()
        self.fields["recipient"].queryset = _organisations()
