"""Forms of the administrator's pages: each field's label and error say what is asked."""

from django import forms

from core.forms import ReasonForm
from core.text import model_max_length
from partners.models import Membership
from partners.roles import Role
from partners.selectors import organisations_taking_members


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, username or email",
        required=False,
        max_length=100,
    )


class GiveRoleForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=organisations_taking_members(),
        empty_label="",
        error_messages={
            "required": "Choose the organisation they will act for",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", ""), *Role.choices],
        error_messages={
            "required": "Choose the role they will hold",
            "invalid_choice": "Choose a role from the list",
        },
    )


def end_role_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        hint="For example, left the organisation or changed job. Kept in the history.",
        required_message="Enter the reason this role is ending",
        # The reason is kept in the membership's change history, whose column holds this much.
        max_length=model_max_length(Membership.history.model, "history_change_reason"),
    )


def two_factor_reset_form(data=None) -> ReasonForm:
    return ReasonForm(
        data,
        hint="For example, lost phone, identity checked by their manager. Kept in the audit trail.",
        required_message="Enter the reason for resetting their two-factor sign-in",
        # The audit event keeps this much of the reason.
        max_length=500,
    )
