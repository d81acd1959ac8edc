"""The IG officer's pages: finding a person, the audit trail, a person's access history, the
review queue, legal holds, the subject access export and its release; and break-glass, for
anyone who works with people's records (not analysts)."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from audit.filters import AuditEventFilter
from audit.forms import FindPeopleForm, ReleaseForm, ReviewForm
from audit.models import BreakGlassGrant, LegalHold, ReviewFlag
from audit.permissions import allowed, can, require
from audit.readable import DATE, generated_at, readable_export
from audit.recorder import record_access
from audit.selectors import (
    EVENT_ORDER,
    EVENTS_PER_PAGE,
    audit_events,
    break_glass_grant_in_force,
    flag_queue,
    legal_hold_or_404,
    legal_holds,
    person_or_404,
    person_summary,
    releases,
)
from audit.services import (
    break_glass,
    flag_review,
    flags_refresh,
    legal_hold_lift,
    legal_hold_place,
    people_find,
    subject_access_export,
    subject_access_release,
)
from core.errors import ConflictError
from core.forms import ReasonForm, apply_service_errors, submit
from core.pagination import paginate
from core.templatetags.govuk import govuk_datetime
from core.text import model_max_length

PERSON_ACTIONS = ("audit.hold", "audit.hold_lift", "audit.export", "audit.release")
FLAGS_PER_PAGE = 20


def _person_shown(user, person):
    """The page names the person: that is a read of their details, for the trail."""
    record_access(
        user, action="view", object_type="person", objects=[person], person_of=lambda p: p.pk
    )
    return person_summary(person)


@login_required
def find_people(request):
    """IG finds people as they know them: family name and date of birth, NHS number or
    police reference, matched exactly through the blind indexes.

    The terms are personal data, so they come in a POST body and the results are the POST's
    own page: a query string would keep them in access logs and browser history."""
    require(request.user, "audit.find_people")
    form = FindPeopleForm(request.POST if request.method == "POST" else None)
    people = None
    if request.method == "POST" and form.is_valid():
        try:
            people = people_find(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(request, "audit/find_people.html", {"form": form, "people": people})


@login_required
def audit_search(request):
    require(request.user, "audit.search")
    search = AuditEventFilter(request.GET or None, queryset=audit_events())
    page = paginate(request, search.qs, ordering=EVENT_ORDER, page_size=EVENTS_PER_PAGE)
    return render(request, "audit/search.html", {"form": search.form, "page": page})


@login_required
def person_access(request, person_id):
    """Who looked at a person's records, and when (metadata only: no narrative)."""
    require(request.user, "audit.search")
    person = person_or_404(person_id)
    page = paginate(
        request,
        audit_events().filter(person_id=person.pk),
        ordering=EVENT_ORDER,
        page_size=EVENTS_PER_PAGE,
    )
    record_access(
        request.user,
        action="view_access_history",
        object_type="person",
        objects=[person],
        person_of=lambda p: p.pk,
    )
    holds = legal_holds(person)
    return render(
        request,
        "audit/person.html",
        {
            "person": person_summary(person),
            "page": page,
            "holds": holds,
            "hold_in_force": any(hold.lifted_at is None for hold in holds),
            "releases": releases(person),
            "can": allowed(request.user, PERSON_ACTIONS, person),
        },
    )


@login_required
def hold_place(request, person_id):
    require(request.user, "audit.hold")
    person = person_or_404(person_id)
    form = ReasonForm(
        request.POST or None,
        label="Why must these records be kept?",
        required_message="Enter why the records must be kept",
        max_length=model_max_length(LegalHold, "reason"),
    )
    submission = submit(
        request,
        form,
        lambda data: legal_hold_place(actor=request.user, person=person, reason=data["reason"]),
    )
    if submission.done:
        messages.success(request, "Legal hold placed")
        return redirect("audit:person", person_id=person.pk)
    summary = _person_shown(request.user, person)
    return render(
        request,
        "audit/hold_place.html",
        {"form": form, "person": summary},
        status=submission.status,
    )


@login_required
def hold_lift(request, person_id, hold_id):
    require(request.user, "audit.hold_lift")
    person = person_or_404(person_id)
    hold = legal_hold_or_404(person, hold_id)
    form = ReasonForm(
        request.POST or None,
        label="Why can the hold be lifted?",
        required_message="Enter why the hold can be lifted",
        max_length=model_max_length(LegalHold, "lift_reason"),
    )
    submission = submit(
        request,
        form,
        lambda data: legal_hold_lift(actor=request.user, hold=hold, reason=data["reason"]),
    )
    if submission.done:
        messages.success(request, "Legal hold lifted")
        return redirect("audit:person", person_id=person.pk)
    summary = _person_shown(request.user, person)
    placed = f"{format_date(timezone.localtime(hold.placed_at), DATE)} by {hold.placed_by}"
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": f"Are you sure you want to lift the legal hold on {summary.name}'s records?",
            "back_url": reverse("audit:person", kwargs={"person_id": person.pk}),
            "confirm_label": "Yes, lift the legal hold",
            "consequences": "The retention schedule will apply to these records again: they "
            "may be erased when their time comes.",
            "summary": [("Placed", placed), ("Reason", hold.reason)],
            "form": form,
        },
        status=submission.status,
    )


