"""Domestic abuse risk for victims: the Dash checklist, victim-perpetrator links, MARAC
referrals and the SafeLives repeat rule. Services validate everything before writing, run
in one transaction, and record the actor and the reason in the change history.

SafeLives, "Definition of a 'repeat' at Marac" (safelives.org.uk/definition-repeat-marac):
a repeat is "any instance of abuse between the same victim and perpetrator(s), within 12
months of the last referral to Marac"; "all Marac agencies should have the capacity to 'flag
and tag' their files following the latest referral". Incidents more than 12 months after the
last referral are a new referral, not a repeat.
"""

import datetime
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from core.compiled import compiled_query
from core.encryption import blind_index
from core.errors import ConflictError, field_error
from core.history import with_history
from core.ids import parse_int
from core.text import bounded_text, model_max_length
from partners.models import User
from referrals import dash
from referrals.models import (
    BlindIndex,
    DashRecord,
    DomesticAbuseRole,
    MaracReferral,
    Person,
    Referral,
    ReferralStatus,
    VictimPerpetratorLink,
)
from referrals.pathways import Pathway, RiskLevel, one_year_before
from referrals.permissions import OPEN_IN, require
from referrals.selectors import (
    people_visible_to,
    same_indexes_condition,
    same_person_condition,
    same_person_indexes,
)


def pair_index(victim: Person, perpetrator: Person) -> str:
    """The pair's matching key: a keyed HMAC of each person's own family name and date of
    birth index, so every agency's records of the same two people give the same key."""
    return blind_index(
        BlindIndex.VICTIM_PERPETRATOR_PAIR,
        f"{victim.family_name_dob_index}|{perpetrator.family_name_dob_index}",
    )


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .get(pk=referral.pk)
    )


def _require_open(referral: Referral, action: str, doing: str) -> None:
    if referral.status not in OPEN_IN[action]:
        raise ConflictError(
            f"Cannot {doing} on a referral that is {referral.get_status_display().lower()}"
        )


def _require_victim(referral: Referral, what: str) -> None:
    if referral.pathway != Pathway.DA_KNIFE_REPEAT:
        raise field_error(
            "pathway", f"{what} is for domestic abuse referrals only", "not_domestic_abuse"
        )
    if referral.domestic_abuse_role != DomesticAbuseRole.VICTIM:
        raise field_error(
            "domestic_abuse_role",
            f"{what} is completed for victims only: this person is recorded as the "
            f"{referral.get_domestic_abuse_role_display().lower() or 'role not given'}",
            "not_victim",
        )


def _text(value, *, field: str, model, stored_as: str | None = None) -> str:
    return bounded_text(
        value,
        field=field,
        max_length=model_max_length(model, stored_as or field),
        keep_lines=True,
    )


def _date(value, *, field: str, required: bool) -> datetime.date | None:
    if value is None:
        if required:
            raise field_error(field, "Enter a date", "required")
        return None
    if not isinstance(value, datetime.date):
        raise field_error(field, "Enter a real date", "invalid")
    if value > timezone.localdate():
        raise field_error(field, "Cannot be in the future", "future_date")
    return value


# --- The repeat rule and the criteria -------------------------------------------------------


def last_marac_referral_for_pair(
    pair_indexes, *, on: datetime.date, excluding_referral=None
) -> MaracReferral | None:
    """The last MARAC referral of any of these pairs, by any agency, in the 12 months up to
    ``on``: an incident then is a repeat. Another partner's pair never matches."""
    found = MaracReferral.objects.filter(
        pair_index__in=list(pair_indexes),
        referred_on__gte=one_year_before(on),
        referred_on__lte=on,
    )
    if excluding_referral is not None:
        found = found.exclude(referral=excluding_referral)
    return found.order_by("-referred_on", "-pk").first()


