"""An administrator finds a failed job on the jobs page, retries it, starts a rebuild of the
reporting facts and follows it to the end; every page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect
from procrastinate.contrib.django.models import ProcrastinateJob

from audit.models import AuditEvent
from jobs.models import Progress
from referrals.models import Person
from tests.factories import failed_job, make_person
from tests.support import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("queue")]


@pytest.mark.django_db(transaction=True)
def test_an_administrator_retries_a_failed_job_and_starts_a_rebuild(
    live_server, page, axe_violations, admin_user, school_caseworker, sign_in
):
    make_person(school_caseworker, family_name="Ashworth")
    job_id = failed_job("prune_sessions", error="OperationalError: server closed the connection")

    sign_in(page, admin_user)
    page.get_by_role("link", name="Background jobs").click()
    expect(page.get_by_role("heading", name="Background jobs", level=1)).to_be_visible()
    failed = page.get_by_role("row", name=re.compile("Delete expired sign-in sessions"))
    expect(failed.first).to_contain_text("OperationalError: server closed the connection")
    assert axe_violations(page) == []

    page.get_by_role("link", name=re.compile(r"Retry\W+delete expired sign-in sessions")).click()
    expect(
        page.get_by_role("heading", name="Are you sure you want to retry this job?")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes, retry this job").click()

    expect(page.get_by_text("will run again as soon as a worker is free")).to_be_visible()
    expect(page.get_by_text("No job has failed.")).to_be_visible()
    assert ProcrastinateJob.objects.get(pk=job_id).status == "todo"
    assert AuditEvent.objects.filter(action="retry_job", user=admin_user).count() == 1

    page.get_by_role("button", name="Start: rebuild the reporting facts").click()
    expect(page.get_by_text("has started: reload this page")).to_be_visible()
    rebuild = ProcrastinateJob.objects.get(task_name="rebuild_figures")
    assert rebuild.status == "todo"
    assert Progress.objects.get(job_id=rebuild.pk).requested_by == admin_user
    assert axe_violations(page) == []

    run_worker()
    page.reload()

    people = Person.objects.count()
    expect(page.get_by_text(f"{people} of {people} (100%)")).to_be_visible()
    assert not ProcrastinateJob.objects.exists()  # both ran and succeeded
    assert set(
        AuditEvent.objects.filter(kind="routine", user=None).values_list("action", flat=True)
    ) == {"prune_sessions", "rebuild_figures"}
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
