"""Who may do what to a person or a referral: one rule per operation (see
``core.permissions``). A referral is acted on in a capacity (see
``referrals.selectors.referral_capacities``): as a referrer of the referring organisation,
or as a coordinator of its area once it is submitted.

Services ``require`` these; API and web views ``require`` the same rule before reading a
request body, so a refused user is told so first; pages ask ``can`` (or ``offered``).

Which statuses an operation is open in is not part of the permission: someone allowed to
withdraw a referral who asks after it was withdrawn is told of a conflict (409), not
refused (403). ``OPEN_IN`` holds those status lists, for the services and for ``offered``.
"""

import datetime

# Module imports both ways (selectors asks "referral.view_linked"): names are read at call
# time, so neither module needs the other fully loaded first.
from core.permissions import RuleBook
from partners import selectors as partner_selectors
from partners.roles import Role
from referrals import selectors
from referrals.models import (
    Consent,
    ConsentDecision,
    LawfulBasis,
    LawfulBasisStatus,
    Participation,
    ParticipationDecision,
    Person,
    Referral,
    ReferralStatus,
)
from referrals.pathways import age_on

rules = RuleBook("referrals")
can = rules.can
require = rules.require
allowed = rules.allowed

REFERRER = "referrer"
COORDINATOR = "coordinator"

OPEN_IN: dict[str, tuple[str, ...]] = {
    "referral.change": (ReferralStatus.DRAFT, ReferralStatus.RETURNED),
    "referral.submit": (ReferralStatus.DRAFT,),
    "referral.screen": (ReferralStatus.SUBMITTED,),
    "referral.answer": (ReferralStatus.RETURNED,),
    "referral.withdraw": (
        ReferralStatus.DRAFT,
        ReferralStatus.SUBMITTED,
        ReferralStatus.RETURNED,
        ReferralStatus.ACCEPTED_FOR_PANEL,
    ),
    # Not an action anyone asks for: what losing panel-discussion consent or its lawful basis
    # does to a referral waiting for panel (one decided at a meeting has moved on).
    "referral.return_to_screening": (ReferralStatus.ACCEPTED_FOR_PANEL,),
    # Not asked for either: a referral of a pair another agency has since referred to MARAC
    # has its stored flag recomputed while the flag can still change what happens to it
    # (screening, the agenda), that is until it is decided.
    "referral.marac_flag_refresh": (
        ReferralStatus.DRAFT,
        ReferralStatus.SUBMITTED,
        ReferralStatus.RETURNED,
        ReferralStatus.ACCEPTED_FOR_PANEL,
    ),
    # Risk to a victim is recorded, and acted on, for as long as the referral stands.
    **{
        action: tuple(s for s in ReferralStatus.values if s != ReferralStatus.WITHDRAWN)
        for action in ("dash.record", "marac.link", "marac.refer")
    },
}


def is_open(referral: Referral, action: str) -> bool:
    """Whether the referral's status lets ``action`` happen (for anyone allowed to)."""
    statuses = OPEN_IN.get(action)
    return statuses is None or referral.status in statuses


def offered(actor, referral: Referral, actions) -> dict[str, bool]:
    """What a referral page may offer: allowed for this actor and open in this status,
    keyed by verb (``offered(...)["withdraw"]``)."""
    return {
        action.rsplit(".", 1)[-1]: can(actor, action, referral) and is_open(referral, action)
        for action in actions
    }


# A lawful basis is decided while it awaits approval, and revoked only once approved: the
# services refuse (409) outside these, and ``basis_offered`` offers nothing outside them.
BASIS_OPEN_IN: dict[str, tuple[str, ...]] = {
    "lawful_basis.decide": (LawfulBasisStatus.PENDING,),
    "lawful_basis.revoke": (LawfulBasisStatus.APPROVED,),
}


def basis_offered(actor, basis: LawfulBasis) -> dict[str, bool]:
    """What a page may offer on one lawful basis (``{"decide": ..., "revoke": ...}``):
    allowed for this actor by the rule and open in the basis's status."""
    return {
        action.rsplit(".", 1)[-1]: basis.status in statuses and can(actor, action, basis)
        for action, statuses in BASIS_OPEN_IN.items()
    }


# Only consent that was given can be withdrawn: the service refuses (400 on the purposes)
# any other decision, and ``consent_offered`` offers nothing on it.
CONSENT_OPEN_IN: dict[str, tuple[str, ...]] = {
    "consent.withdraw": (ConsentDecision.GIVEN,),
}


def consent_offered(actor, consent: Consent) -> dict[str, bool]:
    """What a page may offer on one consent decision (``{"withdraw": ...}``): allowed for
    this actor by the rule and open in the decision recorded."""
    return {
        action.rsplit(".", 1)[-1]: consent.decision in decisions and can(actor, action, consent)
        for action, decisions in CONSENT_OPEN_IN.items()
    }


# Only an agreement to take part can be withdrawn: the service refuses (400) a decline or an
# earlier withdrawal, and ``participation_offered`` offers nothing on it.
PARTICIPATION_OPEN_IN: dict[str, tuple[str, ...]] = {
    "participation.withdraw": (ParticipationDecision.AGREED,),
}


def participation_offered(actor, participation: Participation) -> dict[str, bool]:
    """What a page may offer on one giver's agreement to take part (``{"withdraw": ...}``)."""
    return {
        action.rsplit(".", 1)[-1]: participation.decision in decisions
        and can(actor, action, participation)
        for action, decisions in PARTICIPATION_OPEN_IN.items()
    }