def marac_repeat(referral: Referral) -> MaracReferral | None:
    """The MARAC referral this referral's incident repeats: the same victim and one of the
    perpetrators linked on it, within 12 months of that pair's last MARAC referral."""
    pairs = referral.perpetrator_links.values_list("pair_index", flat=True)
    if referral.incident_date is None:
        return None
    return last_marac_referral_for_pair(
        pairs, on=referral.incident_date, excluding_referral=referral
    )


def marac_criteria_of(referral: Referral, record: DashRecord | None = None) -> list[str]:
    """The MARAC criteria the referral meets now (``referrals.dash.marac_criteria``)."""
    if referral.domestic_abuse_role != DomesticAbuseRole.VICTIM:
        return []
    if record is None:
        record = DashRecord.objects.filter(referral=referral).first()
    facts = dash.MaracFacts(
        score=record.score if record else 0,
        professional_judgement_reason=record.professional_judgement_reason if record else "",
        police_callouts_last_12_months=(record.police_callouts_last_12_months if record else None),
        escalation_reason=record.escalation_reason if record else "",
        repeat=marac_repeat(referral) is not None,
    )
    return dash.marac_criteria(facts)


def _refresh_marac(referral: Referral, *, actor: User, record: DashRecord | None = None) -> None:
    required = bool(marac_criteria_of(referral, record))
    if required == referral.marac_referral_required and (
        not required or referral.risk_level == RiskLevel.HIGH
    ):
        return
    referral.marac_referral_required = required
    if required:
        # A MARAC case is a high-risk case, whichever criterion brought it there.
        referral.risk_level = RiskLevel.HIGH
    referral.version += 1
    with_history(referral, actor=actor, reason="MARAC criteria recomputed").save()


# --- Dash ---------------------------------------------------------------------------------


def _clean_answers(checklist: str, answers) -> list[str]:
    questions = dash.QUESTIONS[checklist]
    if not isinstance(answers, list | tuple) or len(answers) != len(questions):
        raise field_error(
            "answers",
            f"Answer each of the {len(questions)} questions of this checklist",
            "wrong_count",
        )
    wrong = [
        str(number)
        for number, answer in enumerate(answers, start=1)
        if answer not in dash.DashAnswer.values
    ]
    if wrong:
        raise field_error(
            "answers",
            f"Answer yes, no or not known to question {', '.join(wrong)}",
            "invalid_choice",
        )
    return list(answers)


@transaction.atomic
def dash_record(
    *,
    actor: User,
    referral: Referral,
    checklist: str,
    answers,
    completed_on: datetime.date | None = None,
    professional_judgement_reason: str = "",
    police_callouts_last_12_months: int | None = None,
    escalation_reason: str = "",
) -> DashRecord:
    """Record (or correct) the Dash checklist completed with the victim of a referral."""
    referral = _lock(referral)
    require(actor, "dash.record", referral)
    _require_open(referral, "dash.record", "record a Dash checklist")
    _require_victim(referral, "The Dash checklist")
    if checklist not in dash.DashChecklist.values:
        raise field_error("checklist", "Choose which checklist was completed", "invalid_choice")
    answers = _clean_answers(checklist, answers)
    completed_on = _date(completed_on or timezone.localdate(), field="completed_on", required=True)
    if police_callouts_last_12_months is not None and (
        not isinstance(police_callouts_last_12_months, int) or police_callouts_last_12_months < 0
    ):
        raise field_error(
            "police_callouts_last_12_months", "Enter a whole number, 0 or more", "invalid"
        )
    points = dash.score(answers)
    record = DashRecord.objects.filter(referral=referral).first() or DashRecord(referral=referral)
    record.checklist = checklist
    record.answers = json.dumps(answers)
    record.score = points
    record.band = dash.band(points)
    record.professional_judgement_reason = _text(
        professional_judgement_reason, field="professional_judgement_reason", model=DashRecord
    )
    record.police_callouts_last_12_months = police_callouts_last_12_months
    record.escalation_reason = _text(escalation_reason, field="escalation_reason", model=DashRecord)
    record.completed_by = actor
    record.completed_on = completed_on
    with_history(record, actor=actor, reason="Dash checklist recorded").save()
    _refresh_marac(referral, actor=actor, record=record)
    return record


