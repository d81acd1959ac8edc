"""Writes to people. Each function validates everything before it writes anything, runs in
one transaction, and records the acting user and the reason in the change history."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.actors import SYSTEM, SystemActor
from core.compiled import BoundQuery, compiled_query
from core.encryption import blind_index, normalise_identifier, normalise_name
from core.errors import ConflictError, field_error, require_version
from core.history import AlsoInsert, insert_with_history, with_history
from core.templatetags.govuk import govuk_date
from core.text import bounded_text, model_max_length
from notifications.services import (
    notification_referral_decided,
    notification_referral_returned,
    notification_referral_submitted,
)
from partners.models import Organisation, User
from partners.selectors import acting_organisation
from referrals import validators
from referrals.consent import LossCause, refresh_permitted_purposes
from referrals.equality import Disability, Ethnicity
from referrals.models import (
    BlindIndex,
    DashRecord,
    DomesticAbuseRole,
    Gender,
    Person,
    PersonGroupObjectPermission,
    Purpose,
    Referral,
    ReferralArea,
    ReferralStatus,
    SignpostService,
)
from referrals.pathways import (
    RISK_CHECKLIST,
    Pathway,
    Reason,
    RiskLevel,
    age_on,
    assess,
)
from referrals.permissions import OPEN_IN, require
from referrals.selectors import (
    open_case_of_same_person,
    people_visible_to,
    person_viewer,
    previous_domestic_abuse_incident,
    same_person_condition,
    visible_people,
)

NAME_MAX_LENGTH = model_max_length(Person, "given_name")
ADDRESS_MAX_LENGTH = model_max_length(Person, "address")
# A reason is kept in the change history, whose column holds this much.
CHANGE_REASON_MAX_LENGTH = model_max_length(Person.history.model, "history_change_reason")
IDENTIFIER_NORMALISERS = {
    "nhs_number": validators.normalise_nhs_number,
    "police_reference": validators.normalise_police_reference,
    "unique_pupil_number": validators.normalise_unique_pupil_number,
}
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
    *IDENTIFIER_NORMALISERS,
    "ethnicity",
    "disability",
)
# Equality information: optional answers from a closed list (blank is not asked yet).
EQUALITY_ANSWERS = {"ethnicity": Ethnicity, "disability": Disability}


def _clean_text(value, *, field: str, max_length: int, required: bool, errors: dict) -> str:
    """``bounded_text``, collecting the error so that every field is reported at once."""
    try:
        return bounded_text(
            value,
            field=field,
            max_length=max_length,
            required=required,
            keep_lines=field == "address",
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
        return ""


def _clean_person_fields(data: dict, *, partial: bool) -> dict:
    """Validate and normalise person fields, reporting every problem at once."""
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(
            {name: ValidationError("Unknown field", code="unknown") for name in sorted(unknown)}
        )
    errors: dict[str, ValidationError] = {}
    cleaned: dict = {}

    for field in ("given_name", "family_name"):
        if field in data or not partial:
            cleaned[field] = _clean_text(
                data.get(field),
                field=field,
                max_length=NAME_MAX_LENGTH,
                required=True,
                errors=errors,
            )
    if "address" in data or not partial:
        cleaned["address"] = _clean_text(
            data.get("address"),
            field="address",
            max_length=ADDRESS_MAX_LENGTH,
            required=False,
            errors=errors,
        )
    if "date_of_birth" in data or not partial:
        date_of_birth = data.get("date_of_birth")
        if not isinstance(date_of_birth, datetime.date):
            errors["date_of_birth"] = ValidationError("Enter a date of birth", code="required")
        else:
            try:
                validators.validate_date_of_birth(date_of_birth)
                cleaned["date_of_birth"] = date_of_birth
            except ValidationError as exc:
                errors["date_of_birth"] = exc
    if "gender" in data or not partial:
        gender = data.get("gender") or Gender.NOT_KNOWN
        if gender not in Gender.values:
            errors["gender"] = ValidationError(
                f"Choose one of: {', '.join(Gender.values)}", code="invalid_choice"
            )
        cleaned["gender"] = gender
    for field, answers in EQUALITY_ANSWERS.items():
        if field in data or not partial:
            answer = data.get(field) or ""
            if answer and answer not in answers.values:
                errors[field] = ValidationError(
                    f"Choose one of: {', '.join(answers.values)}, or leave it blank",
                    code="invalid_choice",
                )
            cleaned[field] = answer
    if "postcode" in data or not partial:
        postcode = (data.get("postcode") or "").strip()
        cleaned["postcode"] = ""
        cleaned["postcode_district"] = ""
        if postcode:
            try:
                cleaned["postcode"] = validators.normalise_postcode(postcode)
                cleaned["postcode_district"] = cleaned["postcode"].split(" ")[0]
            except ValidationError as exc:
                errors["postcode"] = exc
    for field, normalise in IDENTIFIER_NORMALISERS.items():
        if field in data or not partial:
            raw = (data.get(field) or "").strip()
            cleaned[field] = ""
            if raw:
                try:
                    cleaned[field] = normalise(raw)
                except ValidationError as exc:
                    errors[field] = exc
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def person_create(
    *, actor: User, organisation: Organisation | None = None, reason: str = "", **fields
) -> Person:
    require(actor, "person.create")
    person = _person_recorded_by(
        _unsaved_person(fields), actor=actor, organisation=organisation, reason=reason
    )
    _record_person(person)
    return person


def _unsaved_person(fields: dict) -> Person:
    """The record these details make, validated and normalised, with its blind indexes:
    computed once, for the duplicate checks and the record saved."""
    person = Person(**_clean_person_fields(fields, partial=False))
    person.refresh_blind_indexes()
    return person


def _person_recorded_by(
    person: Person, *, actor: User, organisation: Organisation | None, reason: str = ""
) -> Person:
    """A person made by ``_unsaved_person``, as recorded by an actor allowed to record
    people, labelled for their history: ``_record_person`` writes them."""
    acting = acting_organisation(actor, "referrals.add_person", organisation)
    reason = bounded_text(reason, field="reason", max_length=CHANGE_REASON_MAX_LENGTH)
    person.created_by = actor
    person.created_by_organisation = acting
    return with_history(person, actor=actor, reason=reason or f"Recorded by {acting.name}")


# The recording organisation sees and maintains its own record; any other sharing is an
# explicit, audited decision made elsewhere (a referral, a case share).
RECORDER_PERMISSIONS = ("view_person", "change_person")


def _record_person(person: Person, *, along: tuple = ()) -> None:
    """Write a person from ``_person_recorded_by`` with their history, the recording
    organisation's grants and the new records ``along`` (a referral of them, labelled by
    ``with_history``) with theirs, in one statement, in the caller's transaction (a referral
    for someone new adds no savepoint, two round trips, for a block it never rolls back on
    its own)."""
    grants = _grants_to_group(person, person.created_by_organisation.group_id, RECORDER_PERMISSIONS)
    (granted,) = insert_with_history(person, *along, also=(grants,))
    if granted != len(RECORDER_PERMISSIONS):
        # As assign_perm would: a permission missing from the database is an error.
        raise LookupError(f"Permissions missing from the database: {RECORDER_PERMISSIONS}")


def _grants_to_group(person: Person, group_id: int, codenames: tuple[str, ...]) -> AlsoInsert:
    """The rows django-guardian's ``assign_perm`` writes for a new person (its direct
    foreign-key group permission table), as one INSERT … SELECT: ``assign_perm`` makes six
    queries a permission (the group, the permission, then get_or_create in a savepoint),
    all for a record that cannot hold a grant yet."""
    return AlsoInsert(
        f"INSERT INTO {PersonGroupObjectPermission._meta.db_table} "  # noqa: S608 - the model's table
        "(permission_id, group_id, content_object_id) "
        "SELECT p.id, %s, %s FROM auth_permission p "
        "JOIN django_content_type ct ON ct.id = p.content_type_id "
        "WHERE ct.app_label = %s AND ct.model = %s AND p.codename = ANY(%s)",
        [group_id, person.pk, Person._meta.app_label, Person._meta.model_name, list(codenames)],
    )


@transaction.atomic
def person_update(
    *, actor: User, person: Person, expected_version: int | None, reason: str = "", **changes
) -> Person:
    require(actor, "person.change", person)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    require_version(locked, expected_version)
    cleaned = _clean_person_fields(changes, partial=True)
    reason = bounded_text(reason, field="reason", max_length=CHANGE_REASON_MAX_LENGTH)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.refresh_blind_indexes()
    locked.version += 1
    with_history(locked, actor=actor, reason=reason or "Details corrected").save()
    return locked


@dataclass(frozen=True)
class MatchQuery:
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    nhs_number: str = ""
    police_reference: str = ""
    unique_pupil_number: str = ""


def _match_index_values(query: MatchQuery) -> dict[str, str]:
    """The blind indexes a match asks for, by name, in the order a condition ORs them."""
    errors: dict[str, ValidationError] = {}
    indexes: dict[str, str] = {}
    has_criterion = False
    if query.family_name or query.date_of_birth:
        if not (query.family_name and query.date_of_birth):
            field = "date_of_birth" if query.family_name else "family_name"
            errors[field] = ValidationError(
                "Family name and date of birth are searched together", code="required"
            )
        else:
            has_criterion = True
            indexes["family_name_dob_index"] = blind_index(
                BlindIndex.FAMILY_NAME_AND_DATE_OF_BIRTH,
                f"{normalise_name(query.family_name)}|{query.date_of_birth.isoformat()}",
            )
    domains = {
        "nhs_number": BlindIndex.NHS_NUMBER,
        "police_reference": BlindIndex.POLICE_REFERENCE,
        "unique_pupil_number": BlindIndex.UNIQUE_PUPIL_NUMBER,
    }
    for field, normalise in IDENTIFIER_NORMALISERS.items():
        raw = getattr(query, field)
        if not raw:
            continue
        try:
            value = normalise(raw)
        except ValidationError as exc:
            errors[field] = exc
            continue
        has_criterion = True
        indexes[f"{field}_index"] = blind_index(domains[field], normalise_identifier(value))
    if errors:
        raise ValidationError(errors)
    if not has_criterion:
        raise ValidationError(
            {
                "non_field_errors": ValidationError(
                    "Search by family name and date of birth, or by an identifier",
                    code="required",
                )
            }
        )
    return indexes


_MATCH_INDEXES = (
    "family_name_dob_index",
    *(f"{field}_index" for field in IDENTIFIER_NORMALISERS),
)


def _match_condition(indexes: dict[str, str]) -> Q:
    condition = Q()
    for name in _MATCH_INDEXES:
        if name in indexes:
            condition |= Q(**{name: indexes[name]})
    return condition


def _match_indexes(query: MatchQuery) -> Q:
    return _match_condition(_match_index_values(query))


@compiled_query
def _people_matched(shape, *, groups, user_id, now, **indexes) -> QuerySet:
    return (
        visible_people(shape, groups=groups, user_id=user_id, now=now)
        .filter(_match_condition(indexes))
        .order_by("created_at")
    )


def person_match(*, actor: User, query: MatchQuery) -> QuerySet:
    """People matching exactly, among those the actor may see: others' existence never leaks."""
    require(actor, "person.match")
    return people_visible_to(actor).filter(_match_indexes(query))


