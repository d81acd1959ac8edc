import datetime
import itertools

import factory
from django.utils import timezone

from core.actors import SYSTEM
from partners.models import Area, Organisation, OrganisationType, User
from partners.services import membership_create, organisation_create
from referrals.services import person_create

_sequence = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("correct horse battery staple")


def make_organisation(
    *, name=None, organisation_type=OrganisationType.SCHOOL, area=Area.DURHAM
) -> Organisation:
    n = next(_sequence)
    return organisation_create(
        name=name or f"Organisation {n}",
        code=f"org-{n}",
        organisation_type=organisation_type,
        area=area,
        actor=None,
    )


def make_member(organisation: Organisation, role: str, **user_fields) -> User:
    user = UserFactory(**user_fields)
    membership_create(user=user, organisation=organisation, role=role, actor=None)
    return user


def make_person(actor: User, **overrides):
    details = {
        "given_name": "Jordan",
        "family_name": "Fletcher",
        "date_of_birth": datetime.date(2011, 3, 14),
        "gender": "male",
        "postcode": "DH1 3LE",
    }
    details.update(overrides)
    return person_create(actor=actor, **details)


def years_ago(years: int, *, days: int = 0, today: datetime.date | None = None) -> datetime.date:
    """The date ``years`` before today, moved ``days`` later (29 February becomes 28th)."""
    today = today or timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary + datetime.timedelta(days=days)


REFERRAL_DEFAULTS = {
    "pathway": "u18_prevention",
    "area": "durham",
    "narrative": "Seen carrying a knife near the school gates; friends say he is being groomed.",
    "risk_factors": ["knife_carrying", "criminal_exploitation"],
    "risk_level": "medium",
}


def make_referral(actor, *, person=None, **overrides):
    from referrals.services import referral_create

    details = {**REFERRAL_DEFAULTS, "incident_date": timezone.localdate(), **overrides}
    if person is None:
        person = make_person(actor)
    return referral_create(actor=actor, person_id=person.pk, **details)


def give_consent(actor, referral, *, purposes=None, given_by=None):
    from referrals.consent import consent_record
    from referrals.pathways import age_on

    if given_by is None:
        adult = age_on(referral.person.date_of_birth, timezone.localdate()) >= 18
        given_by = "person" if adult else "parent_or_guardian"

    return consent_record(
        actor=actor,
        referral=referral,
        purposes=purposes or ["assessment", "panel_discussion", "information_sharing"],
        given_by=given_by,
        decision="given",
        decided_on=timezone.localdate(),
        method="written",
        giver_name="Alex Fletcher" if given_by == "parent_or_guardian" else "",
    )


def submitted_referral(actor, **overrides):
    from referrals.services import referral_submit

    referral = make_referral(actor, **overrides)
    give_consent(actor, referral)
    return referral_submit(actor=actor, referral=referral)


def accepted_referral(referrer, coordinator, **overrides):
    from referrals.services import referral_screen

    person = overrides.pop("person", None) or make_person(
        referrer, given_name=overrides.pop("given_name", "Jordan"), date_of_birth=years_ago(14)
    )
    referral = submitted_referral(referrer, person=person, **overrides)
    return referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")


def panel_meeting(coordinator, chair, members=(), *, area="durham", start=True):
    import datetime as dt

    from cases.services import meeting_create, meeting_start

    meeting = meeting_create(
        actor=coordinator,
        area=area,
        meets_at=timezone.now() + dt.timedelta(days=1),
        chair=chair,
        members=list(members),
    )
    return meeting_start(actor=chair, meeting=meeting) if start else meeting


def opened_case(referrer, coordinator, chair, **overrides):
    from cases.services import decision_record

    referral = accepted_referral(referrer, coordinator, **overrides)
    meeting = panel_meeting(coordinator, chair)
    decision = decision_record(
        actor=chair,
        meeting=meeting,
        referral=referral,
        outcome="open_case",
        rationale="Needs a mentor and school support.",
        lead_professional=referrer,
        lead_organisation=referrer.memberships.first().organisation,
    )
    return decision.case


def make_intervention(provider, **overrides):
    from interventions.services import intervention_create

    fields = {
        "name": "Mentoring for young people",
        "description": "Weekly one-to-one mentoring by trained volunteers.",
        "intervention_type": "mentoring",
        "pathways": ["u18_prevention"],
        "min_age": 10,
        "max_age": 17,
        "capacity": 1,
        "funding_stream": "Serious Violence Duty grant",
    }
    fields.update(overrides)
    return intervention_create(actor=SYSTEM, provider=provider, **fields)


def case_ready_for_delivery(referrer, coordinator, chair, **overrides):
    """An open case whose referral has consent for intervention delivery."""
    case = opened_case(referrer, coordinator, chair, **overrides)
    give_consent(referrer, case.referrals.get(), purposes=["intervention_delivery"])
    return case