# --- Victim-perpetrator links -------------------------------------------------------------


@transaction.atomic
def perpetrator_link(*, actor: User, referral: Referral, perpetrator_id) -> VictimPerpetratorLink:
    """Link the perpetrator of this referral's abuse, among the people the actor may see."""
    referral = _lock(referral)
    require(actor, "marac.link", referral)
    _require_open(referral, "marac.link", "link a perpetrator")
    _require_victim(referral, "Linking a perpetrator")
    try:
        perpetrator = people_visible_to(actor).filter(pk=perpetrator_id).first()
    except (ValueError, ValidationError):
        perpetrator = None
    if perpetrator is None:
        raise field_error("perpetrator", "No such person", "does_not_exist")
    victim = referral.person
    if Person.objects.filter(pk=perpetrator.pk).filter(same_person_condition(victim)).exists():
        raise field_error(
            "perpetrator", "The perpetrator cannot be the victim themselves", "same_person"
        )
    if referral.perpetrator_links.filter(perpetrator=perpetrator).exists():
        raise field_error("perpetrator", "Already linked to this referral", "already_linked")
    link = VictimPerpetratorLink(
        victim=victim,
        perpetrator=perpetrator,
        referral=referral,
        pair_index=pair_index(victim, perpetrator),
        recorded_by=actor,
    )
    with_history(link, actor=actor, reason="Perpetrator linked").save()
    _refresh_marac(referral, actor=actor)
    return link


# --- MARAC referrals ----------------------------------------------------------------------


@transaction.atomic
def marac_refer(
    *, actor: User, referral: Referral, link_id, referred_on: datetime.date | None = None
) -> MaracReferral:
    """Record the referral of this victim, for one linked perpetrator, to MARAC."""
    referral = _lock(referral)
    require(actor, "marac.refer", referral)
    _require_open(referral, "marac.refer", "refer to MARAC")
    _require_victim(referral, "A MARAC referral")
    pk = parse_int(link_id)
    link = referral.perpetrator_links.filter(pk=pk).first() if pk and 0 < pk < 2**31 else None
    if link is None:
        raise field_error(
            "link", "Choose the perpetrator linked on this referral", "does_not_exist"
        )
    referred_on = _date(referred_on or timezone.localdate(), field="referred_on", required=True)
    criteria = marac_criteria_of(referral)
    if not criteria:
        raise field_error(
            "referral",
            "No MARAC criterion is met: record the Dash checklist, professional judgement or "
            "potential escalation first",
            "not_eligible",
        )
    repeat = last_marac_referral_for_pair(
        [link.pair_index], on=referral.incident_date, excluding_referral=referral
    )
    marac = MaracReferral(
        referral=referral,
        link=link,
        pair_index=link.pair_index,
        referred_on=referred_on,
        criteria=criteria,
        repeat=repeat is not None,
        recorded_by=actor,
    )
    with_history(marac, actor=actor, reason="Referred to MARAC").save()
    _flag_the_pairs_other_referrals(marac)
    return marac


def _flag_the_pairs_other_referrals(marac: MaracReferral) -> None:
    """Flag and tag: a referral of the same pair that another agency (or this one) already
    holds, not yet decided, may now be a MARAC repeat; its stored flag, which the screening
    queue and the agenda read, is recomputed at once. By the system, not the referrer, who
    may not see those referrals."""
    others = (
        Referral.objects.select_for_update()
        .filter(
            pk__in=VictimPerpetratorLink.objects.filter(pair_index=marac.pair_index).values(
                "referral_id"
            ),
            status__in=OPEN_IN["referral.marac_flag_refresh"],
        )
        .exclude(pk=marac.referral_id)
        .order_by("pk")
    )
    for other in others:
        _refresh_marac(other, actor=SYSTEM)