def people_matched(*, actor: User, query: MatchQuery) -> BoundQuery:
    """``person_match`` oldest record first, kept compiled (``core.compiled``): counted and
    sliced by a paginator, one query each."""
    require(actor, "person.match")
    indexes = _match_index_values(query)
    shape, viewer = person_viewer(actor)
    return _people_matched.bound(shape=shape, **viewer, **indexes)


def people_matching(query: MatchQuery) -> QuerySet:
    """Every person record matching exactly, whoever recorded it: for information governance
    (through ``audit.registry``), whose own rule is asked by the caller."""
    return Person.objects.filter(_match_indexes(query))


# --- Referrals ---------------------------------------------------------------------------

REFERRAL_FIELDS = (
    "pathway",
    "area",
    "incident_date",
    "incident_time",
    "incident_place",
    "narrative",
    "night_time_economy",
    "domestic_abuse_incident",
    "knife_or_sharp_instrument",
    "domestic_abuse_role",
    "previous_incident_date",
    "previous_incident_source",
    "risk_factors",
    "risk_level",
    "outside_focus_reason",
)
TEXT_LIMITS = {
    field: model_max_length(Referral, field)
    for field in ("incident_place", "narrative", "previous_incident_source", "outside_focus_reason")
}


class IneligibleReferral(ValidationError):
    """A referral that fails its pathway's rules: a 400 on ``pathway`` with each reason."""

    def __init__(self, pathway: str, reasons: list[Reason]):
        # In words: the message reaches pages, where a code means nothing.
        named = Pathway(pathway).label if pathway in Pathway.values else pathway
        super().__init__(
            {
                "pathway": [
                    ValidationError(f"Not eligible for {named}: {reason.message}", code=reason.code)
                    for reason in reasons
                ]
            }
        )
        self.reasons = reasons


