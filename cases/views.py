"""Web pages of panels and cases: the coordinator's planner, the chair's meeting page,
minutes, and the case page. Each asks the operation's rule (``cases.permissions.require``)
before reading the form, then calls one service or selector; what a page offers comes from
the same rules (``can``/``allowed``)."""

import csv
import datetime
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.recorder import record_access
from cases import forms, services
from cases.disclosures import record_agenda_access
from cases.models import MeetingStatus
from cases.pages import case_page_context, render_case_page
from cases.permissions import allowed, can, require
from cases.selectors import (
    agenda_referral,
    attendance_of_meeting,
    case_get,
    cases_visible_to,
    filter_overdue_review,
    meeting_get,
    meeting_member,
    meetings_visible_to,
    panel_agenda,
    share_of_case,
    with_review_overdue,
)
from core.errors import ConflictError
from core.forms import apply_service_errors

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# --- Panels ------------------------------------------------------------------------------


@login_required
def panel_planner(request):
    require(request.user, "meeting.arrange" if request.method == "POST" else "meeting.list")
    form = forms.MeetingForm(request.POST or None)
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
    page = Paginator(meetings, 25).get_page(request.GET.get("page"))
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


def _meeting_context(request, meeting, bound_form=None, **extra):
    agenda = panel_agenda(meeting)
    record_agenda_access(request.user, meeting, agenda)
    for item in agenda:
        prefix = f"item-{item.referral.pk}"
        if bound_form is not None and bound_form.prefix == prefix:
            item.form = bound_form
        else:
            item.form = forms.DecisionForm(prefix=prefix, initial={"referral": item.referral.pk})
    context = {
        "meeting": meeting,
        "allowed": allowed(request.user, MEETING_OPERATIONS, meeting),
        "agenda": agenda,
        "attendance": attendance_of_meeting(meeting),
        "reason_form": forms.ReasonForm(),
    }
    context.update(extra)
    return context


