"""The tests' names for building records. Each delegates to ``demo.builders``, so tests build
through the same services as the demo; only the user factory (sequences) is the tests' own."""

import itertools

import factory

from demo import builders
from demo.builders import REFERRAL_DEFAULTS, years_ago
from partners.models import Area, Organisation, OrganisationType, User
from tests.support import PASSWORD

__all__ = [
    "REFERRAL_DEFAULTS",
    "UserFactory",
    "accepted_referral",
    "agree_to_take_part",
    "case_ready_for_delivery",
    "failed_job",
    "give_consent",
    "make_agreement",
    "make_intervention",
    "make_member",
    "make_organisation",
    "make_person",
    "make_referral",
    "opened_case",
    "panel_meeting",
    "partnership_at_work_with",
    "submitted_referral",
    "years_ago",
]

_sequence = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(PASSWORD)


def make_organisation(
    *, name=None, organisation_type=OrganisationType.SCHOOL, area=Area.DURHAM, agreement=True
) -> Organisation:
    """A partner organisation, with (unless ``agreement=False``) an information sharing
    agreement in force covering every purpose and data category, so that the disclosures a
    test makes are covered as they would be in a partnership at work."""
    n = next(_sequence)
    organisation = builders.make_organisation(
        name=name or f"Organisation {n}",
        code=f"org-{n}",
        organisation_type=organisation_type,
        area=area,
    )
    if agreement:
        builders.make_agreement(organisation=organisation)
    return organisation


def make_agreement(organisation: Organisation, **overrides):
    return builders.make_agreement(organisation=organisation, **overrides)


def make_member(organisation: Organisation, role: str, **user_fields) -> User:
    return builders.make_member(
        user=UserFactory(**user_fields), organisation=organisation, role=role
    )


def make_person(actor: User, **overrides):
    return builders.make_person(actor=actor, **overrides)


def make_referral(actor, *, person=None, **overrides):
    if person is None:
        person = make_person(actor)
    return builders.make_referral(actor=actor, person=person, **overrides)


def give_consent(actor, referral, *, purposes=None, given_by=None):
    return builders.give_consent(
        actor=actor,
        referral=referral,
        purposes=purposes or builders.PANEL_PURPOSES,
        given_by=given_by,
    )


def agree_to_take_part(actor, referral, *, given_by=None, giver_name=None):
    return builders.agree_to_take_part(
        actor=actor, referral=referral, given_by=given_by, giver_name=giver_name
    )


def submitted_referral(actor, **overrides):
    if overrides.get("person") is None:
        overrides["person"] = make_person(actor)
    return builders.submitted_referral(actor=actor, **overrides)


def _child_of(referrer, overrides):
    """The person a panel test is about: the given one, or a new 14-year-old."""
    given_name = overrides.pop("given_name", "Jordan")
    return overrides.pop("person", None) or make_person(
        referrer, given_name=given_name, date_of_birth=years_ago(14)
    )


def accepted_referral(referrer, coordinator, **overrides):
    person = _child_of(referrer, overrides)
    return builders.accepted_referral(
        referrer=referrer, coordinator=coordinator, person=person, **overrides
    )


def panel_meeting(coordinator, chair, members=(), *, area="durham", start=True):
    return builders.panel_meeting(
        coordinator=coordinator, chair=chair, members=members, area=area, start=start
    )


def opened_case(referrer, coordinator, chair, **overrides):
    person = _child_of(referrer, overrides)
    return builders.opened_case(
        referrer=referrer, coordinator=coordinator, chair=chair, person=person, **overrides
    )


def make_intervention(provider, **overrides):
    return builders.make_intervention(provider=provider, **overrides)


def case_ready_for_delivery(referrer, coordinator, chair, **overrides):
    """An open case whose person (or their parent) agreed to take part in an intervention."""
    case = opened_case(referrer, coordinator, chair, **overrides)
    agree_to_take_part(referrer, case.referrals.get())
    return case


def partnership_at_work_with(*, referrer, other_referrer, coordinator, chair, member, keyworker):
    """A little of everything, for tests that walk every page: referrals in each state, a
    meeting with its agenda, an open case with an allocation in delivery and a contact, and
    a break-glass flag for IG to review."""
    import datetime

    from audit.services import break_glass
    from interventions.services import (
        allocation_create,
        allocation_offer,
        allocation_transition,
        contact_record,
    )
    from referrals.services import referral_screen

    make_referral(referrer)
    submitted_referral(other_referrer)
    returned = submitted_referral(referrer)
    referral_screen(
        actor=coordinator, referral=returned, outcome="returned", questions="Which year group?"
    )
    accepted_referral(referrer, coordinator)
    panel_meeting(coordinator, chair, members=[member], start=False)
    case = case_ready_for_delivery(referrer, coordinator, chair)
    allocation = allocation_create(
        actor=referrer,
        case=case,
        intervention=make_intervention(keyworker.memberships.get().organisation),
        request="Weekly mentoring",
    )
    allocation_offer(actor=referrer, allocation=allocation)
    allocation_transition(actor=keyworker, allocation=allocation, action="accept")
    contact_record(
        actor=keyworker,
        allocation=allocation,
        contact_date=datetime.date.today(),
        contact_type="face_to_face",
        outcome="attended",
    )
    break_glass(
        actor=other_referrer,
        person=case.person,
        reason="Knife incident overnight, checking for safeguarding",
    )
    victims_marac_referral(other_referrer)
    return case


def victims_marac_referral(referrer):
    """A victim's domestic abuse referral, submitted in Durham, with the Dash checklist (16
    yes answers), a linked perpetrator and a MARAC referral."""
    import datetime

    from django.utils import timezone

    from referrals.marac import dash_record, marac_refer, perpetrator_link

    today = timezone.localdate()
    victim = make_person(
        referrer, given_name="Dana", family_name="Reid", date_of_birth=years_ago(31)
    )
    referral = submitted_referral(
        referrer,
        person=victim,
        pathway="da_knife_repeat",
        area="durham",
        domestic_abuse_incident=True,
        knife_or_sharp_instrument=True,
        domestic_abuse_role="victim",
        previous_incident_date=today - datetime.timedelta(days=90),
        previous_incident_source="Police log DUR/26/0042",
        risk_factors=["domestic_abuse_history"],
    )
    dash_record(
        actor=referrer,
        referral=referral,
        checklist="safelives_ric_2009",
        answers=["yes"] * 16 + ["not_known"] * 8,
    )
    perpetrator = make_person(
        referrer, given_name="Sam", family_name="Hale", date_of_birth=years_ago(34)
    )
    link = perpetrator_link(actor=referrer, referral=referral, perpetrator_id=perpetrator.pk)
    marac_refer(actor=referrer, referral=referral, link_id=link.pk)
    return referral


def failed_job(task_name: str = "prune_sessions", *, error: str = "RuntimeError: disk full") -> int:
    """A job of the routine that has spent its attempts and waits on the jobs page: deferred
    as the worker would, then marked failed (procrastinate's models are read-only)."""
    from django.db import connection
    from django.utils import timezone

    from jobs import tasks
    from jobs.models import Failure

    job_id = getattr(tasks, task_name).defer(timestamp=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = 6 WHERE id = %s",
            [job_id],
        )
    Failure.objects.create(
        job_id=job_id, task=task_name, attempt=6, error=error, failed_at=timezone.now()
    )
    return job_id