def _validate_referral_fields(referral: Referral, *, today: datetime.date) -> None:
    errors: dict[str, ValidationError] = {}
    if referral.pathway not in Pathway.values:
        errors["pathway"] = ValidationError(
            f"Choose one of: {', '.join(Pathway.values)}", code="invalid_choice"
        )
    if referral.area not in ReferralArea.values:
        errors["area"] = ValidationError(
            "Say whether the referral is for Durham or Darlington", code="required"
        )
    if referral.risk_level not in RiskLevel.values:
        errors["risk_level"] = ValidationError(
            f"Choose one of: {', '.join(RiskLevel.values)}", code="invalid_choice"
        )
    if not isinstance(referral.incident_date, datetime.date):
        errors["incident_date"] = ValidationError("Enter the date of the incident", code="required")
    elif referral.incident_date > today:
        errors["incident_date"] = ValidationError(
            "The incident date cannot be in the future", code="future_date"
        )
    elif referral.incident_date < referral.person.date_of_birth:
        errors["incident_date"] = ValidationError(
            "The incident date is before the person's date of birth", code="before_birth"
        )
    if referral.previous_incident_date is not None and isinstance(
        referral.incident_date, datetime.date
    ):
        if referral.previous_incident_date >= referral.incident_date:
            errors["previous_incident_date"] = ValidationError(
                "The previous incident must be before this one", code="not_before_incident"
            )
        elif not referral.previous_incident_source.strip():
            errors["previous_incident_source"] = ValidationError(
                "Say where the previous incident is recorded", code="required"
            )
    if not referral.narrative.strip():
        errors["narrative"] = ValidationError("Describe the incident or concern", code="required")
    for field, limit in TEXT_LIMITS.items():
        if len(getattr(referral, field) or "") > limit:
            errors[field] = ValidationError(
                f"Must be {limit} characters or fewer", code="max_length"
            )
    checklist = RISK_CHECKLIST.get(referral.pathway, ())
    outside = [factor for factor in referral.risk_factors if factor not in checklist]
    if outside and "pathway" not in errors:
        errors["risk_factors"] = ValidationError(
            f"Not on this pathway's checklist: {', '.join(outside)}", code="not_in_checklist"
        )
    if (
        referral.domestic_abuse_role != DomesticAbuseRole.VICTIM
        and not referral._state.adding
        and DashRecord.objects.filter(referral=referral).exists()
    ):
        errors["domestic_abuse_role"] = ValidationError(
            "A Dash checklist was completed with this person as the victim: a perpetrator "
            "has no Dash checklist",
            code="dash_recorded",
        )
    if errors:
        raise ValidationError(errors)


