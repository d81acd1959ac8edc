"""Web pages of panels and cases: the coordinator's planner, the chair's meeting page,
minutes, and the case page. Each asks the operation's rule (``cases.permissions.require``)
before reading the form, then calls one service or selector; what a page offers comes from
the same rules (``can``/``allowed``)."""

import dataclasses
import datetime
import re
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from audit.recorder import record_access
from cases import forms, services
from cases.disclosures import record_agenda_access, release_minutes
from cases.minutes import csv_filename, write_minutes_csv
from cases.models import Case
from cases.pages import render_case_page
from cases.permissions import allowed, can, case_open_for, require
from cases.selectors import (
    MINUTES_PAGE_SIZE,
    action_for,
    actions_owned_by,
    agenda_referral,
    attendance_of_meeting,
    case_get,
    filter_overdue_review,
    meeting_get,
    meeting_minutes,
    meetings_visible_to,
    panel_agenda_page,
    share_of_case,
    visible_case_ids,
    visible_cases_page,
    with_review_overdue,
)
from core.errors import ConflictError
from core.forms import ReasonForm, apply_service_errors, submit
from core.pagination import CURSOR_PARAM, InvalidCursor, paginate

PAGE_SIZE = 25


# --- Panels ------------------------------------------------------------------------------


@login_required
def panel_planner(request):
    require(request.user, "meeting.arrange" if request.method == "POST" else "meeting.list")
    form = forms.MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meets_at = timezone.make_aware(
            datetime.datetime.combine(data["meets_on"], data["meets_at_time"])
        )
        try:
            meeting = services.meeting_create(
                actor=request.user,
                area=data["area"],
                meets_at=meets_at,
                chair=data["chair"],
                members=list(data["members"]),
            )
            messages.success(request, "Panel meeting arranged")
            return redirect("cases:meeting", meeting_id=meeting.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    meetings = meetings_visible_to(request.user).select_related("chair").order_by("-meets_at")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/planner.html",
        {"page": page, "form": form, "can_arrange": can(request.user, "meeting.arrange")},
    )


MEETING_OPERATIONS = (
    "meeting.start",
    "meeting.close",
    "meeting.reopen",
    "meeting.decide",
    "meeting.attendance",
)


def _agenda_cursor(request) -> str:
    """The agenda page being worked on: the page's ``cursor``, or the one a decision form on
    it carried, so an error or a recorded decision comes back to the same page."""
    return request.GET.get(CURSOR_PARAM) or request.POST.get(CURSOR_PARAM) or ""


def _agenda_for_page(request, meeting):
    cursor = _agenda_cursor(request)
    try:
        return panel_agenda_page(meeting, cursor=cursor), cursor
    except InvalidCursor:
        # A mangled link: start the agenda again; nothing else to tell the reader.
        return panel_agenda_page(meeting, cursor=None), ""


def _meeting_url(meeting, cursor: str = "") -> str:
    url = reverse("cases:meeting", args=[meeting.pk])
    return f"{url}?{urlencode({CURSOR_PARAM: cursor})}" if cursor else url


def _meeting_context(request, meeting, bound_form=None, **extra):
    page, cursor = _agenda_for_page(request, meeting)
    agenda = page.items
    record_agenda_access(request.user, meeting, agenda)
    # "Open the case" only where the viewer may open it: no link leads to a 404.
    openable = visible_case_ids(
        request.user, [item.decision.case_id for item in agenda if item.decision]
    )
    for item in agenda:
        item.case_openable = bool(item.decision) and item.decision.case_id in openable
        prefix = f"item-{item.referral.pk}"
        if bound_form is not None and bound_form.prefix == prefix:
            item.form = bound_form
        else:
            item.form = forms.DecisionForm(prefix=prefix, initial={"referral": item.referral.pk})
    attendance = list(attendance_of_meeting(meeting))
    context = {
        "meeting": meeting,
        "allowed": allowed(request.user, MEETING_OPERATIONS, meeting),
        "agenda": agenda,
        "agenda_page": page,
        "agenda_cursor": cursor,
        "next_agenda_url": _meeting_url(meeting, page.next_cursor) if page.has_next else "",
        "attendance": attendance,
        "attendance_form": forms.AttendanceRegisterForm(attendance=attendance),
    }
    context.update(extra)
    return context