@login_required
def meeting_page(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    return render(request, "cases/meeting.html", _meeting_context(request, meeting))


def _meeting_action(request, meeting_id, run, operation):
    meeting = meeting_get(request.user, meeting_id)
    require(request.user, operation, meeting)
    try:
        message = run(meeting)
        if message:
            messages.success(request, message)
        return redirect("cases:meeting", meeting_id=meeting.pk)
    except ConflictError as error:
        context = _meeting_context(request, meeting, problem=error.message)
        return render(request, "cases/meeting.html", context, status=409)
    except ValidationError as error:
        context = _meeting_context(request, meeting, problem=" ".join(error.messages))
        return render(request, "cases/meeting.html", context, status=400)


@login_required
@require_POST
def meeting_transition(request, meeting_id, transition):
    if transition not in ("start", "close", "reopen"):
        raise Http404("No such action")

    def run(meeting):
        if transition == "start":
            services.meeting_start(actor=request.user, meeting=meeting)
            return "Meeting started"
        if transition == "close":
            services.meeting_close(actor=request.user, meeting=meeting)
            return "Meeting closed: decisions are locked"
        services.meeting_reopen(
            actor=request.user, meeting=meeting, reason=request.POST.get("reason", "")
        )
        return "Meeting reopened"

    return _meeting_action(request, meeting_id, run, f"meeting.{transition}")


@login_required
@require_POST
def meeting_attendance(request, meeting_id):
    def run(meeting):
        form = forms.AttendanceForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Say whether they attended")
        member = meeting_member(meeting, form.cleaned_data["user"])
        if member is None:
            raise ValidationError("Not a member of this meeting")
        services.attendance_record(
            actor=request.user,
            meeting=meeting,
            member=member,
            attended=form.cleaned_data["attended"],
        )
        return "Attendance recorded"

    return _meeting_action(request, meeting_id, run, "meeting.attendance")


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
            return redirect("cases:meeting", meeting_id=meeting.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
    context = _meeting_context(request, meeting, bound_form=form)
    return render(request, "cases/meeting.html", context, status=400)


def _minutes(meeting):
    agenda = [item for item in panel_agenda(meeting) if item.decision is not None]
    return agenda, attendance_of_meeting(meeting)


@login_required
def minutes_page(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404("Minutes exist once the meeting is closed")
    agenda, attendance = _minutes(meeting)
    return render(
        request,
        "cases/minutes.html",
        {"meeting": meeting, "items": agenda, "attendance": attendance},
    )


@login_required
def minutes_csv(request, meeting_id):
    meeting = meeting_get(request.user, meeting_id)
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404("Minutes exist once the meeting is closed")
    agenda, attendance = _minutes(meeting)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="panel-{meeting.meets_at:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    columns = [
        "record",
        "item",
        "reference",
        "pathway",
        "decision",
        "rationale",
        "signposted_to",
        "action",
        "owner",
        "due_date",
        "done",
        "member",
        "organisation",
        "attended",
    ]
    writer.writerow(columns)

    def row(**values):
        writer.writerow([csv_safe(values.get(column, "")) for column in columns])

    row(record="meeting", rationale=str(meeting), decision=meeting.get_status_display())
    for entry in attendance:
        attended = {True: "yes", False: "no", None: "not recorded"}[entry.attended]
        row(
            record="attendance",
            member=entry.user,
            organisation=entry.organisation.name,
            attended=attended,
        )
    for number, item in enumerate(agenda, start=1):
        decision = item.decision
        row(
            record="decision",
            item=number,
            reference=str(item.referral.pk)[:8],
            pathway=item.referral.get_pathway_display(),
            decision=decision.get_outcome_display(),
            rationale=decision.rationale,
            signposted_to=decision.signpost_service_name or decision.get_signpost_service_display(),
        )
        for action in decision.actions.all():
            row(
                record="action",
                item=number,
                reference=str(item.referral.pk)[:8],
                action=action.description,
                owner=action.owner,
                due_date=action.due_date.isoformat(),
                done="yes" if action.done_at else "no",
            )
    return response


# --- Cases -------------------------------------------------------------------------------


@login_required
def case_list(request):
    require(request.user, "case.list")
    cases = with_review_overdue(
        cases_visible_to(request.user).select_related("person", "lead_organisation")
    )
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        cases = filter_overdue_review(cases)
    page = Paginator(cases.order_by("-opened_at"), 25).get_page(request.GET.get("page"))
    record_access(
        request.user,
        action="list",
        object_type="case",
        objects=page.object_list,
        person_of=lambda case: case.person_id,
    )
    return render(
        request,
        "cases/list.html",
        {"page": page, "overdue": overdue},
    )


@login_required
def case_page(request, case_id):
    case = case_get(request.user, case_id)
    return render_case_page(request, case)


@login_required
@require_POST
def case_action(request, case_id, action):
    case = case_get(request.user, case_id)
    form_classes = {
        "share": forms.ShareForm,
        "review": forms.RiskReviewForm,
        "note": forms.NoteForm,
        "close": forms.CloseForm,
        "reopen": forms.ReasonForm,
        "unshare": forms.ReasonForm,
    }
    if action not in form_classes:
        raise Http404("No such action")
    require(request.user, f"case.{action}", case)
    form = form_classes[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "share":
                services.case_share(actor=request.user, case=case, **data)
            elif action == "review":
                services.risk_review_record(actor=request.user, case=case, **data)
            elif action == "note":
                services.note_add(
                    actor=request.user, case=case, text=data["text"], corrects=data["corrects"]
                )
            elif action == "close":
                services.case_close(actor=request.user, case=case, **data)
            elif action == "reopen":
                services.case_reopen(actor=request.user, case=case, reason=data["reason"])
            elif action == "unshare":
                share = share_of_case(case, request.POST.get("share"))
                services.case_unshare(actor=request.user, share=share, reason=data["reason"])
            messages.success(request, "Saved")
            return redirect("cases:case", case_id=case.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            return render_case_page(request, case, status=409, problem=error.message)
    context = case_page_context(request, case, **{f"{action}_form": form})
    if action == "unshare":
        context["problem"] = "Give a reason for ending the share"
    if action == "reopen":
        context["reason_form"] = form
    return render(request, "cases/case.html", context, status=400)
