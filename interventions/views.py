"""Web pages: the catalogue, the provider's caseload, an allocation with its contacts and
outcomes, and allocating from the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.recorder import record_access
from cases.permissions import require_case_action
from cases.selectors import case_get
from cases.views import case_page_context
from core.errors import ConflictError
from core.forms import apply_service_errors
from interventions import forms, services
from interventions.models import AllocationStatus
from interventions.permissions import require_allocation_action
from interventions.selectors import (
    allocation_capacities,
    allocation_get,
    allocations_visible_to,
    catalogue,
)
from partners.selectors import active_memberships

ACTIONS = ("offer", "accept", "decline", "start", "complete", "disengage", "withdraw", "cancel")


@login_required
def catalogue_page(request):
    if not active_memberships(request.user):
        raise PermissionDenied("You hold no role in the partnership")
    return render(
        request,
        "interventions/catalogue.html",
        {"interventions": catalogue().filter(active=True).order_by("provider__name", "name")},
    )


@login_required
def caseload(request):
    allocations = (
        allocations_visible_to(request.user)
        .select_related("intervention__provider", "case__person", "keyworker")
        .exclude(status__in=["completed", "disengaged", "withdrawn", "cancelled", "declined"])
        .order_by("-missed_contacts_flag", "status", "-created_at")
    )
    page = Paginator(allocations, 25).get_page(request.GET.get("page"))
    record_access(
        request.user,
        action="list",
        object_type="allocation",
        objects=page.object_list,
        person_of=lambda allocation: allocation.case.person_id,
    )
    return render(request, "interventions/caseload.html", {"page": page})


def _allocation_context(request, allocation, **extra):
    capacities = allocation_capacities(request.user, allocation)
    context = {
        "allocation": allocation,
        "capacities": capacities,
        "contacts": allocation.contacts.all()[:50] if "provider" in capacities else [],
        "contact_form": forms.ContactForm(),
        "outcome_form": forms.OutcomeForm(),
        "transition_form": forms.TransitionForm(),
        "actions": _available_actions(allocation, capacities),
        "can_record": "provider" in capacities
        and allocation.status in (AllocationStatus.ACCEPTED, AllocationStatus.ACTIVE),
    }
    context.update(extra)
    return context


def _available_actions(allocation, capacities) -> list[tuple[str, bool]]:
    """(action, needs a reason) for each step this user may take now."""
    available = []
    if allocation.status == "proposed" and capacities & {"lead", "coordinator"}:
        available.append(("offer", False))
    for name, (from_statuses, _, who, needs_reason) in services.TRANSITIONS.items():
        if allocation.status in from_statuses and capacities & who:
            available.append((name, needs_reason))
    return available


@login_required
def allocation_page(request, allocation_id):
    allocation = allocation_get(request.user, allocation_id)
    return render(
        request, "interventions/allocation.html", _allocation_context(request, allocation)
    )


@login_required
@require_POST
def allocation_action(request, allocation_id, action):
    if action not in ACTIONS:
        raise Http404("No such action")
    allocation = allocation_get(request.user, allocation_id)
    require_allocation_action(request.user, allocation, action)
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
    require_allocation_action(request.user, allocation, "contact")
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
    require_allocation_action(request.user, allocation, "outcome")
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
    require_case_action(request.user, case, "allocate")
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
    context = case_page_context(request, case, allocate_form=form)
    return render(request, "cases/case.html", context, status=400)
