"""Builders of the partnership's records, each through the service that a person would use.

The demo seeder, the tests' factories and the audit benchmark all build with these, so a
record made for a demo or a test passes the same checks as one made through a page. Each
builder takes keyword arguments only and fills in plausible, fictional details for what it
is not told. Set-up that no person performs (organisations, memberships, the catalogue)
acts as the system, named explicitly.
"""

import datetime
import hashlib

from django.utils import timezone

from cases.models import Case, PanelMeeting
from cases.services import decision_record, meeting_create, meeting_start
from core.actors import SYSTEM
from interventions.models import Intervention
from interventions.services import intervention_create
from partners.models import Area, Organisation, OrganisationType, User
from partners.services import membership_create, organisation_create
from referrals.consent import consent_record
from referrals.models import Person, Referral
from referrals.participation import participation_record
from referrals.pathways import age_on
from referrals.services import person_create, referral_create, referral_screen, referral_submit
from sharing.agreements import agreement_create, signatory_add
from sharing.vocabulary import DataCategory, Purpose

PERSON_DEFAULTS = {
    "given_name": "Jordan",
    "family_name": "Fletcher",
    "date_of_birth": datetime.date(2011, 3, 14),
    "gender": "male",
    "postcode": "DH1 3LE",
}

REFERRAL_DEFAULTS = {
    "pathway": "u18_prevention",
    "area": "durham",
    "narrative": "Seen carrying a knife near the school gates; friends say he is being groomed.",
    "risk_factors": ["knife_carrying", "criminal_exploitation"],
    "risk_level": "medium",
}

# Equality answers (``referrals.equality``), varied so that figures by group have something
# to show: mostly White British, as in County Durham, with every group, the other answers
# and people not asked yet among them.
EQUALITY_ANSWERS = [
    ("white_british", "no"),
    ("white_british", "yes"),
    ("white_british", ""),
    ("white_british", "no"),
    ("white_other", "no"),
    ("white_gypsy_or_irish_traveller", "no"),
    ("mixed_white_black_caribbean", "no"),
    ("asian_pakistani", "prefer_not_to_say"),
    ("asian_bangladeshi", "no"),
    ("black_african", "yes"),
    ("other_arab", "not_known"),
    ("prefer_not_to_say", "prefer_not_to_say"),
    ("", ""),
]


def equality_answers(details: dict) -> dict:
    """Ethnicity and disability for a fictional person, the same each time for the same
    name and date of birth (so a test or a re-seeded demo reads the same)."""
    who = f"{details['given_name']}|{details['family_name']}|{details['date_of_birth']}"
    pick = int(hashlib.sha256(who.encode()).hexdigest(), 16) % len(EQUALITY_ANSWERS)
    ethnicity, disability = EQUALITY_ANSWERS[pick]
    return {"ethnicity": ethnicity, "disability": disability}


# What a referral needs consent for before it can go to panel.
PANEL_PURPOSES = ("assessment", "panel_discussion", "information_sharing")

INTERVENTION_DEFAULTS = {
    "name": "Mentoring for young people",
    "description": "Weekly one-to-one mentoring by trained volunteers.",
    "intervention_type": "mentoring",
    "pathways": ["u18_prevention"],
    "min_age": 10,
    "max_age": 17,
    "capacity": 1,
    "funding_stream": "Serious Violence Duty grant",
}


def years_ago(years: int, *, days: int = 0, today: datetime.date | None = None) -> datetime.date:
    """The date ``years`` before today, moved ``days`` later (29 February becomes 28th)."""
    today = today or timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary + datetime.timedelta(days=days)


# --- Partners ------------------------------------------------------------------------------


def make_organisation(
    *,
    name: str,
    code: str,
    organisation_type: str = OrganisationType.SCHOOL,
    area: str = Area.DURHAM,
    provides_social_care: bool = False,
    reason: str = "Organisation joined the partnership",
) -> Organisation:
    return organisation_create(
        name=name,
        code=code,
        organisation_type=organisation_type,
        area=area,
        provides_social_care=provides_social_care,
        actor=SYSTEM,
        reason=reason,
    )


def make_agreement(
    *,
    organisation: Organisation,
    reference: str | None = None,
    title: str = "Serious Violence Partnership information sharing agreement",
    purposes=None,
    data_categories=None,
    starts_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    signatory: tuple[str, str] | None = None,
):
    """An agreement of ``organisation`` in force from a year ago, covering every purpose and
    every data category unless told otherwise, reviewed a year from now; with one signatory
    (name, job title) for the organisation when given."""
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=365)
    agreement = agreement_create(
        actor=SYSTEM,
        organisation=organisation,
        reference=reference or f"ISA-{organisation.code}"[:50],
        title=title,
        purposes=list(purposes or Purpose.values),
        data_categories=list(data_categories or DataCategory.values),
        starts_on=starts_on,
        review_on=review_on or today + datetime.timedelta(days=365),
        ends_on=ends_on,
    )
    if signatory is not None:
        name, role = signatory
        signatory_add(
            actor=SYSTEM,
            agreement=agreement,
            name=name,
            role=role,
            organisation=organisation,
            signed_on=starts_on,
        )
    return agreement


