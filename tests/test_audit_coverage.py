"""Every URL is classified, and every one that shows personal data writes exactly one access
event per record it shows, for that record.

A new URL pattern fails ``test_every_url_is_classified`` until someone decides, here, whether
it shows personal data (and so must be audited), only writes (audited through the change
history), or shows none.
"""

import datetime
from collections import Counter
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import legal_hold_place
from cases.models import PanelDecision
from cases.services import note_add
from interventions.services import allocation_create
from partners.models import Area, OrganisationType
from partners.roles import Role
from referrals.consent import gillick_record, lawful_basis_decide, lawful_basis_record
from referrals.marac import dash_record, marac_refer, perpetrator_link
from sharing.agreements import outside_agreement_approve
from tests.factories import (
    accepted_referral,
    case_ready_for_delivery,
    make_intervention,
    make_member,
    make_organisation,
    make_person,
    make_referral,
    submitted_referral,
    years_ago,
)
from tests.support import built_once_per_module, date_parts, url_names


def each(object_type, *records):
    """One event for each record shown: the world's records named by ``records``."""
    return lambda w: [(object_type, str(getattr(w, name).pk)) for name in records]


def each_of(object_type, records):
    """One event for each record of the world's list named ``records``."""
    return lambda w: [(object_type, str(record.pk)) for record in getattr(w, records)]


def parent_and(parent_type, parent, *children):
    """The parent record's event, and one for each child record shown beside it: ``children``
    are (object type, records of the world) pairs, read from the database."""

    def expected(w):
        events = [(parent_type, str(getattr(w, parent).pk))]
        for child_type, records_of in children:
            events += [(child_type, str(pk)) for pk in records_of(w).values_list("pk", flat=True)]
        return events

    return expected


# A chronology entry is a line drawn from several records (a decision, a note, a contact);
# it has no id of its own, so the timeline writes the case's one event.
PARENT_CASE_ONLY = each("case", "case")

CASE = lambda w: {"pk": w.case.pk}  # noqa: E731
ALLOCATION = lambda w: {"pk": w.allocation.pk}  # noqa: E731
REFERRAL = lambda w: {"referral_id": w.referral.pk}  # noqa: E731
CASE_PAGE = lambda w: {"case_id": w.case.pk}  # noqa: E731
DA_REFERRAL = lambda w: {"referral_id": w.da_referral.pk}  # noqa: E731