# Gillick competence is assessed for children under 16 only: 16 and over decide for
# themselves. The service refuses an assessment otherwise; pages offer none.
GILLICK_AGE = 16


def gillick_applies(person: Person, on: datetime.date) -> bool:
    """Whether a Gillick competence assessment of ``person`` on ``on`` can be recorded."""
    return age_on(person.date_of_birth, on) < GILLICK_AGE


def _acts_as(actor, referral: Referral, *capacities: str) -> bool:
    return bool(selectors.referral_capacities(actor, referral) & set(capacities))


@rules.rule("referral.list", refusal="Referrals are followed by referrers and coordinators")
def _referral_list(actor, obj=None) -> bool:
    return partner_selectors.user_can(actor, "referrals.view_referral")


# --- People ------------------------------------------------------------------------------


@rules.rule("person.create", refusal="Your role does not allow recording people")
def _person_create(actor, obj=None) -> bool:
    return bool(partner_selectors.organisations_where_user_can(actor, "referrals.add_person"))


@rules.rule("person.change", refusal="You may not change this person's details")
def _person_change(actor, person: Person) -> bool:
    # Seeing someone is not enough: the actor's organisation must maintain the record.
    editable = selectors.people_visible_to(actor, permission="referrals.change_person")
    return editable.filter(pk=person.pk).exists()


@rules.rule("person.match", refusal="Your role does not allow looking people up")
def _person_match(actor, obj=None) -> bool:
    return partner_selectors.user_can(actor, "referrals.view_person")


# --- Referrals ---------------------------------------------------------------------------


@rules.rule("referral.create", refusal="Your role does not allow making referrals")
def _referral_create(actor, obj=None) -> bool:
    # A signpost instead of a referral is recorded by the same people, under this rule.
    return bool(partner_selectors.organisations_where_user_can(actor, "referrals.add_referral"))


@rules.rule("referral.change", refusal="Only the referring organisation can change a referral")
def _referral_change(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER)


@rules.rule("referral.submit", refusal="Only the referring organisation can submit a referral")
def _referral_submit(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER)


@rules.rule(
    "referral.answer",
    refusal="Only the referring organisation can answer the coordinator's questions",
)
def _referral_answer(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER)


@rules.rule("referral.withdraw", refusal="Only the referring organisation can withdraw a referral")
def _referral_withdraw(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER)


@rules.rule("referral.screen", refusal="Only a coordinator of the area can screen a referral")
def _referral_screen(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, COORDINATOR)


@rules.rule("referral.screening_queue", refusal="The screening queue is for coordinators")
def _screening_queue(actor, obj=None) -> bool:
    return bool(partner_selectors.areas_where(actor, {Role.COORDINATOR}))


@rules.rule(
    "referral.view_linked",
    refusal="Only a coordinator of the area sees the other referrals of the same person",
)
def _view_linked(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, COORDINATOR)


# --- Consent and the lawful basis --------------------------------------------------------


@rules.rule(
    "referral.record_consent",
    refusal="Only the referring organisation or a coordinator of the area can record consent",
)
def _record_consent(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER, COORDINATOR)


@rules.rule(
    "consent.withdraw",
    refusal="Only the referring organisation or a coordinator of the area can withdraw consent",
)
def _consent_withdraw(actor, consent: Consent) -> bool:
    # Whoever may record a decision may record its withdrawal.
    return _acts_as(actor, consent.referral, REFERRER, COORDINATOR)


@rules.rule(
    "lawful_basis.decide",
    refusal="Only a coordinator of the area, other than whoever recorded it, can approve or "
    "reject a lawful basis",
)
def _lawful_basis_decide(actor, basis: LawfulBasis) -> bool:
    # Four eyes: someone other than the person who recorded it must approve it.
    return basis.recorded_by_id != actor.pk and _acts_as(actor, basis.referral, COORDINATOR)


@rules.rule(
    "lawful_basis.revoke", refusal="Only a coordinator of the area can revoke a lawful basis"
)
def _lawful_basis_revoke(actor, basis: LawfulBasis) -> bool:
    return _acts_as(actor, basis.referral, COORDINATOR)


# --- Agreement to take part in an intervention ------------------------------------------


@rules.rule(
    "participation.record",
    refusal="Only the referring organisation or a coordinator of the area can record "
    "agreement to take part",
)
def _participation_record(actor, referral: Referral) -> bool:
    # As for consent: whoever hears the person's (or parent's) decision records it.
    return _acts_as(actor, referral, REFERRER, COORDINATOR)


@rules.rule(
    "participation.withdraw",
    refusal="Only the referring organisation or a coordinator of the area can withdraw "
    "agreement to take part",
)
def _participation_withdraw(actor, participation: Participation) -> bool:
    return _acts_as(actor, participation.referral, REFERRER, COORDINATOR)


# --- Domestic abuse: Dash, perpetrator links and MARAC ------------------------------------


@rules.rule(
    "dash.record",
    refusal="Only the referring organisation or a coordinator of the area can record a Dash "
    "checklist",
)
def _dash_record(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER, COORDINATOR)


@rules.rule(
    "marac.link",
    refusal="Only the referring organisation or a coordinator of the area can link a perpetrator",
)
def _marac_link(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER, COORDINATOR)


@rules.rule(
    "marac.refer",
    refusal="Only the referring organisation or a coordinator of the area can record a MARAC "
    "referral",
)
def _marac_refer(actor, referral: Referral) -> bool:
    return _acts_as(actor, referral, REFERRER, COORDINATOR)
