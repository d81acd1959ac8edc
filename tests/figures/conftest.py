"""A small partnership built through the services, with its dates moved to known days so
that every figure can be worked out by hand.

``partnership_of_eight`` (see its docstring for the story of each referral) holds eight
submitted referrals and one draft, in two months: three and two months before this one.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from cases.models import Case, PanelDecision
from cases.services import decision_record
from demo.builders import years_ago
from figures.filters import Filters, add_months, this_month
from interventions.models import Allocation
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from referrals.models import Referral
from referrals.services import referral_answer, referral_screen, referral_withdraw
from tests.factories import (
    accepted_referral,
    agree_to_take_part,
    make_intervention,
    make_person,
    make_referral,
    panel_meeting,
    submitted_referral,
)

LONDON = ZoneInfo("Europe/London")
# Suppression off, to check the raw answers.
NO_SUPPRESSION = {"LOW": 1, "HIGH": 0, "ROUND_TO": 1, "MIN_GROUP": 1}


def at(day: datetime.date) -> datetime.datetime:
    """Noon on ``day``, London time (so the day is the same in UTC and locally)."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=LONDON)


@pytest.fixture
def no_suppression(settings):
    settings.FIGURES_SUPPRESSION = NO_SUPPRESSION


@pytest.fixture
def first_month():
    return add_months(this_month(), -3)


@pytest.fixture
def second_month(first_month):
    return add_months(first_month, 1)


def day(month: datetime.date, n: int) -> datetime.date:
    return month.replace(day=n)


def backdate_referral(referral, *, submitted=None, screened=None):
    changes = {}
    if submitted:
        changes["submitted_at"] = at(submitted)
    if screened:
        changes["screened_at"] = at(screened)
    Referral.objects.filter(pk=referral.pk).update(**changes)


def backdate_decision(referral, decided: datetime.date):
    decisions = PanelDecision.objects.filter(referral=referral)
    decisions.update(decided_at=at(decided))
    Case.objects.filter(pk__in=decisions.values("case_id")).update(opened_at=at(decided))


def backdate_allocation(allocation, *, created, waitlisted=None, became=None):
    """``became``: {status: day} for the allocation's history."""
    changes = {"created_at": at(created)}
    if waitlisted:
        changes["waitlisted_at"] = at(waitlisted)
    Allocation.objects.filter(pk=allocation.pk).update(**changes)
    for status, on in (became or {}).items():
        Allocation.history.filter(id=allocation.pk, status=status).update(history_date=at(on))


def open_case_for(referral, *, coordinator, chair):
    meeting = panel_meeting(coordinator, chair)
    decision = decision_record(
        actor=chair,
        meeting=meeting,
        referral=referral,
        outcome="open_case",
        rationale="Needs a mentor.",
        lead_professional=referral.referrer,
        lead_organisation=referral.organisation,
    )
    agree_to_take_part(referral.referrer, referral)
    return decision.case


@dataclass
class Partnership:
    first_month: datetime.date
    second_month: datetime.date
    referrals: dict

    @property
    def filters(self) -> Filters:
        return Filters(first_month=self.first_month, last_month=self.second_month)