@login_required
def meeting_page(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    return render(request, "cases/meeting.html", _meeting_context(request, meeting))


# Closing locks the decisions and reopening needs a reason: each asks on its own page first.
CONFIRMED_TRANSITIONS = {
    "close": {
        "heading": "Are you sure you want to close the meeting?",
        "confirm_label": "Yes, close the meeting",
        "consequences": "Its decisions are locked and the minutes are written. Reopening the "
        "meeting needs a reason.",
        "done": "Meeting closed: decisions are locked",
    },
    "reopen": {
        "heading": "Are you sure you want to reopen the meeting?",
        "confirm_label": "Yes, reopen the meeting",
        "consequences": "Its decisions can be amended again until it is closed.",
        "done": "Meeting reopened",
    },
}


@login_required
def meeting_transition(request, meeting_id, transition):
    if transition not in ("start", "close", "reopen"):
        raise Http404("No such action")
    meeting = meeting_get(request.user, meeting_id)
    require(request.user, f"meeting.{transition}", meeting)
    if transition == "start":
        return _meeting_start(request, meeting)
    words = CONFIRMED_TRANSITIONS[transition]
    posted = request.method == "POST"
    if transition == "reopen":
        form = ReasonForm(request.POST if posted else None)
    else:
        form = django_forms.Form(request.POST if posted else None)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                if transition == "close":
                    services.meeting_close(actor=request.user, meeting=meeting)
                else:
                    services.meeting_reopen(
                        actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
                    )
                messages.success(request, words["done"])
                return redirect("cases:meeting", meeting_id=meeting.pk)
            except ValidationError as error:
                apply_service_errors(form, error)
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
    context = {
        **{key: value for key, value in words.items() if key != "done"},
        "form": form,
        "back_url": reverse("cases:meeting", args=[meeting.pk]),
        "summary": [("Meeting", str(meeting)), ("Chair", str(meeting.chair))],
    }
    return render(request, "govuk/confirm.html", context, status=status)


def _meeting_start(request, meeting):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.meeting_start(actor=request.user, meeting=meeting)
        messages.success(request, "Meeting started")
        return redirect("cases:meeting", meeting_id=meeting.pk)
    except ConflictError as error:
        context = _meeting_context(request, meeting, problem=error.message)
        return render(request, "cases/meeting.html", context, status=409)


@login_required
@require_POST
def meeting_attendance(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    require(request.user, "meeting.attendance", meeting)
    form = forms.AttendanceRegisterForm(
        request.POST, attendance=list(attendance_of_meeting(meeting))
    )
    status = 400
    if form.is_valid():
        try:
            services.attendance_register(
                actor=request.user, meeting=meeting, attended=form.cleaned_data["attended"]
            )
            messages.success(request, "Attendance recorded")
            return redirect("cases:meeting", meeting_id=meeting.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
    context = _meeting_context(request, meeting, attendance_form=form)
    return render(request, "cases/meeting.html", context, status=status)


@login_required
@require_POST
def meeting_decision(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    require(request.user, "meeting.decide", meeting)
    prefix = request.POST.get("prefix", "")
    if not re.fullmatch(r"item-[0-9a-f-]{36}", prefix):
        raise Http404("No such agenda item")
    form = forms.DecisionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            referral = agenda_referral(form.cleaned_data["referral"])
            services.decision_record(
                actor=request.user, meeting=meeting, referral=referral, **form.service_arguments()
            )
            messages.success(request, "Decision recorded")
            # Back to the page the item was on: a decided item keeps its place.
            return redirect(_meeting_url(meeting, _agenda_cursor(request)))
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
    context = _meeting_context(request, meeting, bound_form=form)
    return render(request, "cases/meeting.html", context, status=400)


@login_required
def minutes_page(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    minutes = release_minutes(
        request.user,
        meeting_minutes(
            meeting,
            page_of=lambda items, ordering: paginate(
                request, items, ordering=ordering, page_size=MINUTES_PAGE_SIZE
            ),
        ),
    )
    return render(request, "cases/minutes.html", {"minutes": minutes, "meeting": minutes.meeting})


@login_required
def minutes_csv(request, meeting_id):
    minutes = release_minutes(request.user, meeting_minutes(meeting_get(request.user, meeting_id)))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(minutes)}"'
    write_minutes_csv(minutes, response)
    return response


@login_required
def my_actions(request):
    require(request.user, "action.mine")
    page = Paginator(actions_owned_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # A link to the case the action is about, only where the owner may open it.
    openable = visible_case_ids(request.user, [a.decision.case_id for a in page.object_list])
    for action in page.object_list:
        action.case_openable = action.decision.case_id in openable
    return render(request, "cases/my_actions.html", {"page": page})


@login_required
@require_POST
def action_done(request, action_id):
    action = action_for(request.user, action_id)
    require(request.user, "action.complete", action)
    services.action_complete(actor=request.user, action=action)
    messages.success(request, f"Marked done: {action.description}")
    if action.owner_id == request.user.pk:
        return redirect("cases:my-actions")
    return redirect("cases:meeting", meeting_id=action.decision.meeting_id)


# --- Cases -------------------------------------------------------------------------------


@login_required
def case_list(request):
    require(request.user, "case.list")
    cases = with_review_overdue(
        Case.objects.select_related("person", "lead_professional", "lead_organisation")
    )
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        cases = filter_overdue_review(cases)
    try:
        page = visible_cases_page(
            request.user, cases, cursor=request.GET.get(CURSOR_PARAM), page_size=PAGE_SIZE
        )
    except InvalidCursor:
        # A mangled link: the list from the top; nothing else to tell the reader.
        page = visible_cases_page(request.user, cases, cursor=None, page_size=PAGE_SIZE)
    if page.next_cursor:
        params = request.GET.copy()
        params[CURSOR_PARAM] = page.next_cursor
        page = dataclasses.replace(page, next_query=params.urlencode())
    record_access(
        request.user,
        action="list",
        object_type="case",
        objects=page.items,
        person_of=lambda case: case.person_id,
    )
    return render(
        request,
        "cases/list.html",
        {"page": page, "overdue": overdue, "from_start": bool(request.GET.get(CURSOR_PARAM))},
    )


@login_required
def case_page(request, case_id):
    case = case_get(request.user, case_id)
    return render_case_page(request, case)


def _case_form_page(request, case_id, *, operation, form_class, run, page, done):
    """A page for one operation on a case: the rule first, then the form, then one service.
    ``page`` is the template's variables (heading, button); ``run(case, data)`` calls the
    service. Bad input re-renders the page with its errors and writes nothing."""
    case = case_get(request.user, case_id)
    require(request.user, operation, case)
    if request.method == "GET" and not case_open_for(case, operation):
        # A link followed after someone else closed (or reopened) the case: say so on the
        # case page rather than ask a question whose answer would be a conflict.
        messages.info(request, f"The case is {case.get_status_display().lower()}: nothing to do")
        return redirect("cases:case", case_id=case.pk)
    form = form_class(request.POST if request.method == "POST" else None)
    submission = submit(request, form, lambda data: run(case, data))
    if submission.done:
        messages.success(request, done)
        return redirect("cases:case", case_id=case.pk)
    status = submission.status
    context = {"case": case, "form": form, "back_url": reverse("cases:case", args=[case.pk])}
    context.update(page(case) if callable(page) else page)
    template = context.pop("template", "cases/case_form.html")
    return render(request, template, context, status=status)


@login_required
def case_share(request, case_id):
    return _case_form_page(
        request,
        case_id,
        operation="case.share",
        form_class=forms.ShareForm,
        run=lambda case, data: services.case_share(actor=request.user, case=case, **data),
        page=lambda case: {
            "heading": f"Share {case.person.full_name}'s case",
            "button": "Share the case",
        },
        done="Case shared",
    )


@login_required
def case_review(request, case_id):
    return _case_form_page(
        request,
        case_id,
        operation="case.review",
        form_class=forms.RiskReviewForm,
        run=lambda case, data: services.risk_review_record(actor=request.user, case=case, **data),
        page={"heading": "Review the risk", "button": "Record the review"},
        done="Risk review recorded",
    )


@login_required
def case_note(request, case_id):
    return _case_form_page(
        request,
        case_id,
        operation="case.note",
        form_class=forms.NoteForm,
        run=lambda case, data: services.note_add(
            actor=request.user, case=case, text=data["text"], corrects=data["corrects"]
        ),
        page={"heading": "Add a note", "button": "Add the note"},
        done="Note added",
    )


@login_required
def case_reopen(request, case_id):
    return _case_form_page(
        request,
        case_id,
        operation="case.reopen",
        form_class=ReasonForm,
        run=lambda case, data: services.case_reopen(
            actor=request.user, case=case, reason=data["reason"]
        ),
        page={"heading": "Reopen the case", "button": "Reopen the case"},
        done="Case reopened",
    )


@login_required
def case_close(request, case_id):
    return _case_form_page(
        request,
        case_id,
        operation="case.close",
        form_class=forms.CloseForm,
        run=lambda case, data: services.case_close(actor=request.user, case=case, **data),
        page=lambda case: {
            "template": "govuk/confirm.html",
            "heading": f"Are you sure you want to close {case.person.full_name}'s case?",
            "confirm_label": "Yes, close the case",
            "consequences": "Closing ends the case's work. Reopening it needs a reason.",
            "summary": [
                ("Person", case.person.full_name),
                ("Pathway", case.get_pathway_display()),
                ("Lead professional", str(case.lead_professional)),
            ],
        },
        done="Case closed",
    )


@login_required
def case_unshare(request, case_id, share_id):
    def page(case):
        share = share_of_case(case, share_id)
        return {
            "template": "govuk/confirm.html",
            "heading": f"Are you sure you want to stop sharing with {share.organisation.name}?",
            "confirm_label": "Yes, stop sharing",
            "consequences": f"{share.organisation.name} will no longer see the case.",
            "summary": [
                ("Person", case.person.full_name),
                ("Shared with", share.organisation.name),
                ("For", share.get_purpose_display()),
                ("Since", date_format(share.shared_at, "j F Y")),
            ],
        }

    def run(case, data):
        share = share_of_case(case, share_id)
        services.case_unshare(actor=request.user, share=share, reason=data["reason"])

    return _case_form_page(
        request,
        case_id,
        operation="case.unshare",
        form_class=ReasonForm,
        run=run,
        page=page,
        done="Sharing stopped",
    )