# name: (who reads it, URL kwargs from the world, query string, the access events it writes:
# (object type, object id) for each record shown)
READS = {
    "api:person-detail": (
        "school_caseworker",
        lambda w: {"pk": w.person.pk},
        {},
        each("person", "person"),
    ),
    "api:person-match": (
        "school_caseworker",
        None,
        {"family_name": "Fletcher", "date_of_birth": "DOB"},
        each("person", "person"),
    ),
    "api:referral-list": ("school_caseworker", None, {}, each_of("referral", "referrals")),
    "api:referral-detail": (
        "school_caseworker",
        lambda w: {"pk": w.referral.pk},
        {},
        each("referral", "referral"),
    ),
    # The referral, each consent decision, Gillick assessment and lawful basis shown.
    "api:referral-consents": (
        "school_caseworker",
        REFERRAL,
        {},
        parent_and(
            "referral",
            "referral",
            ("consent", lambda w: w.referral.consents.all()),
            ("gillick_assessment", lambda w: w.referral.gillick_assessments.all()),
            ("lawful_basis", lambda w: w.referral.lawful_bases.all()),
        ),
    ),
    # The referral, and each decision about taking part in an intervention.
    "api:referral-participation": (
        "school_caseworker",
        REFERRAL,
        {},
        parent_and(
            "referral",
            "referral",
            ("participation", lambda w: w.referral.participations.all()),
        ),
    ),
    "api:case-list": ("school_caseworker", None, {}, each("case", "case")),
    "api:case-detail": ("school_caseworker", CASE, {}, each("case", "case")),
    # Shows the case's chronology (decision, notes, risk review, allocation...): one event.
    "api:case-timeline": ("school_caseworker", CASE, {}, PARENT_CASE_ONLY),
    "api:case-notes": (
        "school_caseworker",
        CASE,
        {},
        parent_and("case", "case", ("case_note", lambda w: w.case.notes.all())),
    ),
    "api:case-shares": (
        "school_caseworker",
        CASE,
        {},
        parent_and("case", "case", ("case_share", lambda w: w.case.shares.all())),
    ),
    "api:case-risk-reviews": (
        "school_caseworker",
        CASE,
        {},
        parent_and("case", "case", ("risk_review", lambda w: w.case.risk_reviews.all())),
    ),
    "api:case-outcomes": (
        "school_caseworker",
        lambda w: {"case_id": w.case.pk},
        {},
        parent_and("case", "case", ("outcome_record", lambda w: w.case.outcomes.all())),
    ),
    "api:allocation-list": ("provider_keyworker", None, {}, each("allocation", "allocation")),
    "api:allocation-detail": (
        "provider_keyworker",
        ALLOCATION,
        {},
        each("allocation", "allocation"),
    ),
    "api:allocation-contacts": (
        "provider_keyworker",
        ALLOCATION,
        {},
        parent_and("allocation", "allocation", ("contact", lambda w: w.allocation.contacts.all())),
    ),
    "api:allocation-outcomes": (
        "provider_keyworker",
        ALLOCATION,
        {},
        parent_and(
            "allocation", "allocation", ("outcome_record", lambda w: w.allocation.outcomes.all())
        ),
    ),
    # One per agenda item: the referral decided at this meeting and the one waiting for it.
    "api:panel-agenda": (
        "panel_chair",
        lambda w: {"pk": w.meeting.pk},
        {},
        each_of("referral", "agenda"),
    ),
    # One per decision, recorded against the referral it decided.
    "api:panel-decisions": (
        "panel_chair",
        lambda w: {"pk": w.meeting.pk},
        {},
        each("referral", "referral"),
    ),
    "api:person-subject-access-export": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    "referrals:list": ("school_caseworker", None, {}, each_of("referral", "referrals")),
    "referrals:screening": ("coordinator", None, {}, each("referral", "submitted")),
    # Posted (see POSTED_READS), so the name and date of birth stay out of the URL.
    "referrals:new": (
        "school_caseworker",
        None,
        {"family_name": "Fletcher", "date_of_birth": "PARTS"},
        each("person", "person"),
    ),
    # The referral, and each consent decision, Gillick assessment and lawful basis shown.
    "referrals:detail": (
        "school_caseworker",
        REFERRAL,
        {},
        parent_and(
            "referral",
            "referral",
            ("consent", lambda w: w.referral.consents.all()),
            ("gillick_assessment", lambda w: w.referral.gillick_assessments.all()),
            ("lawful_basis", lambda w: w.referral.lawful_bases.all()),
            ("participation", lambda w: w.referral.participations.all()),
        ),
    ),
    "referrals:gillick": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    # A victim's domestic abuse referral: its Dash record, perpetrator links, MARAC referrals.
    "api:referral-dash": (
        "school_caseworker",
        DA_REFERRAL,
        {},
        lambda w: [("referral", str(w.da_referral.pk)), ("dash_record", str(w.dash.pk))],
    ),
    "api:referral-perpetrator-links": (
        "school_caseworker",
        DA_REFERRAL,
        {},
        lambda w: [("referral", str(w.da_referral.pk)), ("perpetrator_link", str(w.link.pk))],
    ),
    "api:referral-marac": (
        "school_caseworker",
        DA_REFERRAL,
        {},
        lambda w: [("referral", str(w.da_referral.pk)), ("marac_referral", str(w.marac.pk))],
    ),
    "referrals:dash": ("school_caseworker", DA_REFERRAL, {}, each("referral", "da_referral")),
    "referrals:perpetrator": (
        "school_caseworker",
        DA_REFERRAL,
        {},
        each("referral", "da_referral"),
    ),
    "referrals:marac": (
        "school_caseworker",
        DA_REFERRAL,
        {},
        lambda w: [("referral", str(w.da_referral.pk)), ("perpetrator_link", str(w.link.pk))],
    ),
    "referrals:marac-meeting": (
        "school_caseworker",
        lambda w: {"referral_id": w.da_referral.pk, "marac_id": w.marac.pk},
        {},
        lambda w: [("referral", str(w.da_referral.pk)), ("marac_referral", str(w.marac.pk))],
    ),
    "referrals:lawful-basis": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    # An "are you sure" page: the referral and the one record it acts on.
    "referrals:withdraw": (
        "school_caseworker",
        lambda w: {"referral_id": w.submitted.pk},
        {},
        each("referral", "submitted"),
    ),
    "referrals:consent-withdraw": (
        "school_caseworker",
        lambda w: {"referral_id": w.referral.pk, "consent_id": w.consent.pk},
        {},
        lambda w: [("referral", str(w.referral.pk)), ("consent", str(w.consent.pk))],
    ),
    "referrals:lawful-basis-approve": (
        "coordinator",
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {},
        lambda w: [("referral", str(w.referral.pk)), ("lawful_basis", str(w.basis.pk))],
    ),
    "referrals:lawful-basis-reject": (
        "coordinator",
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {},
        lambda w: [("referral", str(w.referral.pk)), ("lawful_basis", str(w.basis.pk))],
    ),
    "referrals:lawful-basis-revoke": (
        "coordinator",
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.approved_basis.pk},
        {},
        lambda w: [("referral", str(w.referral.pk)), ("lawful_basis", str(w.approved_basis.pk))],
    ),
    "referrals:consent": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    "referrals:participation": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    "referrals:participation-withdraw": (
        "school_caseworker",
        lambda w: {"referral_id": w.referral.pk, "participation_id": w.participation.pk},
        {},
        lambda w: [("referral", str(w.referral.pk)), ("participation", str(w.participation.pk))],
    ),
    "referrals:check": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    "referrals:edit": ("school_caseworker", REFERRAL, {}, each("referral", "referral")),
    # Each page of a new referral names the person it is about.
    "referrals:new-step": (
        "school_caseworker",
        lambda w: {"person_id": w.person.pk, "step": "pathway"},
        {},
        each("person", "person"),
    ),
    "cases:list": ("school_caseworker", None, {}, each("case", "case")),
    "cases:case": ("school_caseworker", lambda w: {"case_id": w.case.pk}, {}, each("case", "case")),
    "cases:meeting": (
        "panel_chair",
        lambda w: {"meeting_id": w.meeting.pk},
        {},
        each_of("referral", "agenda"),
    ),
    # Each operation's own page names the person: one event for the case or allocation.
    **{
        f"cases:case-{page}": ("school_caseworker", CASE_PAGE, {}, each("case", "case"))
        for page in ("share", "review", "note", "close", "reopen")
    },
    "cases:case-unshare": (
        "school_caseworker",
        lambda w: {"case_id": w.case.pk, "share_id": w.case.shares.first().pk},
        {},
        each("case", "case"),
    ),
    "interventions:allocate": ("school_caseworker", CASE_PAGE, {}, each("case", "case")),
    "interventions:action": (
        "school_caseworker",
        lambda w: {"allocation_id": w.allocation.pk, "action": "offer"},
        {},
        each("allocation", "allocation"),
    ),
    "interventions:contact": (
        "provider_keyworker",
        lambda w: {"allocation_id": w.allocation.pk},
        {},
        each("allocation", "allocation"),
    ),
    "interventions:outcome": (
        "school_caseworker",
        lambda w: {"allocation_id": w.allocation.pk},
        {},
        each("allocation", "allocation"),
    ),
    "interventions:caseload": ("provider_keyworker", None, {}, each("allocation", "allocation")),
    "interventions:allocation": (
        "provider_keyworker",
        lambda w: {"allocation_id": w.allocation.pk},
        {},
        each("allocation", "allocation"),
    ),
    "audit:person": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    "audit:export": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    "audit:export-json": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    # The search itself (which kinds of detail, how many found; never the terms), then
    # each person found.
    "audit:find-people": (
        "ig_officer",
        None,
        {"family_name": "Fletcher", "date_of_birth": "PARTS"},
        lambda w: [("person_search", ""), ("person", str(w.person.pk))],
    ),
    # These pages name the person they act on.
    "audit:hold-place": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    "audit:hold-lift": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk, "hold_id": w.hold.pk},
        {},
        each("person", "person"),
    ),
    "audit:export-release": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
    # IG's approvals of disclosures outside an agreement each name their person.
    "sharing:approvals": (
        "ig_officer",
        None,
        {},
        each("outside_agreement_approval", "approval"),
    ),
    "api:sharing-approval-list": (
        "ig_officer",
        None,
        {},
        each("outside_agreement_approval", "approval"),
    ),
    "api:sharing-approval-detail": (
        "ig_officer",
        lambda w: {"pk": w.approval.pk},
        {},
        each("outside_agreement_approval", "approval"),
    ),
    "sharing:approval-new": (
        "ig_officer",
        lambda w: {"person_id": w.person.pk},
        {},
        each("person", "person"),
    ),
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
    "api:referral-participation-withdraw",
    "api:referral-gillick",
    "api:referral-lawful-basis",
    "api:referral-marac-meeting",
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
    "api:sharing-agreement-review",
    "api:sharing-agreement-end",
    "api:sharing-agreement-signatories",
    "referrals:answer",
    "referrals:screen",
    "referrals:new-person",
    "cases:attendance",
    "cases:decision",
    "cases:action-done",
    "cases:meeting-transition",
    "audit:review",
    # Names no one: asks why, then opens the records (a flagged break-glass grant).
    "audit:break-glass",
    "sign-out",
    # The administrator's forms about staff: a role given or ended, a second factor reset.
    "user-give-role",
    "user-reset-two-factor",
    "membership-end",
    # Retrying or starting a background job: a routine event by the administrator.
    "jobs:retry",
    "jobs:start",
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
    # The disclosure rule table: law and guidance, no one's personal data.
    "api:sharing-rule-list",
    # Published area statistics, not personal data (the import is audited as governance).
    "api:figure-measure-list",
    "figures:measures",
    "figures:measures-import",
    "figures:measures-template",
    "sharing:rules",
    "api:panel-attendance",
    "api:panel-detail",
    "api:panel-list",
    "audit:flags",
    "audit:search",
    "api:panel-minutes",
    "api:panel-minutes-csv",
    "cases:minutes",
    "cases:my-actions",
    "cases:minutes-csv",
    "cases:planner",
    "home",
    "interventions:catalogue",
    # A catalogue entry's funding: the partnership's, about no one.
    "interventions:funding",
    # Starts a new referral afresh: a redirect to its first page (audited as new-step).
    "referrals:new-details",
    "referrals:pathways",
    "sign-in",
    "two-factor",
    # Staff who sign in and their roles, for the administrator.
    "user",
    "users",
    # Agreements between organisations, and the staff who signed them.
    "api:sharing-agreement-list",
    "api:sharing-agreement-detail",
    "sharing:agreements",
    "sharing:agreement",
    "sharing:agreement-new",
    "sharing:agreement-edit",
    "sharing:agreement-review",
    "sharing:agreement-end",
    "sharing:signatory-new",
    # Figures: aggregates of de-identified facts, small numbers suppressed; each view and
    # download is audited as figures (tests/figures/test_figure_pages.py), naming no one.
    "figures:home",
    "figures:set",
    "figures:set-csv",
    "api:figures-list",
    "api:figures-set",
    # The background jobs: their schedule, counts and errors, about no one.
    "jobs:page",
    # Notifications: the kind's wording and a link, naming no one (tests/notifications).
    "notifications:list",
    "notifications:mark-read",
    "notifications:mark-all-read",
    "notifications:preferences",
    "api:notification-list",
    "api:notification-read",
    "api:notification-read-all",
}


