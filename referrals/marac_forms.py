"""Web forms of the domestic abuse risk pages: the Dash checklist, linking a perpetrator,
a MARAC referral and its meeting. They check shapes only; the rules are referrals.marac's."""

from django import forms

from core.forms import GovukDateField
from referrals.forms import DashAnswersStepForm, FindPersonForm, MaracReasonsStepForm


class DashRecordForm(DashAnswersStepForm, MaracReasonsStepForm):
    """One checklist's questions, then the MARAC reasons beyond the score."""

    completed_on = GovukDateField(label="Date the checklist was completed")

    def __init__(self, *args, checklist: str, **kwargs):
        super().__init__(*args, checklist=checklist, **kwargs)
        # The questions first, in the checklist's order, then the reasons and the date.
        order = [name for name in self.fields if name.startswith("answer_")]
        order += [name for name in self.fields if name not in order]
        self.order_fields(order)

    def answers(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.fields if name.startswith("answer_")]

    def reasons(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "professional_judgement_reason",
                "police_callouts_last_12_months",
                "escalation_reason",
                "completed_on",
            )
        }


class FindPerpetratorForm(FindPersonForm):
    """The perpetrator, among the people your organisation can see."""


class LinkPerpetratorForm(forms.Form):
    perpetrator = forms.CharField(widget=forms.HiddenInput)


class MaracReferralForm(forms.Form):
    link = forms.ChoiceField(
        label="Which perpetrator is this MARAC referral about?", widget=forms.RadioSelect
    )
    referred_on = GovukDateField(label="Date referred to MARAC")

    def __init__(self, *args, links=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].choices = [
            (
                str(shown.link.pk),
                shown.perpetrator.full_name
                if shown.perpetrator
                else "A person recorded by another agency",
            )
            for shown in links
        ]


class MaracMeetingForm(forms.Form):
    meeting_date = GovukDateField(label="Date of the MARAC meeting")
    outcome = forms.CharField(
        label="Outcome",
        help_text="What the meeting decided: the actions agreed and who holds them.",
        max_length=4000,
        required=False,
        widget=forms.Textarea,
    )
