"""Web pages for the consent position: a Gillick competence assessment, a lawful basis
recorded, approved, rejected or revoked, and consent withdrawn. Each page asks the same rule
the API asks (``referrals.permissions``) before it reads the form, then calls the same
service (``referrals.consent``); what the referral's page offers comes from
``referrals.selectors.consent_summary``, which asks the rules too."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.recorder import record_children_shown
from core.forms import apply_service_errors, submit
from core.templatetags.govuk import govuk_date
from referrals import consent as consent_services
from referrals import consent_forms
from referrals.models import LawfulBasis, Referral
from referrals.permissions import require
from referrals.selectors import consent_of_referral, lawful_basis_of_referral, referral_get


def _posted(request):
    """The form's data on a POST, even an empty one (which must show its errors)."""
    return request.POST if request.method == "POST" else None


def _detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def _basis_summary(basis: LawfulBasis) -> list[tuple[str, str]]:
    return [
        ("Person", basis.referral.person.full_name),
        ("Purpose", basis.get_purpose_display()),
        ("Lawful basis", basis.get_ground_display()),
        ("Justification", basis.justification),
        (
            "Recorded by",
            f"{basis.recorded_by} on {govuk_date(basis.recorded_at)}",
        ),
        ("Status", basis.get_status_display()),
    ]


# --- Gillick competence and recording a lawful basis ---------------------------------------


def _record_page(request, referral_id, *, form_class, service, template, done):
    referral = referral_get(request.user, referral_id)
    require(request.user, "referral.record_consent", referral)
    form = form_class(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_detail_url(referral))
    return render(
        request,
        template,
        {"form": form, "referral": referral, "person_name": referral.person.full_name},
    )


@login_required
def gillick(request, referral_id):
    return _record_page(
        request,
        referral_id,
        form_class=consent_forms.GillickForm,
        service=consent_services.gillick_record,
        template="referrals/consent/gillick.html",
        done="Gillick competence assessment recorded",
    )


@login_required
def lawful_basis(request, referral_id):
    return _record_page(
        request,
        referral_id,
        form_class=consent_forms.LawfulBasisForm,
        service=consent_services.lawful_basis_record,
        template="referrals/consent/lawful_basis.html",
        done="Lawful basis recorded: another coordinator must approve it",
    )


# --- Deciding and revoking a lawful basis --------------------------------------------------


def _basis_page(request, referral_id, basis_id, rule):
    referral = referral_get(request.user, referral_id)
    basis = lawful_basis_of_referral(referral, basis_id)
    require(request.user, rule, basis)
    return referral, basis


def _show_basis(request, referral, basis, template, context, status=200):
    record_children_shown(
        request.user,
        object_type="lawful_basis",
        records=[basis],
        person_id=referral.person_id,
    )
    context = {
        "referral": referral,
        "basis": basis,
        "back_url": _detail_url(referral),
        "summary": _basis_summary(basis),
        **context,
    }
    return render(request, template, context, status=status)


@login_required
def lawful_basis_approve(request, referral_id, basis_id):
    referral, basis = _basis_page(request, referral_id, basis_id, "lawful_basis.decide")
    form = consent_forms.ApproveForm(_posted(request))
    submission = submit(
        request,
        form,
        lambda data: consent_services.lawful_basis_decide(
            actor=request.user, lawful_basis=basis, approve=True, note=data["note"]
        ),
    )
    if submission.done:
        messages.success(request, "Lawful basis approved")
        return redirect(_detail_url(referral))
    return _show_basis(
        request,
        referral,
        basis,
        "referrals/consent/approve.html",
        {"form": form, "person_name": referral.person.full_name},
        submission.status,
    )


@login_required
def lawful_basis_reject(request, referral_id, basis_id):
    referral, basis = _basis_page(request, referral_id, basis_id, "lawful_basis.decide")
    form = consent_forms.RejectForm(_posted(request))
    submission = submit(
        request,
        form,
        lambda data: consent_services.lawful_basis_decide(
            actor=request.user, lawful_basis=basis, approve=False, note=data["note"]
        ),
    )
    if submission.done:
        messages.success(request, "Lawful basis rejected")
        return redirect(_detail_url(referral))
    return _show_basis(
        request,
        referral,
        basis,
        "govuk/confirm.html",
        {
            "form": form,
            "heading": "Are you sure you want to reject this lawful basis?",
            "confirm_label": "Yes, reject the lawful basis",
            "consequences": "The purpose will not go ahead without consent on this basis. "
            "A new lawful basis would have to be recorded and approved.",
        },
        submission.status,
    )


@login_required
def lawful_basis_revoke(request, referral_id, basis_id):
    referral, basis = _basis_page(request, referral_id, basis_id, "lawful_basis.revoke")
    form = consent_forms.revoke_form(_posted(request))
    submission = submit(
        request,
        form,
        lambda data: consent_services.lawful_basis_revoke(
            actor=request.user, lawful_basis=basis, reason=data["reason"]
        ),
    )
    if submission.done:
        messages.success(request, "Lawful basis revoked")
        return redirect(_detail_url(referral))
    return _show_basis(
        request,
        referral,
        basis,
        "govuk/confirm.html",
        {
            "form": form,
            "heading": "Are you sure you want to revoke this lawful basis?",
            "confirm_label": "Yes, revoke the lawful basis",
            "consequences": "This takes effect at once: unless consent covers it, the purpose "
            "stops, and whatever depends on it (panel agendas, sharing) stops with it.",
        },
        submission.status,
    )


# --- Withdrawing consent -------------------------------------------------------------------


@login_required
def consent_withdraw(request, referral_id, consent_id):
    referral = referral_get(request.user, referral_id)
    consent = consent_of_referral(referral, consent_id)
    require(request.user, "consent.withdraw", consent)
    form = consent_forms.consent_withdraw_form(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            consent_services.consent_withdraw(
                actor=request.user,
                referral=referral,
                purposes=[consent.purpose],
                given_by=consent.given_by,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Consent withdrawn")
            return redirect(_detail_url(referral))
    record_children_shown(
        request.user, object_type="consent", records=[consent], person_id=referral.person_id
    )
    giver = consent.get_given_by_display()
    if consent.giver_name:
        giver = f"{giver} ({consent.giver_name})"
    return render(
        request,
        "govuk/confirm.html",
        {
            "form": form,
            "back_url": _detail_url(referral),
            "heading": "Are you sure you want to withdraw this consent?",
            "confirm_label": "Yes, withdraw consent",
            "consequences": "This takes effect at once: unless an approved lawful basis covers "
            "it, the purpose stops, and whatever depends on it stops with it.",
            "summary": [
                ("Person", referral.person.full_name),
                ("Purpose", consent.get_purpose_display()),
                ("Given by", giver),
                ("Decided on", govuk_date(consent.decided_on)),
            ],
        },
    )