def _apply_pathway_rules(referral: Referral) -> None:
    """Compute age, flags and risk from the facts, and refuse an ineligible referral."""
    referral.age_at_referral = age_on(referral.person.date_of_birth, referral.referral_date)
    found = None
    if referral.pathway == Pathway.DA_KNIFE_REPEAT and referral.incident_date:
        found = previous_domestic_abuse_incident(
            person=referral.person,
            role=referral.domestic_abuse_role,
            incident_date=referral.incident_date,
            exclude_referral_id=referral.pk if not referral._state.adding else None,
        )
    referral.previous_incident_referral = found
    eligibility = assess(
        pathway=referral.pathway,
        age=referral.age_at_referral,
        gender=referral.person.gender,
        outside_focus_reason=referral.outside_focus_reason,
        night_time_economy=referral.night_time_economy,
        incident_time=referral.incident_time,
        incident_place=referral.incident_place,
        risk_factors=referral.risk_factors,
        domestic_abuse_incident=referral.domestic_abuse_incident,
        knife_or_sharp_instrument=referral.knife_or_sharp_instrument,
        domestic_abuse_role=referral.domestic_abuse_role,
        incident_date=referral.incident_date,
        previous_incident_date=referral.previous_incident_date,
        found_previous_incident_date=found.incident_date if found else None,
    )
    if not eligibility.eligible:
        raise IneligibleReferral(referral.pathway, eligibility.reasons)
    referral.outside_focus_flag = any(f.code == "outside_pathway_focus" for f in eligibility.flags)
    # Set by referrals.marac from the Dash record, the MARAC reasons and the repeat rule.
    if referral.marac_referral_required:
        referral.risk_level = RiskLevel.HIGH