@login_required
def flag_queue_page(request):
    require(request.user, "audit.review")
    flags_refresh()
    queue = flag_queue()
    page = Paginator(queue.pop("unreviewed"), FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    # No one reviews their own access: the form is offered only on the flags the service
    # would let this officer review.
    unreviewed = [(flag, can(request.user, "flag.review", flag)) for flag in page.object_list]
    return render(
        request,
        "audit/flags.html",
        {**queue, "page": page, "unreviewed": unreviewed, "review_form": ReviewForm()},
    )


@login_required
@require_POST
def review(request, flag_id):
    require(request.user, "audit.review")
    flag = ReviewFlag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise Http404("No such flag")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            flag_review(
                actor=request.user,
                flag=flag,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, "Flag reviewed")
            return redirect("audit:flags")
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
    messages.error(request, "; ".join(" ".join(e) for e in form.errors.values()))
    return redirect("audit:flags")


@login_required
def export_page(request, person_id):
    """The subject access export as a printable page, for IG to check before release."""
    require(request.user, "audit.export")
    person = person_or_404(person_id)
    export = subject_access_export(actor=request.user, person=person)
    return render(
        request,
        "audit/export.html",
        {
            "person": person_summary(person),
            "export": export,
            "generated_at": generated_at(export),
            "sections": readable_export(export),
            "releases": releases(person),
            "can": allowed(request.user, PERSON_ACTIONS, person),
        },
    )


@login_required
def export_json(request, person_id):
    """The same export as data, to keep with the release or hand over as a file."""
    require(request.user, "audit.export")
    export = subject_access_export(actor=request.user, person=person_or_404(person_id))
    response = JsonResponse(export, json_dumps_params={"indent": 2})
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="subject-access-export-{day}.json"'
    return response


@login_required
def export_release(request, person_id):
    """Record that the checked export was given to the person (cannot be undone)."""
    require(request.user, "audit.release")
    person = person_or_404(person_id)
    form = ReleaseForm(request.POST or None)
    submission = submit(
        request,
        form,
        lambda data: subject_access_release(
            actor=request.user, person=person, delivery=data["delivery"]
        ),
    )
    if submission.done:
        messages.success(request, "Release to the person recorded")
        return redirect("audit:person", person_id=person.pk)
    summary = _person_shown(request.user, person)
    last = releases(person)[:1]
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": "Are you sure you want to record the subject access export as "
            f"released to {summary.name}?",
            "back_url": reverse("audit:export", kwargs={"person_id": person.pk}),
            "confirm_label": "Yes, record the release",
            "consequences": "Check every section, and remove other people's details, before "
            "you give the export to the person. The release is recorded with your name and "
            "today's date.",
            "summary": [
                ("Person", summary.name),
                ("Date of birth", format_date(summary.date_of_birth, DATE)),
                (
                    "Released before",
                    _released(last[0]) if last else "Not released before",
                ),
            ],
            "form": form,
        },
        status=submission.status,
    )


def _released(release) -> str:
    when = format_date(timezone.localtime(release.released_at), DATE)
    return f"Released to the person on {when} by {release.released_by}"


@login_required
def break_glass_page(request, person_id):
    """Open a person's records that were not shared with you, for a time, saying why; IG
    is told at once."""
    require(request.user, "audit.break_glass")
    person = person_or_404(person_id)
    next_url = _safe_next(request)
    form = ReasonForm(
        request.POST or None,
        label="Why do you need to see these records now?",
        required_message="Enter why you need to see these records now",
        max_length=model_max_length(BreakGlassGrant, "reason"),
    )
    submission = submit(
        request,
        form,
        lambda data: break_glass(actor=request.user, person=person, reason=data["reason"]),
    )
    if submission.done:
        messages.success(request, "Access given: information governance has been told")
        here = reverse("audit:break-glass", kwargs={"person_id": person.pk})
        return redirect(f"{here}?{urlencode({'next': next_url})}" if next_url else here)
    grant = break_glass_grant_in_force(request.user, person)
    minutes = settings.BREAK_GLASS_MINUTES
    return render(
        request,
        "audit/break_glass.html",
        {
            "form": form,
            "grant": grant,
            "next_url": next_url,
            "expires_at": grant and govuk_datetime(grant.expires_at),
            "minutes": minutes,
            "would_expire_at": govuk_datetime(timezone.now() + datetime.timedelta(minutes=minutes)),
        },
        status=submission.status,
    )


def _safe_next(request) -> str:
    """Where the user came from (the record they were refused), to go on to once the glass
    is broken: a path on this site only, never another host."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
