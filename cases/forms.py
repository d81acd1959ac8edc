from django import forms
from django.contrib.auth import get_user_model

from cases.models import ClosureReason, DecisionOutcome
from core.forms import GovukDateField
from partners.models import Area, Organisation
from partners.roles import Role
from referrals.models import Purpose, SignpostService
from referrals.pathways import RiskLevel


def _users_with_roles(roles):
    return (
        get_user_model()
        .objects.filter(memberships__role__in=roles, memberships__ended_at__isnull=True)
        .distinct()
        .order_by("last_name", "first_name")
    )


class MeetingForm(forms.Form):
    area = forms.ChoiceField(label="Area", choices=Area.choices, widget=forms.RadioSelect)
    meets_on = GovukDateField(label="Date of the meeting")
    meets_at_time = forms.TimeField(label="Time", help_text="For example, 10:00")
    chair = forms.ModelChoiceField(label="Chair", queryset=None, widget=forms.RadioSelect)
    members = forms.ModelMultipleChoiceField(
        label="Members", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _users_with_roles([Role.PANEL_CHAIR])
        self.fields["members"].queryset = _users_with_roles([Role.PANEL_MEMBER, Role.PANEL_CHAIR])


class AttendanceRegisterForm(forms.Form):
    """The meeting's register: tick everyone who attended; the rest did not."""

    attended = forms.ModelMultipleChoiceField(
        label="Who attended?",
        help_text="Select everyone who attended. Members not selected are recorded as absent.",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, attendance=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        field.queryset = (
            get_user_model()
            .objects.filter(pk__in=[a.user_id for a in attendance])
            .order_by("last_name", "first_name")
        )
        labels = {a.user_id: f"{a.user}, {a.organisation.name}" for a in attendance}
        field.label_from_instance = lambda user: labels.get(user.pk, str(user))
        if not self.is_bound:
            self.initial["attended"] = [a.user_id for a in attendance if a.attended]


class DecisionForm(forms.Form):
    referral = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="Decision", choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(label="Rationale", max_length=4000, widget=forms.Textarea)
    signpost_service = forms.ChoiceField(
        label="Signpost to",
        choices=SignpostService.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    signpost_service_name = forms.CharField(
        label="Name of the service", max_length=200, required=False
    )
    lead_professional = forms.ModelChoiceField(
        label="Lead professional (when opening a case)", queryset=None, required=False
    )
    lead_organisation = forms.ModelChoiceField(
        label="Lead organisation (when opening a case)",
        queryset=Organisation.objects.filter(active=True),
        required=False,
    )
    action_description = forms.CharField(label="Action (optional)", max_length=500, required=False)
    action_owner = forms.ModelChoiceField(label="Action owner", queryset=None, required=False)
    action_due = GovukDateField(label="Action due", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        caseworkers = _users_with_roles([Role.REFERRER, Role.COORDINATOR])
        self.fields["lead_professional"].queryset = caseworkers
        self.fields["action_owner"].queryset = (
            get_user_model().objects.filter(memberships__ended_at__isnull=True).distinct()
        )

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        description = data.pop("action_description")
        owner = data.pop("action_owner")
        due = data.pop("action_due")
        data.pop("referral")
        data["actions"] = (
            [{"description": description, "owner": owner, "due_date": due}] if description else []
        )
        return data


class ShareForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Share with", queryset=Organisation.objects.filter(active=True)
    )
    purpose = forms.ChoiceField(
        label="For",
        choices=[
            (Purpose.INFORMATION_SHARING.value, Purpose.INFORMATION_SHARING.label),
            (Purpose.INTERVENTION_DELIVERY.value, Purpose.INTERVENTION_DELIVERY.label),
        ],
        widget=forms.RadioSelect,
    )


class RiskReviewForm(forms.Form):
    level = forms.ChoiceField(
        label="Risk level", choices=RiskLevel.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(label="Rationale", max_length=4000, widget=forms.Textarea)
    reviewed_on = GovukDateField(label="Reviewed on")
    next_review_date = GovukDateField(label="Next review")


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=10000, widget=forms.Textarea)
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the case closing?", choices=ClosureReason.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(label="Summary", max_length=4000, widget=forms.Textarea)
