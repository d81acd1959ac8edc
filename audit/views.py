"""The IG officer's pages: audit search, a person's access history, the review queue and
the subject access export."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.filters import AuditEventFilter
from audit.models import FlagOutcome, ReviewFlag
from audit.permissions import require
from audit.recorder import record_access
from audit.selectors import audit_events, person_or_404
from audit.services import flag_review, flags_refresh, subject_access_export
from core.errors import ConflictError
from core.forms import apply_service_errors


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=FlagOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput)


@login_required
def audit_search(request):
    require(request.user, "audit.search")
    search = AuditEventFilter(request.GET or None, queryset=audit_events())
    page = Paginator(search.qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": search.form, "page": page})


@login_required
def person_access(request, person_id):
    """Who looked at a person's records, and when (metadata only: no narrative)."""
    require(request.user, "audit.search")
    person = person_or_404(person_id)
    events = audit_events().filter(person_id=person.pk)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    record_access(
        request.user,
        action="view_access_history",
        object_type="person",
        objects=[person],
        person_of=lambda p: p.pk,
    )
    return render(request, "audit/person.html", {"person_id": person.pk, "page": page})


@login_required
def flag_queue(request):
    require(request.user, "audit.review")
    flags_refresh()
    flags = ReviewFlag.objects.select_related("user", "event", "reviewed_by")
    unreviewed = flags.filter(reviewed_at=None).order_by("raised_at")
    reviewed = flags.exclude(reviewed_at=None).order_by("-reviewed_at")[:20]
    return render(
        request,
        "audit/flags.html",
        {"unreviewed": unreviewed, "reviewed": reviewed, "review_form": ReviewForm()},
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
    require(request.user, "audit.export")
    export = subject_access_export(actor=request.user, person=person_or_404(person_id))
    sections = [
        (name.replace("_", " ").capitalize(), rows)
        for name, rows in export.items()
        if isinstance(rows, list)
    ]
    return render(request, "audit/export.html", {"export": export, "sections": sections})
