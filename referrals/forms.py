"""Web forms of the caseworker's and the coordinator's journeys. They check shapes only;
the rules are the services'."""

from django import forms

from core.forms import GovukDateField
from referrals.dash import QUESTIONS, DashAnswer, DashChecklist
from referrals.equality import (
    DISABILITY_QUESTION,
    WHY_ASKED,
    Disability,
    grouped_ethnicity_choices,
)
from referrals.models import (
    SHARING_PURPOSES,
    ConsentGiver,
    ConsentMethod,
    DomesticAbuseRole,
    Gender,
    ReferralArea,
    SignpostService,
)
from referrals.pathways import (
    RISK_CHECKLIST,
    RULES_IN_WORDS,
    Pathway,
    RiskFactor,
    RiskLevel,
)
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
    # GOV.UK Design System, equality information pattern: the ethnic group first, then the
    # background within it (one question here, its backgrounds under each group's heading).
    ethnicity = forms.ChoiceField(
        label="What is their ethnic group? (optional)",
        choices=grouped_ethnicity_choices(),
        required=False,
        widget=forms.RadioSelect,
        help_text=f"Choose the option that best describes their ethnic group or background, "
        f"as they would describe it. {WHY_ASKED}",
        error_messages={
            "invalid_choice": "Select their ethnic group from the list, or leave it blank"
        },
    )
    disability = forms.ChoiceField(
        label=f"{DISABILITY_QUESTION} (optional)",
        choices=Disability.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=WHY_ASKED,
        error_messages={"invalid_choice": "Select Yes, No, Prefer not to say or Not known"},
    )
    allow_possible_duplicate = forms.BooleanField(
        label="I have checked: this is not someone already recorded", required=False
    )


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """A GOV.UK yes/no question, answered True or False."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
    )


# --- The steps of a new referral (referrals.wizard), one thing per page ------------------


class PathwayStepForm(forms.Form):
    pathway = forms.ChoiceField(
        label="Which pathway are you referring to?",
        choices=Pathway.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pathway"].choice_hints = {
            pathway: " ".join(rules) for pathway, rules in RULES_IN_WORDS.items()
        }


class IncidentStepForm(forms.Form):
    area = forms.ChoiceField(
        label="Which area is the referral for?",
        choices=ReferralArea.choices,
        widget=forms.RadioSelect,
    )
    incident_date = GovukDateField(label="Date of the incident or concern")
    incident_place = forms.CharField(
        label="Where did it happen? (optional)", max_length=200, required=False
    )

    def __init__(self, *args, pathway: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if pathway == Pathway.NTE_ALCOHOL:
            # The night-time economy pathway records where, as well as when.
            self.fields["incident_place"].required = True
            self.fields["incident_place"].label = "Where did it happen?"
            self.fields["incident_place"].help_text = "The venue or street, for example"


class NightTimeEconomyStepForm(forms.Form):
    night_time_economy = _yes_no("Was the incident in the night-time economy?")
    incident_time = forms.TimeField(
        label="Time of the incident", help_text="Use the 24-hour clock, for example 23:30"
    )


class DomesticAbuseStepForm(forms.Form):
    domestic_abuse_incident = _yes_no("Was this a domestic abuse incident?")
    knife_or_sharp_instrument = _yes_no("Was a knife or sharp instrument involved?")
    domestic_abuse_role = forms.ChoiceField(
        label="The person's role in the domestic abuse",
        choices=DomesticAbuseRole.choices,
        widget=forms.RadioSelect,
    )


class PreviousIncidentStepForm(forms.Form):
    previous_incident_date = GovukDateField(
        label="Date of the previous domestic abuse incident, in the same role (if known)",
        required=False,
        help_text="Leave blank if it is recorded in an earlier referral. For example, 27 3 2026",
    )
    previous_incident_source = forms.CharField(
        label="Where is the previous incident recorded? (if known)",
        max_length=200,
        required=False,
    )


class DashChecklistStepForm(forms.Form):
    checklist = forms.ChoiceField(
        label="Which Dash checklist did you complete with the victim?",
        choices=DashChecklist.choices,
        widget=forms.RadioSelect,
        help_text="Use the police version only if your organisation uses it.",
    )


def answer_field_name(number: int) -> str:
    return f"answer_{number}"


class DashAnswersStepForm(forms.Form):
    """The chosen checklist's questions, each answered yes, no or not known."""

    def __init__(self, *args, checklist: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        questions = QUESTIONS.get(checklist, QUESTIONS[DashChecklist.SAFELIVES_RIC_2009])
        for number, question in enumerate(questions, start=1):
            field = forms.ChoiceField(
                label=f"{number}. {question}",
                choices=DashAnswer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Answer question {number}"},
            )
            field.inline = True
            self.fields[answer_field_name(number)] = field

    def answers(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.fields]


class MaracReasonsStepForm(forms.Form):
    professional_judgement_reason = forms.CharField(
        label="Professional judgement (optional)",
        help_text="If you believe the victim is at high risk whatever the score, say why. "
        "This alone is a reason to refer to MARAC.",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )
    police_callouts_last_12_months = forms.IntegerField(
        label="Police callouts to the victim for domestic abuse in the last 12 months (if known)",
        min_value=0,
        max_value=365,
        required=False,
        help_text="3 or more is potential escalation.",
    )
    escalation_reason = forms.CharField(
        label="Potential escalation (optional)",
        help_text="If the abuse is escalating, describe how.",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )


class OutsideFocusStepForm(forms.Form):
    outside_focus_reason = forms.CharField(
        label="Why refer someone other than a man to the adults' pathway?",
        help_text="The pathway focuses on men. The panel sees a flag and your reason.",
        max_length=1000,
        widget=forms.Textarea,
    )


class RiskStepForm(forms.Form):
    risk_factors = forms.MultipleChoiceField(
        label="Which risk factors apply?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    risk_level = forms.ChoiceField(
        label="Risk level", choices=RiskLevel.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, pathway: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The chosen pathway's own checklist, in its order.
        self.fields["risk_factors"].choices = [
            (factor, RiskFactor(factor).label) for factor in RISK_CHECKLIST.get(pathway, ())
        ]


class NarrativeStepForm(forms.Form):
    narrative = forms.CharField(
        label="What happened, and why are you worried?",
        max_length=10000,
        widget=forms.Textarea,
    )


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label="Which purposes does this decision cover?",
        # Taking part in an intervention is asked apart (agreement to take part).
        choices=[(p.value, p.label) for p in SHARING_PURPOSES],
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


class ConsentStepForm(ConsentForm):
    """Consent as the new referral's step: the questions that depend on an earlier answer
    are asked for on this page, not only when the referral is submitted."""

    def clean(self):
        data = super().clean()
        if (
            data.get("given_by") == ConsentGiver.PARENT_OR_GUARDIAN
            and not data.get("giver_name", "").strip()
        ):
            self.add_error("giver_name", "Enter the name of the parent or guardian")
        if data.get("decision") == "given" and not data.get("method"):
            self.add_error("method", "Select how consent was given")
        return data


NOT_ASKED = "not_asked"


class TakingPartStepForm(forms.Form):
    """Agreement to take part in an intervention, asked apart from consent to sharing: the
    panel may not have decided on an intervention yet, so it may not have been asked."""

    taking_part = forms.ChoiceField(
        label="Do they agree to take part in an intervention if the panel offers one?",
        choices=[
            ("agreed", "Yes, they agree to take part"),
            ("declined", "No, they decline to take part"),
            (NOT_ASKED, "Not asked yet"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they agree to take part"},
    )
    taking_part_given_by = forms.ChoiceField(
        label="Who decided about taking part?",
        choices=ConsentGiver.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    taking_part_method = forms.ChoiceField(
        label="How did they agree to take part?",
        choices=ConsentMethod.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    taking_part_giver_name = forms.CharField(
        label="Name of the parent or guardian (if they decided about taking part)",
        max_length=200,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("taking_part") in (None, NOT_ASKED):
            return data
        if not data.get("taking_part_given_by"):
            self.add_error("taking_part_given_by", "Select who decided about taking part")
        if (
            data.get("taking_part_given_by") == ConsentGiver.PARENT_OR_GUARDIAN
            and not data.get("taking_part_giver_name", "").strip()
        ):
            self.add_error("taking_part_giver_name", "Enter the name of the parent or guardian")
        if data.get("taking_part") == "agreed" and not data.get("taking_part_method"):
            self.add_error("taking_part_method", "Select how they agreed to take part")
        return data

    def participation(self, decided_on) -> dict | None:
        """The ``participation_record`` arguments, or None when it was not asked."""
        data = self.cleaned_data
        if data["taking_part"] == NOT_ASKED:
            return None
        return {
            "given_by": data["taking_part_given_by"],
            "decision": data["taking_part"],
            "decided_on": decided_on,
            "method": data["taking_part_method"],
            "giver_name": data["taking_part_giver_name"],
        }


class CheckStepForm(forms.Form):
    """Check your answers: nothing to ask, the answers are confirmed by submitting."""


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
