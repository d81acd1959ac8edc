"""Every URL is classified, and every one that shows personal data writes an access event.

A new URL pattern fails ``test_every_url_is_classified`` until someone decides, here, whether
it shows personal data (and so must be audited), only writes (audited through the change
history), or shows none.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import PanelDecision
from interventions.services import allocation_create
from tests.factories import accepted_referral, case_ready_for_delivery, make_intervention
from tests.support import url_names

# name: (who reads it, URL kwargs from the world, query string)
READS = {
    "api:person-detail": ("school_caseworker", lambda w: {"pk": w.person.pk}, {}),
    "api:person-match": (
        "school_caseworker",
        None,
        {"family_name": "Fletcher", "date_of_birth": "DOB"},
    ),
    "api:referral-list": ("school_caseworker", None, {}),
    "api:referral-detail": ("school_caseworker", lambda w: {"pk": w.referral.pk}, {}),
    "api:referral-consents": ("school_caseworker", lambda w: {"referral_id": w.referral.pk}, {}),
    "api:case-list": ("school_caseworker", None, {}),
    "api:case-detail": ("school_caseworker", lambda w: {"pk": w.case.pk}, {}),
    "api:case-timeline": ("school_caseworker", lambda w: {"pk": w.case.pk}, {}),
    "api:case-notes": ("school_caseworker", lambda w: {"pk": w.case.pk}, {}),
    "api:case-shares": ("school_caseworker", lambda w: {"pk": w.case.pk}, {}),
    "api:case-risk-reviews": ("school_caseworker", lambda w: {"pk": w.case.pk}, {}),
    "api:case-outcomes": ("school_caseworker", lambda w: {"case_id": w.case.pk}, {}),
    "api:allocation-list": ("provider_keyworker", None, {}),
    "api:allocation-detail": ("provider_keyworker", lambda w: {"pk": w.allocation.pk}, {}),
    "api:allocation-contacts": ("provider_keyworker", lambda w: {"pk": w.allocation.pk}, {}),
    "api:allocation-outcomes": ("provider_keyworker", lambda w: {"pk": w.allocation.pk}, {}),
    "api:panel-agenda": ("panel_chair", lambda w: {"pk": w.meeting.pk}, {}),
    "api:panel-decisions": ("panel_chair", lambda w: {"pk": w.meeting.pk}, {}),
    "api:person-subject-access-export": ("ig_officer", lambda w: {"person_id": w.person.pk}, {}),
    "referrals:list": ("school_caseworker", None, {}),
    "referrals:screening": ("coordinator", None, {}),
    "referrals:new": (
        "school_caseworker",
        None,
        {"family_name": "Fletcher", "date_of_birth": "PARTS"},
    ),
    "referrals:detail": ("school_caseworker", lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:consent": ("school_caseworker", lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:check": ("school_caseworker", lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:edit": ("school_caseworker", lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:new-details": ("school_caseworker", lambda w: {"person_id": w.person.pk}, {}),
    "cases:list": ("school_caseworker", None, {}),
    "cases:case": ("school_caseworker", lambda w: {"case_id": w.case.pk}, {}),
    "cases:meeting": ("panel_chair", lambda w: {"meeting_id": w.meeting.pk}, {}),
    "interventions:caseload": ("provider_keyworker", None, {}),
    "interventions:allocation": (
        "provider_keyworker",
        lambda w: {"allocation_id": w.allocation.pk},
        {},
    ),
    "audit:person": ("ig_officer", lambda w: {"person_id": w.person.pk}, {}),
    "audit:export": ("ig_officer", lambda w: {"person_id": w.person.pk}, {}),
}

# Only change things: every change is in the history, and its digest in the audit chain.
WRITES = {
    "api:person-list",
    "api:person-break-glass",
    "api:referral-submit",
    "api:referral-screen",
    "api:referral-answer",
    "api:referral-withdraw",
    "api:referral-signpost",
    "api:referral-consent-withdraw",
    "api:referral-gillick",
    "api:referral-lawful-basis",
    "api:referral-lawful-basis-approve",
    "api:referral-lawful-basis-reject",
    "api:referral-lawful-basis-revoke",
    "api:allocation-accept",
    "api:allocation-cancel",
    "api:allocation-complete",
    "api:allocation-decline",
    "api:allocation-disengage",
    "api:allocation-offer",
    "api:allocation-start",
    "api:allocation-withdraw",
    "api:case-close",
    "api:case-reopen",
    "api:case-end-share",
    "api:case-edit-note",
    "api:panel-action-done",
    "api:panel-amend-decision",
    "api:panel-close",
    "api:panel-reopen",
    "api:panel-start",
    "api:membership-end",
    "api:user-two-factor-reset",
    "api:api-token-revoke",
    "api:audit-flag-review",
    "api:intervention-import-catalogue",
    "referrals:answer",
    "referrals:screen",
    "referrals:withdraw",
    "referrals:new-person",
    "cases:attendance",
    "cases:decision",
    "cases:case-action",
    "cases:meeting-transition",
    "interventions:action",
    "interventions:allocate",
    "interventions:contact",
    "interventions:outcome",
    "audit:review",
    "sign-out",
}

# Show no personal data of the people referred (staff, catalogue, audit metadata, minutes).
NO_PERSONAL_DATA = {
    "api-docs",
    "api-schema",
    "api:api-auth-token",
    "api:api-me",
    "api:api-token-list",
    "api:audit-disclosure-list",
    "api:audit-event-list",
    "api:audit-flag-list",
    "api:audit-verify",
    "api:intervention-detail",
    "api:intervention-export",
    "api:intervention-list",
    "api:membership-detail",
    "api:membership-list",
    "api:organisation-detail",
    "api:organisation-list",
    "api:outcome-measure-list",
    "api:pathway-list",
    "api:panel-attendance",
    "api:panel-detail",
    "api:panel-list",
    "audit:flags",
    "audit:search",
    "cases:minutes",
    "cases:minutes-csv",
    "cases:planner",
    "home",
    "interventions:catalogue",
    "sign-in",
    "two-factor",
}


def test_every_url_is_classified():
    # The Django admin manages staff and organisations only; people are not registered there.
    names = {name for name in url_names() if not name.startswith("admin:")}
    unclassified = names - set(READS) - WRITES - NO_PERSONAL_DATA
    assert unclassified == set(), f"Classify these URLs in {__name__}: {sorted(unclassified)}"
    assert not set(READS) & WRITES
    assert not set(READS) & NO_PERSONAL_DATA
    assert (set(READS) | WRITES | NO_PERSONAL_DATA) <= names, "stale names in the table"


@pytest.fixture
def world(school_caseworker, coordinator, panel_chair, charity, provider_keyworker):
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    referral = case.referrals.get()
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Mentor",
    )
    accepted_referral(school_caseworker, coordinator, person=referral.person)
    return SimpleNamespace(
        person=referral.person,
        referral=referral,
        case=case,
        allocation=allocation,
        meeting=PanelDecision.objects.get(case=case).meeting,
    )


def _get(client, name, world, kwargs_of, query):
    url = reverse(name, kwargs=kwargs_of(world) if kwargs_of else None)
    params = dict(query)
    dob = world.person.date_of_birth
    if params.get("date_of_birth") == "DOB":
        params["date_of_birth"] = dob.isoformat()
    if params.get("date_of_birth") == "PARTS":
        del params["date_of_birth"]
        params.update(
            {"date_of_birth_0": dob.day, "date_of_birth_1": dob.month, "date_of_birth_2": dob.year}
        )
    return client.get(url, params)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS))
def test_each_page_and_endpoint_showing_personal_data_writes_an_access_event(
    client, api, request, world, name
):
    who, kwargs_of, query = READS[name]
    user = request.getfixturevalue(who)
    if name.startswith("api:"):
        http = api(user)
    else:
        client.force_login(user)
        http = client
    before = AuditEvent.objects.filter(user=user, kind__in=["access", "export"]).count()

    response = _get(http, name, world, kwargs_of, query)

    assert response.status_code == 200, (name, response.status_code)
    after = AuditEvent.objects.filter(user=user, kind__in=["access", "export"]).count()
    assert after > before, f"{name} showed personal data without an access event"


DENIABLE = [
    "api:person-detail",
    "api:referral-detail",
    "api:case-detail",
    "api:allocation-detail",
    "api:panel-agenda",
    "referrals:detail",
    "cases:case",
    "interventions:allocation",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", DENIABLE)
def test_denied_attempts_are_recorded(client, api, world, police_officer, name):
    _, kwargs_of, query = READS[name]
    if name.startswith("api:"):
        http = api(police_officer)
    else:
        client.force_login(police_officer)
        http = client

    response = _get(http, name, world, kwargs_of, query)

    assert response.status_code == 404
    assert AuditEvent.objects.filter(user=police_officer, kind="denied").count() == 1