@transaction.atomic
def marac_meeting_record(
    *,
    actor: User,
    marac_referral: MaracReferral,
    meeting_date: datetime.date | None,
    outcome: str = "",
) -> MaracReferral:
    """The MARAC meeting that heard the referral, and what it decided."""
    marac = MaracReferral.objects.select_for_update().get(pk=marac_referral.pk)
    marac.referral = marac_referral.referral
    require(actor, "marac.refer", marac.referral)
    meeting_date = _date(meeting_date, field="meeting_date", required=True)
    if meeting_date < marac.referred_on:
        raise field_error(
            "meeting_date", "The meeting cannot be before the referral to MARAC", "before_referral"
        )
    marac.meeting_date = meeting_date
    marac.outcome = _text(outcome, field="outcome", model=MaracReferral)
    with_history(marac, actor=actor, reason="MARAC meeting recorded").save()
    return marac


# --- Flag and tag -------------------------------------------------------------------------


@dataclass(frozen=True)
class MaracFlag:
    """What every agency seeing a referral of this victim is told: the last MARAC referral's
    date and until when a further incident with the same perpetrator is a repeat. Neither
    the perpetrator nor the referring agency is named."""

    last_referred_on: datetime.date
    repeat_until: datetime.date


@compiled_query
def _last_referred_on(shape, *, since, **indexes):
    return (
        MaracReferral.objects.filter(same_indexes_condition(indexes, prefix="referral__person__"))
        .filter(referred_on__gte=since)
        .exclude(referral__status=ReferralStatus.WITHDRAWN)
        .order_by("-referred_on")
        .values_list("referred_on", flat=True)
    )


def marac_flag(person: Person, *, today: datetime.date | None = None) -> MaracFlag | None:
    if getattr(person, "recorded_alone", False):
        # Recorded in this request with nobody else under any of their blind indexes
        # (referrals.services): none of their referrals can have been to MARAC yet.
        return None
    today = today or timezone.localdate()
    last = _last_referred_on.first(since=one_year_before(today), **same_person_indexes(person))
    if last is None:
        return None
    try:
        until = last.replace(year=last.year + 1)
    except ValueError:  # 29 February
        until = last.replace(year=last.year + 1, day=28)
    return MaracFlag(last_referred_on=last, repeat_until=until)


# --- What a referral's page and the API show ----------------------------------------------


@dataclass(frozen=True)
class MaracOverview:
    dash_record: DashRecord | None
    questions: list  # (question, answer label) of the Dash record, in order
    criteria: list[str]  # MaracCriterion codes met now
    repeat: bool
    flag: MaracFlag | None
    links: list  # selectors.LinkShown
    marac_referrals: list
    offer: dict  # {"dash": ..., "link": ..., "refer": ...}


def marac_overview(viewer: User, referral: Referral) -> MaracOverview | None:
    """The domestic abuse risk of a referral as ``viewer`` may see it; None off the pathway."""
    from referrals import selectors
    from referrals.permissions import can, is_open

    if referral.pathway != Pathway.DA_KNIFE_REPEAT:
        return None
    record = selectors.dash_record_shown(viewer, referral)
    questions = []
    if record is not None:
        labels = dict(dash.DashAnswer.choices)
        questions = [
            (question, labels.get(answer, answer))
            for question, answer in zip(
                dash.QUESTIONS[record.checklist], record.answer_list, strict=False
            )
        ]
    victim = referral.domestic_abuse_role == DomesticAbuseRole.VICTIM
    return MaracOverview(
        dash_record=record,
        questions=questions,
        criteria=marac_criteria_of(referral, record) if victim else [],
        repeat=victim and marac_repeat(referral) is not None,
        flag=marac_flag(referral.person),
        links=selectors.perpetrator_links_shown(viewer, referral),
        marac_referrals=selectors.marac_referrals_shown(viewer, referral),
        offer={
            verb: victim and can(viewer, action, referral) and is_open(referral, action)
            for verb, action in (
                ("dash", "dash.record"),
                ("link", "marac.link"),
                ("refer", "marac.refer"),
            )
        },
    )
