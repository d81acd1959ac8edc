"""Web pages for agreement to take part in an intervention: record it, and withdraw it.
Each asks the rule the API asks (``referrals.permissions``) before reading the form, and
calls the same service (``referrals.participation``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.recorder import record_children_shown
from core.forms import submit
from core.templatetags.govuk import govuk_date
from referrals import consent_forms
from referrals.participation import (
    participation_record,
    participation_withdraw,
    taking_part_position,
)
from referrals.permissions import require
from referrals.selectors import participation_of_referral, referral_get


def _posted(request):
    return request.POST if request.method == "POST" else None


def _detail_url(referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


@login_required
def participation(request, referral_id):
    referral = referral_get(request.user, referral_id)
    require(request.user, "participation.record", referral)
    form = consent_forms.ParticipationForm(_posted(request))
    submission = submit(
        request,
        form,
        lambda data: participation_record(actor=request.user, referral=referral, **data),
    )
    if submission.done:
        messages.success(request, "Agreement to take part recorded")
        return redirect(_detail_url(referral))
    return render(
        request,
        "referrals/participation/record.html",
        {
            "form": form,
            "referral": referral,
            "person_name": referral.person.full_name,
            "taking_part": taking_part_position(referral),
        },
        status=submission.status,
    )


@login_required
def participation_withdraw_page(request, referral_id, participation_id):
    referral = referral_get(request.user, referral_id)
    agreement = participation_of_referral(referral, participation_id)
    require(request.user, "participation.withdraw", agreement)
    form = consent_forms.participation_withdraw_form(_posted(request))
    submission = submit(
        request,
        form,
        lambda data: participation_withdraw(
            actor=request.user,
            referral=referral,
            given_by=agreement.given_by,
            reason=data["reason"],
        ),
    )
    if submission.done:
        messages.success(request, "Agreement to take part withdrawn: delivery has stopped")
        return redirect(_detail_url(referral))
    record_children_shown(
        request.user,
        object_type="participation",
        records=[agreement],
        person_id=referral.person_id,
    )
    giver = agreement.get_given_by_display()
    if agreement.giver_name:
        giver = f"{giver} ({agreement.giver_name})"
    return render(
        request,
        "govuk/confirm.html",
        {
            "form": form,
            "back_url": _detail_url(referral),
            "heading": "Are you sure you want to withdraw their agreement to take part?",
            "confirm_label": "Yes, withdraw agreement to take part",
            "consequences": "This takes effect at once: every intervention offered, accepted "
            "or under way is withdrawn, and the provider no longer sees who the person is.",
            "summary": [
                ("Person", referral.person.full_name),
                ("Agreed by", giver),
                ("Decision", agreement.get_decision_display()),
                ("Decided on", govuk_date(agreement.decided_on)),
            ],
        },
        status=submission.status,
    )