@pytest.fixture
def partnership_of_eight(
    school_caseworker,
    police_officer,
    coordinator,
    darlington_coordinator,
    panel_chair,
    provider_keyworker,
    first_month,
    second_month,
):
    """Eight referrals submitted, with dates (day of the month) moved to:

    First month (M1), all u18 prevention in Durham by the school, except R4:
    - R1: Alex, 14, male, DH1: submitted 2, accepted 4, case opened 9, allocated 10, active
      12, attended a contact 14, completed.
    - R2: Bea, 14, female, DH1: submitted 3, returned, answered, accepted 10, no further
      action 16.
    - R3: Cal, 14, male, DH7: submitted 5, declined 6.
    - R4: adult 18 to 35 in Darlington by the police: Dan, 25, male, DL1: submitted 7,
      signposted 11.
    - R5: Eve, 14, female, DH1: submitted 8, withdrawn.
    Second month (M2), u18 prevention in Durham by the school:
    - R6: Fay, 14, female, DH1: submitted 1, not yet screened.
    - R7: Gus, 14, male, DH1: submitted 2, returned 5 (awaiting answers).
    - R8: Hal, 14, male, DH1: submitted 3, accepted 6, case opened 13, allocated and put on
      the waiting list 13 (R1 held the only place), offered 20, active 21, attended a
      contact 22, disengaged.
    And a draft (Ivy), never counted.
    """
    M1, M2 = first_month, second_month
    referrer = school_caseworker

    def child(name, gender="male", postcode="DH1 3LE"):
        return make_person(
            referrer,
            given_name=name,
            gender=gender,
            postcode=postcode,
            date_of_birth=years_ago(14, days=-30),
        )

    r1 = accepted_referral(referrer, coordinator, person=child("Alex"))
    r2 = submitted_referral(referrer, person=child("Bea", "female"))
    referral_screen(actor=coordinator, referral=r2, outcome="returned", questions="Which year?")
    referral_answer(actor=referrer, referral=r2, answer="Year 9")
    referral_screen(actor=coordinator, referral=r2, outcome="accepted_for_panel")
    meeting = panel_meeting(coordinator, panel_chair)
    decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=r2,
        outcome="no_further_action",
        rationale="Support already in place.",
    )
    r3 = submitted_referral(referrer, person=child("Cal", postcode="DH7 8XL"))
    referral_screen(actor=coordinator, referral=r3, outcome="declined", note="Not violence")
    dan = make_person(
        police_officer,
        given_name="Dan",
        gender="male",
        postcode="DL1 5AA",
        date_of_birth=years_ago(25, days=-30),
    )
    r4 = submitted_referral(police_officer, person=dan, pathway="adult_18_35", area="darlington")
    referral_screen(
        actor=darlington_coordinator,
        referral=r4,
        outcome="signposted",
        signpost_service="substance_misuse_service",
    )
    r5 = submitted_referral(referrer, person=child("Eve", "female"))
    referral_withdraw(actor=referrer, referral=r5, reason="Moved away")
    r6 = submitted_referral(referrer, person=child("Fay", "female"))
    r7 = submitted_referral(referrer, person=child("Gus"))
    referral_screen(actor=coordinator, referral=r7, outcome="returned", questions="Which school?")
    r8 = accepted_referral(referrer, coordinator, person=child("Hal"))
    make_referral(referrer, person=child("Ivy", "female"))  # a draft

    mentoring = make_intervention(provider_keyworker.memberships.get().organisation)
    case1 = open_case_for(r1, coordinator=coordinator, chair=panel_chair)
    a1 = allocation_create(actor=referrer, case=case1, intervention=mentoring, request="Mentor")
    allocation_offer(actor=referrer, allocation=a1)
    allocation_transition(actor=provider_keyworker, allocation=a1, action="accept")
    allocation_transition(actor=provider_keyworker, allocation=a1, action="start")
    contact_record(
        actor=provider_keyworker,
        allocation=a1,
        contact_date=day(M1, 14),
        contact_type="face_to_face",
        outcome="attended",
    )
    case8 = open_case_for(r8, coordinator=coordinator, chair=panel_chair)
    a8 = allocation_create(actor=referrer, case=case8, intervention=mentoring, request="Mentor")
    allocation_offer(actor=referrer, allocation=a8)  # full: the waiting list
    allocation_transition(actor=provider_keyworker, allocation=a1, action="complete")
    a8.refresh_from_db()
    assert a8.status == "offered"  # R1's place, freed
    allocation_transition(actor=provider_keyworker, allocation=a8, action="accept")
    allocation_transition(actor=provider_keyworker, allocation=a8, action="start")
    contact_record(
        actor=provider_keyworker,
        allocation=a8,
        contact_date=day(M2, 22),
        contact_type="face_to_face",
        outcome="attended",
    )
    allocation_transition(
        actor=provider_keyworker, allocation=a8, action="disengage", reason="Stopped coming"
    )

    backdate_referral(r1, submitted=day(M1, 2), screened=day(M1, 4))
    backdate_decision(r1, day(M1, 9))
    backdate_allocation(a1, created=day(M1, 10), became={"active": day(M1, 12)})
    backdate_referral(r2, submitted=day(M1, 3), screened=day(M1, 10))
    backdate_decision(r2, day(M1, 16))
    backdate_referral(r3, submitted=day(M1, 5), screened=day(M1, 6))
    backdate_referral(r4, submitted=day(M1, 7), screened=day(M1, 11))
    backdate_referral(r5, submitted=day(M1, 8))
    backdate_referral(r6, submitted=day(M2, 1))
    backdate_referral(r7, submitted=day(M2, 2), screened=day(M2, 5))
    backdate_referral(r8, submitted=day(M2, 3), screened=day(M2, 6))
    backdate_decision(r8, day(M2, 13))
    backdate_allocation(
        a8,
        created=day(M2, 13),
        waitlisted=day(M2, 13),
        became={"offered": day(M2, 20), "active": day(M2, 21)},
    )
    return Partnership(
        first_month=M1,
        second_month=M2,
        referrals=dict(
            zip(
                ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"],
                [r1, r2, r3, r4, r5, r6, r7, r8],
                strict=True,
            )
        ),
    )


@pytest.fixture
def busy_month(school_caseworker, police_officer, first_month, second_month):
    """Nine referrals submitted in the first month (eight to prevention in Durham by the
    school, one adult in Darlington by the police), and three in the second (prevention in
    Durham): for the default rule, where a group of 1 to 7 is too small."""
    first = [submitted_referral(school_caseworker) for _ in range(8)]
    dan = make_person(police_officer, given_name="Dan", date_of_birth=years_ago(25, days=-30))
    first.append(
        submitted_referral(police_officer, person=dan, pathway="adult_18_35", area="darlington")
    )
    second = [submitted_referral(school_caseworker) for _ in range(3)]
    for n, referral in enumerate(first, start=1):
        backdate_referral(referral, submitted=day(first_month, n))
    for n, referral in enumerate(second, start=1):
        backdate_referral(referral, submitted=day(second_month, n))
    return first, second


def published(table) -> dict[str, list[str]]:
    """A table as its rows' published texts, by row key."""
    return {row.key: [cell.text for cell in row.cells] for row in table.rows}


def table_of(report, key):
    return next(table for table in report.tables if table.key == key)
