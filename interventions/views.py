"""Web pages: the catalogue, the provider's caseload, an allocation with its contacts and
outcomes, and allocating from the case page. Each asks the operation's rule
(``interventions.permissions.require``) before reading the form, then calls one service or
selector; what a page offers comes from the same rules."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.recorder import record_access
from cases.selectors import case_get
from core.forms import submit
from interventions import forms, services
from interventions.models import Allocation
from interventions.permissions import can, require
from interventions.selectors import (
    allocation_get,
    caseload,
    catalogue,
    catalogue_entry,
    contacts_of_allocation,
    person_label,
    sees_identity,
)

PAGE_SIZE = 25


@dataclass(frozen=True)
class Step:
    """How a page words one step of an allocation's life. A step that ends the allocation
    (``final``) is asked on the GOV.UK "are you sure" page."""

    link: str
    heading: str
    button: str
    final: bool = False
    reason_label: str = "Reason"


STEP_WORDS = {
    "offer": Step("Offer a place", "Offer a place on {intervention}", "Offer the place"),
    "accept": Step("Accept the offer", "Accept the offer of {intervention}", "Accept the offer"),
    "start": Step("Start the intervention", "Start {intervention}", "Start the intervention"),
    "decline": Step(
        "Decline the offer",
        "Are you sure you want to decline the offer of {intervention}?",
        "Yes, decline the offer",
        final=True,
        reason_label="Why is the offer declined?",
    ),
    "complete": Step(
        "Complete the allocation",
        "Are you sure {intervention} is complete?",
        "Yes, complete the allocation",
        final=True,
    ),
    "disengage": Step(
        "Record that they disengaged",
        "Are you sure {name} has disengaged from {intervention}?",
        "Yes, record that they disengaged",
        final=True,
        reason_label="What happened?",
    ),
    "withdraw": Step(
        "Withdraw the allocation",
        "Are you sure you want to withdraw {intervention}?",
        "Yes, withdraw the allocation",
        final=True,
        reason_label="Why is the allocation withdrawn?",
    ),
    "cancel": Step(
        "Cancel the allocation",
        "Are you sure you want to cancel {intervention}?",
        "Yes, cancel the allocation",
        final=True,
        reason_label="Why is the allocation cancelled?",
    ),
}
# Whether each step takes a reason is the service's (``services.TRANSITIONS``).
NEEDS_REASON = {"offer": False, **{name: step[2] for name, step in services.TRANSITIONS.items()}}


@login_required
def catalogue_page(request):
    require(request.user, "catalogue.view")
    return render(
        request,
        "interventions/catalogue.html",
        {
            "interventions": catalogue().filter(active=True).order_by("provider__name", "name"),
            "may_manage": can(request.user, "catalogue.manage"),
        },
    )


@login_required
def change_funding(request, intervention_id):
    require(request.user, "catalogue.manage")
    intervention = catalogue_entry(intervention_id)
    form = forms.FundingForm(
        request.POST if request.method == "POST" else None,
        initial={
            "funding_stream": intervention.funding_stream,
            "annual_funding": intervention.annual_funding,
            "version": intervention.version,
        },
    )
    submission = submit(
        request,
        form,
        lambda data: services.intervention_update(
            actor=request.user,
            intervention=intervention,
            expected_version=data["version"],
            funding_stream=data["funding_stream"],
            annual_funding=data["annual_funding"],
        ),
    )
    if submission.done:
        messages.success(request, f"Funding of {intervention.name} changed")
        return redirect("interventions:catalogue")
    context = {
        "intervention": intervention,
        "form": form,
        "heading": f"Change the funding of {intervention.name}",
        "button": "Save the funding",
        "back_url": reverse("interventions:catalogue"),
    }
    return render(request, "interventions/funding_form.html", context, status=submission.status)


@login_required
def caseload_page(request):
    require(request.user, "caseload.view")
    page = Paginator(caseload(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    record_access(
        request.user,
        action="list",
        object_type="allocation",
        objects=page.object_list,
        person_of=lambda allocation: allocation.case.person_id,
    )
    rows = [(allocation, person_label(request.user, allocation)) for allocation in page]
    return render(request, "interventions/caseload.html", {"page": page, "rows": rows})


@login_required
def allocation_page(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    user = request.user
    may_contact = can(user, "allocation.contact", allocation)
    steps = [
        (step, STEP_WORDS[step])
        for step in STEP_WORDS
        if services.allocation_step_open(allocation, step)
        and can(user, f"allocation.{step}", allocation)
    ]
    context = {
        "allocation": allocation,
        "person": person_label(user, allocation),
        "identity_shown": sees_identity(user, allocation),
        "contacts": contacts_of_allocation(allocation)[:50] if may_contact else [],
        "may_contact": may_contact,
        "can_record": may_contact and services.contacts_open(allocation),
        "can_record_outcome": services.contacts_open(allocation)
        and can(user, "outcome.record", allocation.case),
        "steps": steps,
    }
    return render(request, "interventions/allocation.html", context)


def _allocation_form_page(request, allocation, *, form, run, page, done):
    """One operation on an allocation on its own page: the caller has asked the rule;
    ``run(data)`` calls the service. Bad input re-renders with errors and writes nothing."""
    submission = submit(request, form, run)
    if submission.done:
        messages.success(request, done)
        return redirect("interventions:allocation", allocation_id=allocation.pk)
    status = submission.status
    context = {
        "allocation": allocation,
        "form": form,
        "back_url": reverse("interventions:allocation", args=[allocation.pk]),
        "template": "interventions/allocation_form.html",
        **page,
    }
    return render(request, context.pop("template"), context, status=status)


@login_required
def allocation_action(request, allocation_id, action):
    if action not in STEP_WORDS:
        raise Http404("No such action")
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, f"allocation.{action}", allocation)
    words = STEP_WORDS[action]
    form = forms.TransitionForm(
        request.POST if request.method == "POST" else None,
        required=NEEDS_REASON[action],
        label=words.reason_label,
    )
    if not NEEDS_REASON[action]:
        form.fields.pop("reason")

    def run(data):
        if action == "offer":
            services.allocation_offer(actor=request.user, allocation=allocation)
        else:
            services.allocation_transition(
                actor=request.user,
                allocation=allocation,
                action=action,
                reason=data.get("reason", ""),
            )

    person = person_label(request.user, allocation)
    heading = words.heading.format(
        intervention=allocation.intervention.name,
        name=allocation.case.person.full_name
        if sees_identity(request.user, allocation)
        else "the person",
    )
    page = {"heading": heading, "button": words.button}
    if words.final:
        page = {
            "template": "govuk/confirm.html",
            "heading": heading,
            "confirm_label": words.button,
            "consequences": "This ends the allocation and frees its place. It cannot be undone.",
            "summary": [
                ("Person", person),
                ("Intervention", allocation.intervention.name),
                ("Provider", allocation.intervention.provider.name),
                ("Status", allocation.get_status_display()),
            ],
        }
    return _allocation_form_page(
        request, allocation, form=form, run=run, page=page, done="Allocation updated"
    )


@login_required
def record_contact(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, "allocation.contact", allocation)
    return _allocation_form_page(
        request,
        allocation,
        form=forms.ContactForm(request.POST if request.method == "POST" else None),
        run=lambda data: services.contact_record(actor=request.user, allocation=allocation, **data),
        page={"heading": "Record a contact", "button": "Record the contact"},
        done="Contact recorded",
    )


@login_required
def record_outcome(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, "outcome.record", allocation.case)
    return _allocation_form_page(
        request,
        allocation,
        form=forms.OutcomeForm(request.POST if request.method == "POST" else None),
        run=lambda data: services.outcome_record(actor=request.user, case=allocation.case, **data),
        page={"heading": "Record an outcome", "button": "Record the outcome"},
        done="Outcome recorded",
    )


@login_required
def allocate(request, case_id):
    case = case_get(request.user, case_id)
    require(request.user, "allocation.create", Allocation(case=case))
    form = forms.AllocateForm(request.POST if request.method == "POST" else None)
    submission = submit(
        request,
        form,
        lambda data: services.allocation_create(actor=request.user, case=case, **data),
    )
    if submission.done:
        messages.success(request, "Allocation proposed: offer it when ready")
        return redirect("interventions:allocation", allocation_id=submission.result.pk)
    status = submission.status
    context = {
        "case": case,
        "form": form,
        "heading": "Allocate an intervention",
        "button": "Propose the allocation",
        "back_url": reverse("cases:case", args=[case.pk]),
    }
    return render(request, "cases/case_form.html", context, status=status)