def _assign_referral_fields(referral: Referral, data: dict) -> None:
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise ValidationError(
            {name: ValidationError("Unknown field", code="unknown") for name in sorted(unknown)}
        )
    for name, value in data.items():
        if name in TEXT_LIMITS or name == "domestic_abuse_role":
            value = (value or "").strip()
        if name == "risk_factors":
            value = sorted(set(value or []))
        setattr(referral, name, value)


def person_possible_duplicates(*, actor: User, details: dict) -> list:
    """Ids of people the actor can see who match these details on any blind index."""
    return _visible_duplicates(actor, _unsaved_person(details))


def _visible_duplicates(actor: User, person: Person) -> list:
    return list(
        people_visible_to(actor)
        .filter(same_person_condition(person))
        .values_list("pk", flat=True)[:5]
    )


def _referral_person(
    *,
    actor: User,
    organisation: Organisation,
    person_id,
    new_person: dict | None,
    allow_possible_duplicate: bool,
) -> tuple[Person, bool]:
    """The person referred, and whether anyone else may be recorded as the same person."""
    if (person_id is None) == (new_person is None):
        raise field_error("person", "Give either an existing person or a new person", "required")
    if person_id is not None:
        person = people_visible_to(actor).filter(pk=person_id).first()
        if person is None:
            raise field_error("person", "No such person", "does_not_exist")
        return person, True
    person = _unsaved_person(new_person)
    # Whoever recorded them: one index look-up, which for someone new (the usual case)
    # settles that there is no duplicate to show and no open case to join, without the
    # visibility rules' query or the cases'.
    namesakes = Person.objects.filter(same_person_condition(person)).exists()
    if namesakes and not allow_possible_duplicate:
        existing = _visible_duplicates(actor, person)
        if existing:
            raise field_error(
                "new_person",
                "This may be someone already recorded: "
                + ", ".join(str(pk) for pk in existing)
                + ". Refer them as that person, or confirm this is someone else.",
                "possible_duplicate",
            )
    require(actor, "person.create")
    # Recorded with the referral, in its statement (``_insert_referral``).
    person = _person_recorded_by(person, actor=actor, organisation=organisation)
    # Nobody else: their MARAC flag (referrals.marac) is known without a look-up.
    person.recorded_alone = not namesakes
    return person, namesakes


def _save_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    with_history(referral, actor=actor, reason=reason).save()
    return referral


def _insert_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    """A new referral with its history; their person with theirs when they are new, all in
    one statement."""
    with_history(referral, actor=actor, reason=reason)
    if referral.person._state.adding:
        _record_person(referral.person, along=(referral,))
    else:
        insert_with_history(referral)
    return referral


@transaction.atomic
def referral_create(
    *,
    actor: User,
    organisation: Organisation | None = None,
    person_id=None,
    new_person: dict | None = None,
    allow_possible_duplicate: bool = False,
    status: str = ReferralStatus.DRAFT,
    signpost_service: str = "",
    signpost_note: str = "",
    **details,
) -> Referral:
    require(actor, "referral.create")
    acting = acting_organisation(actor, "referrals.add_referral", organisation)
    referral_person, namesakes = _referral_person(
        actor=actor,
        organisation=acting,
        person_id=person_id,
        new_person=new_person,
        allow_possible_duplicate=allow_possible_duplicate,
    )
    today = timezone.localdate()
    referral = Referral(
        person=referral_person,
        referrer=actor,
        organisation=acting,
        referral_date=today,
        status=ReferralStatus.DRAFT,
        risk_factors=[],
    )
    # Nobody else recorded under the person's indexes has no case for this one to join.
    referral.case = open_case_of_same_person(referral_person) if namesakes else None
    if "area" not in details and acting.area in ReferralArea.values:
        details["area"] = acting.area
    _assign_referral_fields(referral, details)
    _validate_referral_fields(referral, today=today)
    if status == ReferralStatus.SIGNPOSTED:
        if signpost_service not in SignpostService.values:
            raise field_error("signpost_service", "Choose the service signposted to", "required")
        referral.age_at_referral = age_on(referral_person.date_of_birth, today)
        referral.status = ReferralStatus.SIGNPOSTED
        referral.signpost_service = signpost_service
        referral.screening_note = _bounded(
            signpost_note, field="signpost_note", stored_as="screening_note"
        )
        return _insert_referral(referral, actor=actor, reason="Signposted by the referrer")
    _apply_pathway_rules(referral)
    return _insert_referral(referral, actor=actor, reason="Draft referral started")


