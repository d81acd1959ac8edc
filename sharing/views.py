"""Information governance's pages: the disclosure rule table, information sharing agreements
(list, one agreement, record, change, review, end, signatories) and approvals of disclosures
outside one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.recorder import record_access
from audit.registry import registry
from audit.selectors import person_or_404, person_summary
from core.forms import submit
from sharing.agreements import (
    agreement_create,
    agreement_detail,
    agreement_end,
    agreement_review,
    agreement_update,
    agreements_for_list,
    approvals_for_list,
    outside_agreement_approve,
    signatory_add,
)
from sharing.forms import AgreementForm, ApprovalForm, EndForm, ReviewForm, SignatoryForm
from sharing.models import AgreementStatus
from sharing.permissions import allowed, require
from sharing.selectors import rules_in_words

AGREEMENT_ACTIONS = ("agreement.manage", "approval.view")
STATUS_COLOURS = {
    AgreementStatus.ACTIVE: "green",
    AgreementStatus.DUE_FOR_REVIEW: "orange",
    AgreementStatus.NOT_STARTED: "blue",
    AgreementStatus.ENDED: "grey",
}
APPROVALS_SHOWN = 100


def _status(agreement, today) -> dict:
    status = AgreementStatus(agreement.status(today))
    return {"label": status.label, "colour": STATUS_COLOURS[status]}


def _agreement_or_404(agreement_id):
    agreement = agreement_detail(agreement_id)
    if agreement is None:
        raise Http404("No such agreement")
    return agreement


@login_required
def agreement_list(request):
    require(request.user, "agreement.view")
    today = timezone.localdate()
    agreements = [(a, _status(a, today)) for a in agreements_for_list()]
    return render(
        request,
        "sharing/agreements.html",
        {"agreements": agreements, "can": allowed(request.user, AGREEMENT_ACTIONS)},
    )


@login_required
def agreement_page(request, agreement_id):
    require(request.user, "agreement.view")
    agreement = _agreement_or_404(agreement_id)
    return render(
        request,
        "sharing/agreement.html",
        {
            "agreement": agreement,
            "status": _status(agreement, timezone.localdate()),
            "can": allowed(request.user, AGREEMENT_ACTIONS, agreement),
        },
    )


def _dates(agreement) -> dict:
    return {
        name: getattr(agreement, name)
        for name in ("starts_on", "review_on", "ends_on")
        if getattr(agreement, name) is not None
    }


@login_required
def agreement_new(request):
    require(request.user, "agreement.manage")
    form = AgreementForm(request.POST or None)
    submission = submit(request, form, lambda data: agreement_create(actor=request.user, **data))
    if submission.done:
        messages.success(request, "Agreement recorded: now add its signatories")
        return redirect("sharing:agreement", agreement_id=submission.result.pk)
    return render(
        request,
        "sharing/agreement_form.html",
        {"form": form, "heading": "Record an information sharing agreement"},
        status=submission.status,
    )


@login_required
def agreement_edit(request, agreement_id):
    require(request.user, "agreement.manage")
    agreement = _agreement_or_404(agreement_id)
    initial = {
        "organisation": agreement.organisation_id,
        "reference": agreement.reference,
        "title": agreement.title,
        "purposes": agreement.purposes,
        "data_categories": agreement.data_categories,
        "version": agreement.version,
        **_dates(agreement),
    }
    form = AgreementForm(request.POST or None, initial=initial, editing=True)

    def run(data):
        data = dict(data)
        return agreement_update(
            actor=request.user,
            agreement=agreement,
            expected_version=data.pop("version"),
            **data,
        )

    submission = submit(request, form, run)
    if submission.done:
        messages.success(request, "Agreement changed")
        return redirect("sharing:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "sharing/agreement_form.html",
        {"form": form, "heading": f"Change {agreement.reference}", "agreement": agreement},
        status=submission.status,
    )


@login_required
def agreement_review_page(request, agreement_id):
    require(request.user, "agreement.manage")
    agreement = _agreement_or_404(agreement_id)
    form = ReviewForm(request.POST or None, initial={"version": agreement.version})
    submission = submit(
        request,
        form,
        lambda data: agreement_review(
            actor=request.user,
            agreement=agreement,
            expected_version=data["version"],
            next_review_on=data["next_review_on"],
            note=data["note"],
        ),
    )
    if submission.done:
        messages.success(request, "Review recorded")
        return redirect("sharing:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "sharing/review.html",
        {"form": form, "agreement": agreement},
        status=submission.status,
    )


@login_required
def agreement_end_page(request, agreement_id):
    require(request.user, "agreement.manage")
    agreement = _agreement_or_404(agreement_id)
    form = EndForm(request.POST or None, initial={"version": agreement.version})
    submission = submit(
        request,
        form,
        lambda data: agreement_end(
            actor=request.user,
            agreement=agreement,
            expected_version=data["version"],
            ends_on=data["ends_on"],
            reason=data["reason"],
        ),
    )
    if submission.done:
        messages.success(request, "Agreement ended")
        return redirect("sharing:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": f"Are you sure you want to end {agreement.reference}?",
            "back_url": reverse("sharing:agreement", kwargs={"agreement_id": agreement.pk}),
            "confirm_label": "Yes, end the agreement",
            "consequences": f"After its last day, {agreement.organisation} can no longer "
            "disclose or receive personal data under this agreement. Disclosures made "
            "before then stay covered.",
            "summary": [("Partner", agreement.organisation), ("Title", agreement.title)],
            "form": form,
        },
        status=submission.status,
    )


@login_required
def signatory_new(request, agreement_id):
    require(request.user, "agreement.manage")
    agreement = _agreement_or_404(agreement_id)
    form = SignatoryForm(request.POST or None, initial={"organisation": agreement.organisation_id})
    submission = submit(
        request, form, lambda data: signatory_add(actor=request.user, agreement=agreement, **data)
    )
    if submission.done:
        messages.success(request, "Signatory added")
        return redirect("sharing:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "sharing/signatory_form.html",
        {"form": form, "agreement": agreement},
        status=submission.status,
    )


@login_required
def approval_list(request):
    """Disclosures IG approved outside an agreement, newest first. Each names its person: a
    read of their details, for the trail."""
    require(request.user, "approval.view")
    approvals = list(approvals_for_list()[:APPROVALS_SHOWN])
    names = registry.people.summaries([a.person_id for a in approvals])
    record_access(
        request.user,
        action="list",
        object_type="outside_agreement_approval",
        objects=approvals,
        person_of=lambda approval: approval.person_id,
    )
    today = timezone.localdate()
    return render(
        request,
        "sharing/approvals.html",
        {
            "approvals": [(a, names.get(a.person_id), a.valid_until >= today) for a in approvals],
        },
    )


@login_required
def approval_new(request, person_id):
    """Approve one disclosure about this person that no agreement covers (reached from the
    person's access history, where IG finds people)."""
    require(request.user, "approval.record")
    person = person_or_404(person_id)
    form = ApprovalForm(request.POST or None)
    submission = submit(
        request,
        form,
        lambda data: outside_agreement_approve(actor=request.user, person=person, **data),
    )
    if submission.done:
        messages.success(request, "Disclosure approved outside an agreement")
        return redirect("sharing:approvals")
    record_access(
        request.user,
        action="view",
        object_type="person",
        objects=[person],
        person_of=lambda shown: shown.pk,
    )
    return render(
        request,
        "sharing/approval_form.html",
        {"form": form, "person": person_summary(person)},
        status=submission.status,
    )


@login_required
def rules_page(request):
    require(request.user, "sharing.rules_view")
    return render(request, "sharing/rules.html", {"rules": rules_in_words()})
