"""Web forms of the caseworker's and the coordinator's journeys. They check shapes only;
the rules are the services'."""

from django import forms

from core.forms import GovukDateField
from referrals.models import (
    ConsentGiver,
    ConsentMethod,
    DomesticAbuseRole,
    Gender,
    Purpose,
    ReferralArea,
    SignpostService,
)
from referrals.pathways import DASH_MAXIMUM, RULES_IN_WORDS, Pathway, RiskFactor, RiskLevel
from referrals.services import ScreeningOutcome


class FindPersonForm(forms.Form):
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = GovukDateField(label="Date of birth")


class NewPersonForm(forms.Form):
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = GovukDateField(label="Date of birth")
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, widget=forms.RadioSelect)
    address = forms.CharField(
        label="Address", max_length=500, required=False, widget=forms.Textarea
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    nhs_number = forms.CharField(label="NHS number (if known)", max_length=12, required=False)
    police_reference = forms.CharField(
        label="Police reference (if known)", max_length=30, required=False
    )
    unique_pupil_number = forms.CharField(
        label="Unique pupil number (if known)", max_length=15, required=False
    )
    allow_possible_duplicate = forms.BooleanField(
        label="I have checked: this is not someone already recorded", required=False
    )


class ReferralDetailsForm(forms.Form):
    pathway = forms.ChoiceField(
        label="Which pathway are you referring to?",
        choices=Pathway.choices,
        widget=forms.RadioSelect,
    )
    area = forms.ChoiceField(label="Area", choices=ReferralArea.choices, widget=forms.RadioSelect)
    incident_date = GovukDateField(label="Date of the incident or concern")
    incident_time = forms.TimeField(
        label="Time of the incident (night-time economy)",
        required=False,
        help_text="For example, 23:30",
    )
    incident_place = forms.CharField(label="Where did it happen?", max_length=200, required=False)
    narrative = forms.CharField(
        label="What happened, and why are you worried?", max_length=10000, widget=forms.Textarea
    )
    night_time_economy = forms.BooleanField(
        label="The incident was in the night-time economy", required=False
    )
    domestic_abuse_incident = forms.BooleanField(
        label="This was a domestic abuse incident", required=False
    )
    knife_or_sharp_instrument = forms.BooleanField(
        label="A knife or sharp instrument was involved", required=False
    )
    domestic_abuse_role = forms.ChoiceField(
        label="The person's role in the domestic abuse",
        choices=DomesticAbuseRole.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    previous_incident_date = GovukDateField(
        label="Date of the previous domestic abuse incident (if known)", required=False
    )
    previous_incident_source = forms.CharField(
        label="Where is the previous incident recorded?", max_length=200, required=False
    )
    dash_score = forms.IntegerField(
        label="DASH score (domestic abuse only)",
        min_value=0,
        max_value=DASH_MAXIMUM,
        required=False,
        help_text=f"0 to {DASH_MAXIMUM}. 14 or more means high risk and a MARAC referral.",
    )
    risk_factors = forms.MultipleChoiceField(
        label="Risk factors",
        choices=RiskFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each pathway has its own checklist: the pathways page lists them.",
    )
    risk_level = forms.ChoiceField(
        label="Risk level", choices=RiskLevel.choices, widget=forms.RadioSelect
    )
    outside_focus_reason = forms.CharField(
        label="Why refer someone other than a man to the adults' pathway?",
        max_length=1000,
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pathway"].choice_hints = {
            pathway: " ".join(rules) for pathway, rules in RULES_IN_WORDS.items()
        }


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label="Which purposes does this decision cover?",
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    given_by = forms.ChoiceField(
        label="Who decided?", choices=ConsentGiver.choices, widget=forms.RadioSelect
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("given", "Given"), ("refused", "Refused"), ("not_sought", "Not sought")],
        widget=forms.RadioSelect,
    )
    decided_on = GovukDateField(label="Date of the decision")
    method = forms.ChoiceField(
        label="How was it given?",
        choices=ConsentMethod.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    giver_name = forms.CharField(
        label="Name of the parent or guardian", max_length=200, required=False
    )


class ScreeningForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Screening outcome", choices=ScreeningOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Reason or note", max_length=2000, required=False, widget=forms.Textarea
    )
    questions = forms.CharField(
        label="Questions for the referrer", max_length=2000, required=False, widget=forms.Textarea
    )
    signpost_service = forms.ChoiceField(
        label="Signpost to",
        choices=SignpostService.choices,
        required=False,
        widget=forms.RadioSelect,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer to the coordinator", max_length=4000, widget=forms.Textarea
    )
