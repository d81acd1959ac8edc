from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from core.errors import ConflictError
from jobs import selectors
from jobs.permissions import require
from jobs.routine import BY_NAME, ON_DEMAND
from jobs.services import job_retry, job_start


@login_required
def page(request):
    require(request.user, "jobs.view")
    return render(
        request,
        "jobs/page.html",
        {
            "schedule": selectors.routine_schedule(),
            "failed": selectors.failed_jobs(),
            "on_demand": selectors.on_demand_runs(),
        },
    )


@login_required
def retry(request, job_id):
    """Retrying runs the job again at once: its own "are you sure" page."""
    require(request.user, "jobs.retry")
    failed = selectors.failed_job(job_id)
    if failed is None:
        raise Http404("No failed job with this number")
    if request.method == "POST":
        try:
            job_retry(actor=request.user, job_id=failed.id)
        except ConflictError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"“{failed.label}” will run again as soon as a worker is free"
            )
        return redirect("jobs:page")
    summary = [("Job", failed.label), ("Attempts", str(failed.attempts))]
    if failed.failed_at is not None:
        summary.append(("Failed", date_format(localtime(failed.failed_at), "j F Y, H:i")))
    if failed.error:
        summary.append(("Error", failed.error))
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": "Are you sure you want to retry this job?",
            "back_url": reverse("jobs:page"),
            "confirm_label": "Yes, retry this job",
            "consequences": "It runs again from the start as soon as a worker is free.",
            "summary": summary,
        },
    )


@login_required
@require_POST
def start(request, name):
    require(request.user, "jobs.start")
    routine = BY_NAME.get(name)
    if routine not in ON_DEMAND:
        raise Http404("No job to start with this name")
    try:
        job_start(actor=request.user, routine=routine)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"“{routine.label}” has started: reload this page to see how far it has got"
        )
    return redirect("jobs:page")
