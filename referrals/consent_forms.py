"""Web forms for the consent position beyond recording a decision: Gillick competence, the
lawful basis and its approval, and withdrawals. They check shapes only; the rules (ages,
four eyes, lengths) are the services' in ``referrals.consent``.

Every required field says what is missing in its own words, so the error summary names it.
"""

from django import forms

from core.forms import GovukDateField, ReasonForm
from referrals.models import (
    SHARING_PURPOSES,
    ConsentGiver,
    ConsentMethod,
    ParticipationDecision,
)
from sharing.rules import RULE_CHOICES

COMPETENT = "competent"
NOT_COMPETENT = "not_competent"


def _required(message: str) -> dict:
    return {"required": message}


class GillickForm(forms.Form):
    competent = forms.TypedChoiceField(
        label="What did the assessment find?",
        choices=[
            (COMPETENT, "Competent to decide for themselves"),
            (NOT_COMPETENT, "Not competent: a parent or guardian decides"),
        ],
        coerce=lambda value: value == COMPETENT,
        widget=forms.RadioSelect,
        error_messages=_required("Select what the assessment found"),
    )
    assessed_on = GovukDateField(label="Date of the assessment")
    rationale = forms.CharField(
        label="How did you reach this view?",
        help_text="What the child understood of what is proposed, its risks and the "
        "alternatives, in at least 20 characters.",
        max_length=4000,
        widget=forms.Textarea,
        error_messages=_required("Enter how you reached this view"),
    )


class LawfulBasisForm(forms.Form):
    purpose = forms.ChoiceField(
        label="Which purpose would go ahead without consent?",
        help_text="Not taking part in an intervention: that is voluntary, and only the "
        "person's (or parent's) agreement lets it go ahead.",
        choices=[(p.value, p.label) for p in SHARING_PURPOSES],
        widget=forms.RadioSelect,
        error_messages=_required("Select the purpose"),
    )
    ground = forms.ChoiceField(
        label="Which sharing rule does it rely on?",
        help_text="Each rule layers its Article 6 basis, Article 9 and 10 conditions and the "
        "power to disclose; every disclosure on it is checked for who discloses and who "
        "receives.",
        choices=RULE_CHOICES,
        widget=forms.RadioSelect,
        error_messages=_required("Select the sharing rule"),
    )
    justification = forms.CharField(
        label="Why go ahead without consent?",
        help_text="Another coordinator reads this before approving it; at least 20 characters.",
        max_length=4000,
        widget=forms.Textarea,
        error_messages=_required("Enter why you would go ahead without consent"),
    )


class ApproveForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", max_length=2000, required=False, widget=forms.Textarea
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label="Why is the lawful basis rejected?",
        max_length=2000,
        widget=forms.Textarea,
        error_messages=_required("Enter why the lawful basis is rejected"),
    )


def revoke_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        label="Why does the lawful basis no longer hold?",
        required_message="Enter why the lawful basis no longer holds",
        max_length=2000,
    )


def consent_withdraw_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        label="How was the withdrawal made known?",
        hint="For example, the parent telephoned the school on Monday to withdraw it.",
        required_message="Enter how the withdrawal was made known",
        max_length=2000,
    )


def referral_withdraw_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        label="Why are you withdrawing this referral?",
        required_message="Enter why you are withdrawing this referral",
        max_length=1000,
    )


class ParticipationForm(forms.Form):
    """Agreement to take part in a voluntary intervention: who decided, and what. Whether
    that giver may decide (age, Gillick competence) is the service's rule."""

    given_by = forms.ChoiceField(
        label="Who decided?",
        choices=ConsentGiver.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select who decided"),
    )
    decision = forms.ChoiceField(
        label="Do they agree to take part in an intervention?",
        choices=[
            (ParticipationDecision.AGREED.value, "Yes, they agree to take part"),
            (ParticipationDecision.DECLINED.value, "No, they decline to take part"),
        ],
        widget=forms.RadioSelect,
        error_messages=_required("Select whether they agree to take part"),
    )
    decided_on = GovukDateField(label="Date of the decision")
    method = forms.ChoiceField(
        label="How did they agree? (optional if they declined)",
        choices=ConsentMethod.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    giver_name = forms.CharField(
        label="Name of the parent or guardian (if they decided)", max_length=200, required=False
    )
    note = forms.CharField(
        label="Note (optional)", max_length=2000, required=False, widget=forms.Textarea
    )


def participation_withdraw_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        label="How was the withdrawal made known?",
        hint="For example, the young person told their mentor they no longer want to come.",
        required_message="Enter how the withdrawal was made known",
        max_length=2000,
    )
