"""Web pages for a victim's domestic abuse risk: the Dash checklist, linking a perpetrator,
a MARAC referral and its meeting. Each asks the rule the API asks (``referrals.permissions``)
before reading the form, then calls the same service (``referrals.marac``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.recorder import record_access, record_children_shown
from core.forms import apply_service_errors, submit
from referrals import marac, marac_forms
from referrals.dash import QUESTIONS, DashChecklist
from referrals.permissions import require
from referrals.selectors import (
    marac_referral_of_referral,
    perpetrator_links_shown,
    referral_get,
)
from referrals.services import MatchQuery, person_match


def _detail_url(referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def dash_page(request, referral_id):
    referral = referral_get(request.user, referral_id)
    require(request.user, "dash.record", referral)
    checklist = request.GET.get("checklist") or DashChecklist.SAFELIVES_RIC_2009
    if checklist not in QUESTIONS:
        checklist = DashChecklist.SAFELIVES_RIC_2009
    form = marac_forms.DashRecordForm(_posted(request), checklist=checklist)
    done = submit(
        request,
        form,
        lambda data: marac.dash_record(
            actor=request.user,
            referral=referral,
            checklist=checklist,
            answers=form.answers(),
            **form.reasons(),
        ),
    )
    if done.done:
        messages.success(request, f"Dash checklist recorded: score {done.result.score}")
        return redirect(_detail_url(referral))
    other = next(c for c in DashChecklist if c != checklist)
    return render(
        request,
        "referrals/marac/dash.html",
        {
            "form": form,
            "referral": referral,
            "checklist": DashChecklist(checklist),
            "other_checklist": other,
            "answer_fields": [form[name] for name in form.fields if name.startswith("answer_")],
            "reason_fields": [form[name] for name in form.fields if not name.startswith("answer_")],
        },
        status=done.status,
    )


@login_required
def perpetrator_page(request, referral_id):
    """Find the perpetrator among the people your organisation sees, then link them."""
    referral = referral_get(request.user, referral_id)
    require(request.user, "marac.link", referral)
    search = marac_forms.FindPerpetratorForm(request.POST if "search" in request.POST else None)
    link_form = marac_forms.LinkPerpetratorForm(request.POST if "link" in request.POST else None)
    people, status = None, 200
    if "search" in request.POST:
        if search.is_valid():
            try:
                people = list(
                    person_match(
                        actor=request.user,
                        query=MatchQuery(
                            family_name=search.cleaned_data["family_name"],
                            date_of_birth=search.cleaned_data["date_of_birth"],
                        ),
                    ).exclude(pk=referral.person_id)
                )
            except ValidationError as error:
                apply_service_errors(search, error)
                status = 400
            else:
                record_access(
                    request.user,
                    action="search",
                    object_type="person",
                    objects=people,
                    person_of=lambda person: person.pk,
                )
        else:
            status = 400
    elif "link" in request.POST:
        done = submit(
            request,
            link_form,
            lambda data: marac.perpetrator_link(
                actor=request.user, referral=referral, perpetrator_id=data["perpetrator"]
            ),
        )
        if done.done:
            messages.success(request, "Perpetrator linked")
            return redirect(_detail_url(referral))
        status = done.status
    return render(
        request,
        "referrals/marac/perpetrator.html",
        {"form": search, "link_form": link_form, "people": people, "referral": referral},
        status=status,
    )


@login_required
def marac_referral_page(request, referral_id):
    referral = referral_get(request.user, referral_id)
    require(request.user, "marac.refer", referral)
    links = perpetrator_links_shown(request.user, referral)
    form = marac_forms.MaracReferralForm(_posted(request), links=links)
    done = submit(
        request,
        form,
        lambda data: marac.marac_refer(
            actor=request.user,
            referral=referral,
            link_id=data["link"],
            referred_on=data["referred_on"],
        ),
    )
    if done.done:
        messages.success(
            request,
            "MARAC referral recorded" + (": a repeat" if done.result.repeat else ""),
        )
        return redirect(_detail_url(referral))
    return render(
        request,
        "referrals/marac/referral.html",
        {"form": form, "referral": referral, "has_links": bool(links)},
        status=done.status,
    )


@login_required
def marac_meeting_page(request, referral_id, marac_id):
    referral = referral_get(request.user, referral_id)
    marac_referral = marac_referral_of_referral(referral, marac_id)
    require(request.user, "marac.refer", referral)
    record_children_shown(
        request.user,
        object_type="marac_referral",
        records=[marac_referral],
        person_id=referral.person_id,
    )
    form = marac_forms.MaracMeetingForm(
        _posted(request),
        initial={"meeting_date": marac_referral.meeting_date, "outcome": marac_referral.outcome},
    )
    done = submit(
        request,
        form,
        lambda data: marac.marac_meeting_record(
            actor=request.user, marac_referral=marac_referral, **data
        ),
    )
    if done.done:
        messages.success(request, "MARAC meeting recorded")
        return redirect(_detail_url(referral))
    return render(
        request,
        "referrals/marac/meeting.html",
        {"form": form, "referral": referral, "marac_referral": marac_referral},
        status=done.status,
    )
