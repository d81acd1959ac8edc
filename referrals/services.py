"""Writes to people. Each function validates everything before it writes anything, runs in
one transaction, and records the acting user and the reason in the change history."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from guardian.shortcuts import assign_perm

from config.exceptions import ConflictError, field_error
from partners.models import Organisation, User
from partners.selectors import organisations_where_user_can, user_can
from referrals import validators
from referrals.encryption import blind_index, normalise_identifier, normalise_name
from referrals.models import BlindIndex, Gender, Person
from referrals.selectors import people_visible_to

NAME_MAX_LENGTH = 100
ADDRESS_MAX_LENGTH = 500
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
)


def _clean_text(value, *, field: str, max_length: int, required: bool, errors: dict) -> str:
    text = " ".join((value or "").split()) if field != "address" else (value or "").strip()
    if required and not text:
        errors[field] = ValidationError("This field is required", code="required")
    elif len(text) > max_length:
        errors[field] = ValidationError(
            f"Must be {max_length} characters or fewer", code="max_length"
        )
    return text


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


def _acting_organisation(
    *, actor: User, permission: str, organisation: Organisation | None
) -> Organisation:
    allowed = organisations_where_user_can(actor, permission)
    if not allowed:
        raise PermissionDenied("Your role does not allow this")
    if organisation is None:
        if len(allowed) > 1:
            raise field_error(
                "organisation", "You act for more than one organisation: say which one", "required"
            )
        return allowed[0]
    if organisation.pk not in {org.pk for org in allowed}:
        raise field_error(
            "organisation",
            "You do not hold a role that allows this in that organisation",
            "invalid",
        )
    return organisation


@transaction.atomic
def person_create(
    *, actor: User, organisation: Organisation | None = None, reason: str = "", **fields
) -> Person:
    acting_organisation = _acting_organisation(
        actor=actor, permission="referrals.add_person", organisation=organisation
    )
    cleaned = _clean_person_fields(fields, partial=False)
    person = Person(**cleaned, created_by=actor, created_by_organisation=acting_organisation)
    person.refresh_blind_indexes()
    person._history_user = actor
    person._change_reason = reason or f"Recorded by {acting_organisation.name}"
    person.save()
    # The recording organisation sees and maintains its own record; any other sharing is
    # an explicit, audited decision made elsewhere (a referral, a case share).
    for permission in ("referrals.view_person", "referrals.change_person"):
        assign_perm(permission, acting_organisation.group, person)
    return person


@transaction.atomic
def person_update(
    *, actor: User, person: Person, expected_version: int, reason: str = "", **changes
) -> Person:
    editable = people_visible_to(actor, permission="referrals.change_person")
    locked = editable.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        # Visible but not editable is a refusal; not visible at all stays a 404 upstream.
        raise PermissionDenied("You may not change this person's details")
    if locked.version != expected_version:
        raise ConflictError()
    cleaned = _clean_person_fields(changes, partial=True)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.refresh_blind_indexes()
    locked.version += 1
    locked._history_user = actor
    locked._change_reason = reason or "Details corrected"
    locked.save()
    return locked


@dataclass(frozen=True)
class MatchQuery:
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    nhs_number: str = ""
    police_reference: str = ""
    unique_pupil_number: str = ""


def _match_indexes(query: MatchQuery) -> Q:
    errors: dict[str, ValidationError] = {}
    condition = Q()
    has_criterion = False
    if query.family_name or query.date_of_birth:
        if not (query.family_name and query.date_of_birth):
            field = "date_of_birth" if query.family_name else "family_name"
            errors[field] = ValidationError(
                "Family name and date of birth are searched together", code="required"
            )
        else:
            has_criterion = True
            condition |= Q(
                family_name_dob_index=blind_index(
                    BlindIndex.FAMILY_NAME_AND_DATE_OF_BIRTH,
                    f"{normalise_name(query.family_name)}|{query.date_of_birth.isoformat()}",
                )
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
        condition |= Q(
            **{f"{field}_index": blind_index(domains[field], normalise_identifier(value))}
        )
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
    return condition


def person_match(*, actor: User, query: MatchQuery) -> QuerySet:
    """People matching exactly, among those the actor may see: others' existence never leaks."""
    if not user_can(actor, "referrals.view_person"):
        raise PermissionDenied("Your role does not allow looking people up")
    return people_visible_to(actor).filter(_match_indexes(query))