def test_every_url_is_classified():
    # The Django admin manages staff and organisations only; people are not registered there.
    names = {name for name in url_names() if not name.startswith("admin:")}
    unclassified = names - set(READS) - WRITES - NO_PERSONAL_DATA
    assert unclassified == set(), f"Classify these URLs in {__name__}: {sorted(unclassified)}"
    assert not set(READS) & WRITES
    assert not set(READS) & NO_PERSONAL_DATA
    assert (set(READS) | WRITES | NO_PERSONAL_DATA) <= names, "stale names in the table"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module and test process: every test meets it as built
    (``built_once_per_module``); a world per test was most of the module's time."""
    with built_once_per_module(django_db_blocker, _build_world) as built:
        yield built


def _build_world():
    school = make_organisation(name="Riverside Academy", organisation_type=OrganisationType.SCHOOL)
    council = make_organisation(
        name="Durham County Council",
        organisation_type=OrganisationType.LOCAL_AUTHORITY,
        area=Area.DURHAM,
    )
    charity = make_organisation(
        name="Northern Mentoring Trust",
        organisation_type=OrganisationType.VOLUNTARY,
        area=Area.COUNTYWIDE,
    )
    police = make_organisation(
        name="Durham Constabulary", organisation_type=OrganisationType.POLICE, area=Area.COUNTYWIDE
    )
    partnership = make_organisation(
        name="Partnership team",
        organisation_type=OrganisationType.PARTNERSHIP,
        area=Area.COUNTYWIDE,
    )
    users = {
        "school_caseworker": make_member(school, Role.REFERRER, username="school-caseworker"),
        "coordinator": make_member(council, Role.COORDINATOR, username="durham-coordinator"),
        "panel_chair": make_member(council, Role.PANEL_CHAIR, username="panel-chair"),
        "provider_keyworker": make_member(charity, Role.PROVIDER, username="provider-keyworker"),
        "ig_officer": make_member(partnership, Role.IG_OFFICER, username="ig-officer"),
        "police_officer": make_member(police, Role.REFERRER, username="police-officer"),
    }
    school_caseworker, coordinator, ig_officer = (
        users["school_caseworker"],
        users["coordinator"],
        users["ig_officer"],
    )
    case = case_ready_for_delivery(school_caseworker, coordinator, users["panel_chair"])
    referral = case.referrals.get()
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Mentor",
    )
    for text in ("Visited at school", "Spoke to his mother"):
        note_add(actor=school_caseworker, case=case, text=text)
    waiting = accepted_referral(school_caseworker, coordinator, person=referral.person)
    submitted = submitted_referral(school_caseworker, person=referral.person)
    hold = legal_hold_place(actor=ig_officer, person=referral.person, reason="Civil claim")
    # A Gillick assessment, a basis awaiting approval and an approved one, for the pages
    # that show them.
    gillick_record(
        actor=school_caseworker,
        referral=referral,
        competent=False,
        assessed_on=timezone.localdate(),
        rationale="Could not yet weigh up what sharing means.",
    )
    basis = lawful_basis_record(
        actor=school_caseworker,
        referral=referral,
        purpose="information_sharing",
        ground="child-safeguarding",
        justification="Safeguarding concern needing sharing now.",
    )
    approved_basis = lawful_basis_decide(
        actor=coordinator,
        lawful_basis=lawful_basis_record(
            actor=school_caseworker,
            referral=referral,
            purpose="assessment",
            ground="child-safeguarding",
            justification="Safeguarding concern needing assessment now.",
        ),
        approve=True,
    )
    approval = outside_agreement_approve(
        actor=ig_officer,
        discloser=school,
        recipient=charity,
        person=referral.person,
        purpose="intervention_delivery",
        data_categories=["identity"],
        reason="Mentoring starts before the trust signs",
        valid_until=timezone.localdate(),
    )
    victim = make_person(
        school_caseworker, given_name="Dana", family_name="Reid", date_of_birth=years_ago(30)
    )
    da_referral = make_referral(
        school_caseworker,
        person=victim,
        pathway="da_knife_repeat",
        domestic_abuse_incident=True,
        knife_or_sharp_instrument=True,
        domestic_abuse_role="victim",
        previous_incident_date=timezone.localdate() - datetime.timedelta(days=60),
        previous_incident_source="Police log DUR/26/0042",
        risk_factors=["domestic_abuse_history"],
    )
    dash = dash_record(
        actor=school_caseworker,
        referral=da_referral,
        checklist="safelives_ric_2009",
        answers=["yes"] * 24,
    )
    perpetrator = make_person(school_caseworker, given_name="Sam", family_name="Hale")
    link = perpetrator_link(
        actor=school_caseworker, referral=da_referral, perpetrator_id=perpetrator.pk
    )
    marac = marac_refer(actor=school_caseworker, referral=da_referral, link_id=link.pk)
    return SimpleNamespace(
        users=users,
        approval=approval,
        da_referral=da_referral,
        dash=dash,
        link=link,
        marac=marac,
        person=referral.person,
        referral=referral,
        submitted=submitted,
        referrals=[referral, waiting, submitted, da_referral],
        agenda=[referral, waiting],
        case=case,
        allocation=allocation,
        meeting=PanelDecision.objects.get(case=case).meeting,
        hold=hold,
        consent=referral.consents.filter(decision="given").first(),
        participation=referral.participations.get(),
        basis=basis,
        approved_basis=approved_basis,
    )