def make_user(
    *,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """A staff account; without a password it cannot sign in (``force_login`` still works)."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email or f"{username}@demo.invalid",
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def make_member(*, user: User, organisation: Organisation, role: str, reason: str = "") -> User:
    """Give ``user`` a role in ``organisation`` (once: a role already held is kept)."""
    membership_create(user=user, organisation=organisation, role=role, actor=SYSTEM, reason=reason)
    return user


# --- Referrals -----------------------------------------------------------------------------


def make_person(*, actor: User, reason: str = "", **details) -> Person:
    """A fictional person recorded by ``actor``'s organisation (Jordan Fletcher, unless told),
    with varied equality answers unless told."""
    details = {**PERSON_DEFAULTS, **details}
    details = {**equality_answers(details), **details}
    return person_create(actor=actor, reason=reason, **details)


def make_referral(*, actor: User, person: Person, **details) -> Referral:
    """A draft referral of ``person`` by ``actor``, the incident today unless told."""
    details = {**REFERRAL_DEFAULTS, "incident_date": timezone.localdate(), **details}
    return referral_create(actor=actor, person_id=person.pk, **details)


def _default_giver(referral: Referral, given_by, giver_name) -> tuple[str, str]:
    if given_by is None:
        adult = age_on(referral.person.date_of_birth, timezone.localdate()) >= 18
        given_by = "person" if adult else "parent_or_guardian"
    if giver_name is None:
        giver_name = "Alex Fletcher" if given_by == "parent_or_guardian" else ""
    return given_by, giver_name


def give_consent(
    *,
    actor: User,
    referral: Referral,
    purposes=PANEL_PURPOSES,
    given_by: str | None = None,
    giver_name: str | None = None,
):
    """Written consent given today: by the person if an adult, otherwise by a parent.
    Intervention delivery among ``purposes`` is recorded as agreement to take part (it is
    not a matter of consent), by the same giver."""
    given_by, giver_name = _default_giver(referral, given_by, giver_name)
    purposes = list(purposes)
    recorded = []
    if "intervention_delivery" in purposes:
        purposes.remove("intervention_delivery")
        agree_to_take_part(actor=actor, referral=referral, given_by=given_by, giver_name=giver_name)
    if purposes:
        recorded = consent_record(
            actor=actor,
            referral=referral,
            purposes=purposes,
            given_by=given_by,
            decision="given",
            decided_on=timezone.localdate(),
            method="written",
            giver_name=giver_name,
        )
    return recorded


def agree_to_take_part(
    *,
    actor: User,
    referral: Referral,
    given_by: str | None = None,
    giver_name: str | None = None,
):
    """Agreement to take part in an intervention, in writing today: by the person if an
    adult, otherwise by a parent."""
    given_by, giver_name = _default_giver(referral, given_by, giver_name)
    return participation_record(
        actor=actor,
        referral=referral,
        given_by=given_by,
        decision="agreed",
        decided_on=timezone.localdate(),
        method="written",
        giver_name=giver_name,
    )


def submitted_referral(
    *,
    actor: User,
    person: Person,
    given_by: str | None = None,
    giver_name: str | None = None,
    **details,
) -> Referral:
    """A referral with consent for panel, submitted for screening."""
    referral = make_referral(actor=actor, person=person, **details)
    give_consent(actor=actor, referral=referral, given_by=given_by, giver_name=giver_name)
    return referral_submit(actor=actor, referral=referral)


def accept_for_panel(*, coordinator: User, referral: Referral) -> Referral:
    return referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")


def accepted_referral(*, referrer: User, coordinator: User, person: Person, **details) -> Referral:
    """A submitted referral that ``coordinator`` screened and accepted for panel."""
    referral = submitted_referral(actor=referrer, person=person, **details)
    return accept_for_panel(coordinator=coordinator, referral=referral)


# --- Cases ---------------------------------------------------------------------------------


def panel_meeting(
    *,
    coordinator: User,
    chair: User,
    members=(),
    area: str = "durham",
    meets_at: datetime.datetime | None = None,
    start: bool = False,
) -> PanelMeeting:
    """A panel arranged by ``coordinator`` (tomorrow unless told), started if ``start``."""
    meeting = meeting_create(
        actor=coordinator,
        area=area,
        meets_at=meets_at or timezone.now() + datetime.timedelta(days=1),
        chair=chair,
        members=list(members),
    )
    return meeting_start(actor=chair, meeting=meeting) if start else meeting


def opened_case(
    *,
    referrer: User,
    coordinator: User,
    chair: User,
    person: Person,
    rationale: str = "Needs a mentor and school support.",
    **details,
) -> Case:
    """A case the panel opened on ``person``'s accepted referral, led by the referrer."""
    referral = accepted_referral(
        referrer=referrer, coordinator=coordinator, person=person, **details
    )
    meeting = panel_meeting(coordinator=coordinator, chair=chair, start=True)
    decision = decision_record(
        actor=chair,
        meeting=meeting,
        referral=referral,
        outcome="open_case",
        rationale=rationale,
        lead_professional=referrer,
        lead_organisation=referrer.memberships.first().organisation,
    )
    return decision.case


# --- Interventions -------------------------------------------------------------------------


def make_intervention(*, provider: Organisation, **fields) -> Intervention:
    """A catalogue entry run by ``provider`` (one mentoring place, unless told)."""
    return intervention_create(
        actor=SYSTEM, provider=provider, **{**INTERVENTION_DEFAULTS, **fields}
    )
