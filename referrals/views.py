"""Web pages of the referral journey. Each view parses a form, calls one service or
selector, and renders; the rules live in the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import permissions as audit_rules
from audit.recorder import record_access
from core.errors import ConflictError
from core.forms import apply_service_errors
from core.pagination import paginate
from referrals import consent as consent_services
from referrals import forms
from referrals.consent_forms import referral_withdraw_form
from referrals.dash import MaracCriterion
from referrals.marac import marac_flag, marac_overview
from referrals.models import ReferralStatus
from referrals.participation import positions_apart
from referrals.pathways import RISK_CHECKLIST, RULES_IN_WORDS, Pathway, RiskFactor
from referrals.permissions import allowed, offered, require
from referrals.selectors import (
    WORK_ORDER,
    as_listed,
    consent_summary,
    linked_referrals_visible_to,
    other_partners_referred,
    referral_get,
    referrals_visible_to,
    taking_part_summary,
)
from referrals.selectors import (
    screening_queue as referrals_to_screen,
)
from referrals.services import (
    MatchQuery,
    person_create,
    person_match,
    person_possible_duplicates,
    referral_answer,
    referral_screen,
    referral_submit,
    referral_update,
    referral_withdraw,
)
from referrals.wizard import detail_steps

PAGE_SIZE = 25
# Newest first, on indexed columns (Referral.Meta.indexes); the id settles ties.
LIST_ORDER = ("-created_at", "-pk")


# What a referral's page may offer; each is asked of referrals.permissions.
PAGE_ACTIONS = (
    "referral.record_consent",
    "referral.submit",
    "referral.screen",
    "referral.answer",
    "referral.withdraw",
)


@login_required
def referral_list(request):
    require(request.user, "referral.list")
    referrals = as_listed(referrals_visible_to(request.user))
    status = request.GET.get("status", "")
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    page = paginate(request, referrals, ordering=LIST_ORDER, page_size=PAGE_SIZE)
    record_access(
        request.user,
        action="list",
        object_type="referral",
        objects=page.items,
        person_of=lambda referral: referral.person_id,
    )
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "statuses": ReferralStatus.choices,
            "status": status,
            "offer": allowed(request.user, ["referral.create"]),
        },
    )


@login_required
def screening_queue(request):
    require(request.user, "referral.screening_queue")
    page = paginate(request, as_listed(referrals_to_screen(request.user)), ordering=WORK_ORDER)
    record_access(
        request.user,
        action="list",
        object_type="referral",
        objects=page.items,
        person_of=lambda referral: referral.person_id,
    )
    return render(request, "referrals/screening.html", {"page": page})


@login_required
def find_person(request):
    # Finding someone is the first page of making a referral: refused here, not at the end.
    require(request.user, "referral.create")
    # A family name and date of birth are personal data: posted, so they stay out of URLs
    # (access logs, browser history, the Referer header).
    form = forms.FindPersonForm(request.POST if request.method == "POST" else None)
    people = None
    if request.method == "POST" and form.is_valid():
        try:
            people = list(
                person_match(
                    actor=request.user,
                    query=MatchQuery(
                        family_name=form.cleaned_data["family_name"],
                        date_of_birth=form.cleaned_data["date_of_birth"],
                    ),
                )
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            record_access(
                request.user,
                action="search",
                object_type="person",
                objects=people,
                person_of=lambda person: person.pk,
            )
    return render(
        request,
        "referrals/find_person.html",
        {"form": form, "people": people, "offer": allowed(request.user, ["person.create"])},
    )


@login_required
def new_person(request):
    require(request.user, "person.create")
    form = forms.NewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "allow_possible_duplicate"}
        try:
            duplicates = person_possible_duplicates(actor=request.user, details=details)
            if duplicates and not form.cleaned_data["allow_possible_duplicate"]:
                form.add_error(
                    "allow_possible_duplicate",
                    "Someone with these details is already recorded: find them instead, or "
                    "confirm this is someone else.",
                )
            else:
                person = person_create(actor=request.user, **details)
                return redirect("referrals:new-details", person_id=person.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(request, "referrals/new_person.html", {"form": form})


def _answered(value):
    # Yes/no questions are radios answered "yes" or "no".
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@login_required
def edit_referral(request, referral_id):
    """The referral's own pathway's questions, on one page, to put a draft right."""
    referral = referral_get(request.user, referral_id)
    if request.method == "POST":
        require(request.user, "referral.change", referral)
    sections = [
        (
            title,
            form_class(
                request.POST or None,
                prefix=step,
                initial={
                    name: _answered(getattr(referral, name)) for name in form_class.base_fields
                },
                **kwargs,
            ),
        )
        for step, title, form_class, kwargs in detail_steps(referral.pathway, referral.person)
    ]
    forms_shown = [form for _, form in sections]
    if request.method == "POST" and all(form.is_valid() for form in forms_shown):
        changes = {}
        for form in forms_shown:
            changes.update(form.cleaned_data)
        try:
            referral_update(
                actor=request.user,
                referral=referral,
                expected_version=request.POST.get("version"),
                **changes,
            )
            return redirect("referrals:check", referral_id=referral.pk)
        except ValidationError as error:
            _spread_service_errors(forms_shown, error)
        except ConflictError as error:
            forms_shown[0].add_error(None, error.message)
    return render(
        request,
        "referrals/edit.html",
        {
            "sections": sections,
            "forms": forms_shown,
            "has_errors": any(form.errors for form in forms_shown),
            "referral": referral,
        },
    )


def _spread_service_errors(forms_shown, error: ValidationError) -> None:
    """Each field's error on the form that asks it; the rest on the first form."""
    if not hasattr(error, "error_dict"):
        apply_service_errors(forms_shown[0], error)
        return
    for field, items in error.error_dict.items():
        form = next((f for f in forms_shown if field in f.fields), forms_shown[0])
        apply_service_errors(form, ValidationError({field: items}))