# Reads whose question is personal data (a name, a date of birth, an NHS number) are
# posted, never put in the address, where access logs and browser history would keep it.
POSTED_READS = {"audit:find-people", "referrals:new"}


def _get(client, name, world, kwargs_of, query):
    url = reverse(name, kwargs=kwargs_of(world) if kwargs_of else None)
    params = dict(query)
    dob = world.person.date_of_birth
    if params.get("date_of_birth") == "DOB":
        params["date_of_birth"] = dob.isoformat()
    if params.get("date_of_birth") == "PARTS":
        del params["date_of_birth"]
        params.update(date_parts("date_of_birth", dob))
    if name in POSTED_READS:
        return client.post(url, params)
    return client.get(url, params)


def _access_events(user, since):
    events = AuditEvent.objects.filter(user=user, kind__in=["access", "export"], pk__gt=since)
    return Counter(events.values_list("object_type", "object_id"))


def _last_event():
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS))
def test_each_page_and_endpoint_writes_one_access_event_per_record_shown(client, api, world, name):
    who, kwargs_of, query, shown = READS[name]
    user = world.users[who]
    if name == "cases:case-reopen":
        # Reopening is asked only of a closed case; an open one sends the reader back.
        from cases.services import case_close

        case_close(
            actor=world.users["coordinator"],
            case=world.case,
            reason="goals_met",
            summary="Goals met",
        )
    if name.startswith("api:"):
        http = api(user)
    else:
        client.force_login(user)
        http = client
    since = _last_event()

    response = _get(http, name, world, kwargs_of, query)

    assert response.status_code == 200, (name, response.status_code)
    assert _access_events(user, since) == Counter(shown(world)), name


