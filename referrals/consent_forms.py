"""Web forms for the consent position beyond recording a decision: Gillick competence, the
lawful basis and its approval, and withdrawals. They check shapes only; the rules (ages,
four eyes, lengths) are the services' in ``referrals.consent``.

Every required field says what is missing in its own words, so the error summary names it.
"""

from django import forms

from core.forms import GovukDateField, ReasonForm
from referrals.models import Purpose
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
        choices=Purpose.choices,
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