def _lock_referral(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .get(pk=referral.pk)
    )


def _require_status(referral: Referral, action: str, doing: str) -> None:
    if referral.status not in OPEN_IN[action]:
        raise ConflictError(
            f"Cannot {doing} a referral that is {referral.get_status_display().lower()}"
        )


def _bounded(value, *, field: str, stored_as: str | None = None, required: bool = False) -> str:
    """Free text for a referral field, within the length the model stores."""
    return bounded_text(
        value,
        field=field,
        max_length=model_max_length(Referral, stored_as or field),
        required=required,
        keep_lines=True,
    )


def _move(referral: Referral, status: str) -> None:
    referral.status = status
    referral.status_changed_at = timezone.now()
    referral.version += 1


@transaction.atomic
def referral_update(
    *, actor: User, referral: Referral, expected_version: int | None, **changes
) -> Referral:
    referral = _lock_referral(referral)
    require(actor, "referral.change", referral)
    _require_status(referral, "referral.change", "change")
    require_version(referral, expected_version)
    _assign_referral_fields(referral, changes)
    _validate_referral_fields(referral, today=timezone.localdate())
    _apply_pathway_rules(referral)
    referral.version += 1
    return _save_referral(referral, actor=actor, reason="Referral details changed")


def _require_panel_consent(referral: Referral) -> None:
    # The system re-reads the position: the actor changed no consent by asking.
    if Purpose.PANEL_DISCUSSION not in refresh_permitted_purposes(referral, actor=SYSTEM):
        raise field_error(
            "consent",
            "Record consent for panel discussion, or an approved lawful basis, first",
            "panel_discussion_not_permitted",
        )


@transaction.atomic
def referral_submit(*, actor: User, referral: Referral) -> Referral:
    referral = _lock_referral(referral)
    require(actor, "referral.submit", referral)
    _require_status(referral, "referral.submit", "submit")
    referral.referral_date = timezone.localdate()
    _validate_referral_fields(referral, today=referral.referral_date)
    _apply_pathway_rules(referral)
    _require_panel_consent(referral)
    _move(referral, ReferralStatus.SUBMITTED)
    referral.submitted_at = timezone.now()
    _save_referral(referral, actor=actor, reason="Submitted for screening")
    notification_referral_submitted(referral=referral, actor=actor)
    return referral


class ScreeningOutcome(models.TextChoices):
    ACCEPTED_FOR_PANEL = ReferralStatus.ACCEPTED_FOR_PANEL.value, "Accept for panel"
    RETURNED = ReferralStatus.RETURNED.value, "Return to the referrer with questions"
    DECLINED = ReferralStatus.DECLINED.value, "Decline"
    SIGNPOSTED = ReferralStatus.SIGNPOSTED.value, "Signpost to another service"