# Lists that show nothing to this user. TODAY an empty list still writes one access event,
# with no object id, rather than none (the README promises one per record shown).
ONE_EVENT_WITHOUT_A_RECORD = {"": 1}
EMPTY_LISTS = {
    "api:referral-list": "referral",
    "referrals:list": "referral",
    "api:case-list": "case",
    "cases:list": "case",
    "api:allocation-list": "allocation",
    "interventions:caseload": "allocation",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EMPTY_LISTS))
def test_a_list_showing_nothing(client, api, world, name):
    viewer = world.users["police_officer"]
    if name == "interventions:caseload":
        # The caseload is a provider's page: one from a provider with nothing allocated.
        idle = make_organisation(name="Idle Trust", organisation_type=OrganisationType.VOLUNTARY)
        viewer = make_member(idle, Role.PROVIDER, username="idle-keyworker")
    if name.startswith("api:"):
        http = api(viewer)
    else:
        client.force_login(viewer)
        http = client
    since = _last_event()

    response = _get(http, name, world, None, {})

    assert response.status_code == 200
    assert _access_events(viewer, since) == Counter(
        {(EMPTY_LISTS[name], object_id): n for object_id, n in ONE_EVENT_WITHOUT_A_RECORD.items()}
    )


DENIABLE = [
    "api:person-detail",
    "api:referral-detail",
    "api:case-detail",
    "api:allocation-detail",
    "api:panel-agenda",
    "referrals:detail",
    "referrals:new-step",
    "cases:case",
    "interventions:allocation",
]
# A panel meeting is about no one person: its refused attempt names nobody. Every other
# refused record names the world's person, for IG's access history of them.
DENIED_ABOUT_NOBODY = {"api:panel-agenda"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", DENIABLE)
def test_denied_attempts_are_recorded(client, api, world, name):
    police_officer = world.users["police_officer"]
    _, kwargs_of, query, _ = READS[name]
    if name.startswith("api:"):
        http = api(police_officer)
    else:
        client.force_login(police_officer)
        http = client

    response = _get(http, name, world, kwargs_of, query)

    assert response.status_code == 404
    denied = AuditEvent.objects.get(user=police_officer, kind="denied")
    expected_person = None if name in DENIED_ABOUT_NOBODY else world.person.pk
    assert denied.person_id == expected_person, name