@login_required
def pathways(request):
    """Who each pathway is for, and its risk checklist, in words."""
    return render(
        request,
        "referrals/pathways.html",
        {
            "pathways": [
                {
                    "label": pathway.label,
                    "rules": RULES_IN_WORDS[pathway],
                    "checklist": [RiskFactor(f).label for f in RISK_CHECKLIST[pathway]],
                }
                for pathway in Pathway
            ]
        },
    )


@login_required
def referral_consent(request, referral_id):
    referral = referral_get(request.user, referral_id)
    if request.method == "POST":
        require(request.user, "referral.record_consent", referral)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_services.consent_record(
                actor=request.user, referral=referral, **form.cleaned_data
            )
            if referral.status == ReferralStatus.DRAFT:
                return redirect("referrals:check", referral_id=referral.pk)
            messages.success(request, "Consent recorded")
            return redirect("referrals:detail", referral_id=referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(
        request,
        "referrals/consent_form.html",
        {
            "form": form,
            "referral": referral,
            "position": positions_apart(referral)[0],
        },
    )


@login_required
def referral_check(request, referral_id):
    referral = referral_get(request.user, referral_id)
    error = None
    if request.method == "POST":
        require(request.user, "referral.submit", referral)
        try:
            referral_submit(actor=request.user, referral=referral)
            messages.success(request, "Referral submitted: a coordinator will screen it")
            return redirect("referrals:detail", referral_id=referral.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except ConflictError as exc:
            error = exc.message
    return render(
        request,
        "referrals/check.html",
        {
            "referral": referral,
            "error": error,
            "position": positions_apart(referral)[0],
        },
    )


@login_required
def referral_detail(request, referral_id, forms_with_errors=None, status=200):
    referral = referral_get(request.user, referral_id)
    sharing, taking_part = positions_apart(referral)
    marac = marac_overview(request.user, referral)
    linked = linked_referrals_visible_to(request.user, referral)
    context = {
        "referral": referral,
        "offer": offered(request.user, referral, PAGE_ACTIONS),
        "linked": linked,
        "other_referrals_exist": other_partners_referred(referral, linked=linked),
        "may_break_glass": audit_rules.can(request.user, "audit.break_glass", referral.person),
        "position": sharing,
        "consent_summary": consent_summary(request.user, referral),
        "taking_part": taking_part_summary(request.user, referral, taking_part),
        "marac": marac,
        # Flag and tag: on every referral of a victim referred to MARAC, whatever the pathway.
        "marac_flag": marac.flag if marac else marac_flag(referral.person),
        "marac_criteria_labels": [MaracCriterion(code).label for code in marac.criteria]
        if marac
        else [],
        "screening_form": forms.ScreeningForm(),
        "answer_form": forms.AnswerForm(),
        "history": referral.history.select_related("history_user").order_by("-history_date")[:20],
    }
    context.update(forms_with_errors or {})
    return render(request, "referrals/detail.html", context, status=status)


def _act(request, referral_id, form_class, form_name, action, rule):
    referral = referral_get(request.user, referral_id)
    require(request.user, rule, referral)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(referral, form.cleaned_data)
            return redirect("referrals:detail", referral_id=referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            return referral_detail(request, referral_id, {"conflict": error.message}, status=409)
    return referral_detail(request, referral_id, {form_name: form}, status=400)


@login_required
@require_POST
def screen(request, referral_id):
    def action(referral, data):
        referral_screen(actor=request.user, referral=referral, **data)
        messages.success(request, "Screening recorded")

    return _act(
        request, referral_id, forms.ScreeningForm, "screening_form", action, "referral.screen"
    )


@login_required
@require_POST
def answer(request, referral_id):
    def action(referral, data):
        referral_answer(actor=request.user, referral=referral, answer=data["answer"])
        messages.success(request, "Answer sent: the referral is back with the coordinator")

    return _act(request, referral_id, forms.AnswerForm, "answer_form", action, "referral.answer")


@login_required
def withdraw(request, referral_id):
    """Withdrawing cannot be undone: the page asks "are you sure", with the reason."""
    referral = referral_get(request.user, referral_id)
    require(request.user, "referral.withdraw", referral)
    form = referral_withdraw_form(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            referral_withdraw(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, "Referral withdrawn")
            return redirect("referrals:detail", referral_id=referral.pk)
    back_url = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    return render(
        request,
        "govuk/confirm.html",
        {
            "form": form,
            "back_url": back_url,
            "heading": "Are you sure you want to withdraw this referral?",
            "confirm_label": "Yes, withdraw the referral",
            "consequences": "A withdrawn referral cannot be submitted again or go to panel.",
            "summary": [
                ("Person", referral.person.full_name),
                ("Pathway", referral.get_pathway_display()),
                ("Status", referral.get_status_display()),
            ],
        },
        status=status,
    )