@transaction.atomic
def referral_screen(
    *,
    actor: User,
    referral: Referral,
    outcome: str,
    note: str = "",
    questions: str = "",
    signpost_service: str = "",
) -> Referral:
    referral = _lock_referral(referral)
    require(actor, "referral.screen", referral)
    _require_status(referral, "referral.screen", "screen")
    if outcome not in ScreeningOutcome.values:
        raise field_error(
            "outcome", f"Choose one of: {', '.join(ScreeningOutcome.values)}", "invalid_choice"
        )
    note = _bounded(note, field="note", stored_as="screening_note")
    questions = _bounded(questions, field="questions", stored_as="return_questions")
    if outcome == ReferralStatus.ACCEPTED_FOR_PANEL:
        _require_panel_consent(referral)
    elif outcome == ReferralStatus.RETURNED:
        if not questions:
            raise field_error("questions", "Ask the referrer what you need to know", "required")
        referral.return_questions = questions
    elif outcome == ReferralStatus.DECLINED:
        if not note:
            raise field_error("note", "Give the reason for declining", "required")
    elif outcome == ReferralStatus.SIGNPOSTED:
        if signpost_service not in SignpostService.values:
            raise field_error(
                "signpost_service",
                f"Choose one of: {', '.join(SignpostService.values)}",
                "required",
            )
        referral.signpost_service = signpost_service
    referral.screening_note = note
    # Screened again: why it came back is kept in its history, not shown any longer.
    referral.return_to_screening_reason = ""
    referral.screened_by = actor
    referral.screened_at = timezone.now()
    _move(referral, outcome)
    _save_referral(
        referral, actor=actor, reason=f"Screened: {ScreeningOutcome(outcome).label.lower()}"
    )
    if outcome == ReferralStatus.RETURNED:
        notification_referral_returned(referral=referral, actor=actor)
    else:
        notification_referral_decided(referral=referral, actor=actor)
    return referral


@transaction.atomic
def referral_answer(*, actor: User, referral: Referral, answer: str) -> Referral:
    referral = _lock_referral(referral)
    require(actor, "referral.answer", referral)
    _require_status(referral, "referral.answer", "answer questions on")
    answer = _bounded(answer, field="answer", stored_as="referrer_answer")
    if not answer:
        raise field_error("answer", "Answer the coordinator's questions", "required")
    referral.referrer_answer = answer
    _require_panel_consent(referral)
    _move(referral, ReferralStatus.SUBMITTED)
    _save_referral(referral, actor=actor, reason="Questions answered and resubmitted")
    notification_referral_submitted(referral=referral, actor=actor)
    return referral


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, reason: str) -> Referral:
    referral = _lock_referral(referral)
    require(actor, "referral.withdraw", referral)
    _require_status(referral, "referral.withdraw", "withdraw")
    reason = _bounded(reason, field="reason", stored_as="withdrawal_reason")
    if not reason:
        raise field_error("reason", "Say why the referral is withdrawn", "required")
    referral.withdrawal_reason = reason
    _move(referral, ReferralStatus.WITHDRAWN)
    return _save_referral(referral, actor=actor, reason="Withdrawn by the referrer")


RETURN_REASON_MAX_LENGTH = model_max_length(Referral, "return_to_screening_reason")


def _return_reason(cause: str, *, on: datetime.datetime) -> str:
    label = Purpose.PANEL_DISCUSSION.label
    what = cause.format(purpose=label if cause.startswith("{purpose}") else label.lower())
    return f"{what} on {govuk_date(on)}"[:RETURN_REASON_MAX_LENGTH]


@transaction.atomic
def referral_return_to_screening(
    *, actor: User | SystemActor, referral: Referral, cause: str | None = None
) -> Referral:
    """Send a referral accepted for panel back to the coordinators' screening queue once
    neither consent nor an approved lawful basis covers panel discussion any longer, with
    the reason: it can no longer be discussed, and must not wait unseen off every agenda.

    No permission check: this follows a consent change, in its transaction, as the actor who
    made it (``SYSTEM`` when no one did). A referral in any other status is left alone: one
    decided at a meeting has moved on (its case's shares follow consent on their own)."""
    referral = _lock_referral(referral)
    if referral.status not in OPEN_IN["referral.return_to_screening"]:
        return referral
    if Purpose.PANEL_DISCUSSION in referral.permitted_purposes:
        return referral
    now = timezone.now()
    reason = _return_reason(cause or LossCause.NO_LONGER_HOLDS, on=now)
    referral.return_to_screening_reason = reason
    referral.returned_to_screening_at = now
    _move(referral, ReferralStatus.SUBMITTED)
    _save_referral(
        referral,
        actor=actor,
        reason=f"Returned to screening: {reason}"[:CHANGE_REASON_MAX_LENGTH],
    )
    # Back in the screening queue: its coordinators hear of it as of a new one.
    notification_referral_submitted(referral=referral, actor=actor)
    return referral
