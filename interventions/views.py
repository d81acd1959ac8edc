"""Web pages: the catalogue, the provider's caseload, an allocation with its contacts and
outcomes, and allocating from the case page. Each asks the operation's rule
(``interventions.permissions.require``) before reading the form, then calls one service or
selector; what a page offers comes from the same rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.recorder import record_access
from cases.pages import render_case_page
from cases.selectors import case_get
from core.errors import ConflictError
from core.forms import apply_service_errors
from interventions import forms, services
from interventions.models import Allocation
from interventions.permissions import can, require
from interventions.selectors import allocation_get, caseload, catalogue, contacts_of_allocation

# The steps of an allocation's life a page offers, in order, and whether each needs a reason.
STEPS = {"offer": False, **{name: step[2] for name, step in services.TRANSITIONS.items()}}


@login_required
def catalogue_page(request):
    require(request.user, "catalogue.view")
    return render(
        request,
        "interventions/catalogue.html",
        {"interventions": catalogue().filter(active=True).order_by("provider__name", "name")},
    )


@login_required
def caseload_page(request):
    require(request.user, "caseload.view")
    page = Paginator(caseload(request.user), 25).get_page(request.GET.get("page"))
    record_access(
        request.user,
        action="list",
        object_type="allocation",
        objects=page.object_list,
        person_of=lambda allocation: allocation.case.person_id,
    )
    return render(request, "interventions/caseload.html", {"page": page})


def _allocation_context(request, allocation, **extra):
    user = request.user
    may_contact = can(user, "allocation.contact", allocation)
    context = {
        "allocation": allocation,
        "contacts": contacts_of_allocation(allocation)[:50] if may_contact else [],
        "contact_form": forms.ContactForm(),
        "outcome_form": forms.OutcomeForm(),
        "transition_form": forms.TransitionForm(),
        "actions": [
            (step, needs_reason)
            for step, needs_reason in STEPS.items()
            if services.allocation_step_open(allocation, step)
            and can(user, f"allocation.{step}", allocation)
        ],
        "can_record": may_contact and services.contacts_open(allocation),
    }
    context.update(extra)
    return context


@login_required
def allocation_page(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    return render(
        request, "interventions/allocation.html", _allocation_context(request, allocation)
    )


@login_required
@require_POST
def allocation_action(request, allocation_id, action):
    if action not in STEPS:
        raise Http404("No such action")
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, f"allocation.{action}", allocation)
    form = forms.TransitionForm(request.POST)
    form.is_valid()
    try:
        if action == "offer":
            services.allocation_offer(actor=request.user, allocation=allocation)
        else:
            services.allocation_transition(
                actor=request.user,
                allocation=allocation,
                action=action,
                reason=form.cleaned_data.get("reason", ""),
            )
        messages.success(request, "Allocation updated")
        return redirect("interventions:allocation", allocation_id=allocation.pk)
    except ConflictError as error:
        context = _allocation_context(request, allocation, problem=error.message)
        return render(request, "interventions/allocation.html", context, status=409)
    except ValidationError as error:
        context = _allocation_context(request, allocation, problem=" ".join(error.messages))
        return render(request, "interventions/allocation.html", context, status=400)


@login_required
@require_POST
def record_contact(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, "allocation.contact", allocation)
    form = forms.ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_record(actor=request.user, allocation=allocation, **form.cleaned_data)
            messages.success(request, "Contact recorded")
            return redirect("interventions:allocation", allocation_id=allocation.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
    context = _allocation_context(request, allocation, contact_form=form)
    return render(request, "interventions/allocation.html", context, status=400)


@login_required
@require_POST
def record_outcome(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    require(request.user, "outcome.record", allocation.case)
    form = forms.OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_record(actor=request.user, case=allocation.case, **form.cleaned_data)
            messages.success(request, "Outcome recorded")
            return redirect("interventions:allocation", allocation_id=allocation.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    context = _allocation_context(request, allocation, outcome_form=form)
    return render(request, "interventions/allocation.html", context, status=400)


@login_required
@require_POST
def allocate(request, case_id):
    case = case_get(request.user, case_id)
    require(request.user, "allocation.create", Allocation(case=case))
    form = forms.AllocateForm(request.POST)
    if form.is_valid():
        try:
            allocation = services.allocation_create(
                actor=request.user, case=case, **form.cleaned_data
            )
            messages.success(request, "Allocation proposed: offer it when ready")
            return redirect("interventions:allocation", allocation_id=allocation.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
    return render_case_page(request, case, status=400, allocate_form=form)
