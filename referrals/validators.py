"""Checks on personal details, each with a reason a caseworker can act on."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

# The Royal Mail formats: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA.
POSTCODE_PATTERN = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
EARLIEST_DATE_OF_BIRTH = datetime.date(1900, 1, 1)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value.upper())
    match = POSTCODE_PATTERN.match(compact)
    if not match:
        raise ValidationError("Enter a real UK postcode, like DL1 5AD", code="invalid_postcode")
    return f"{match.group(1)} {match.group(2)}"


def postcode_district(postcode: str) -> str:
    """The outward code (``DL1`` of ``DL1 5AD``): coarse enough to report on."""
    return normalise_postcode(postcode).split(" ")[0]


def normalise_nhs_number(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValidationError("An NHS number is 10 digits", code="invalid_nhs_number")
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValidationError(
            "This is not a valid NHS number: its check digit does not match",
            code="invalid_nhs_number",
        )
    return digits


def normalise_unique_pupil_number(value: str) -> str:
    compact = re.sub(r"\s", "", value.upper())
    # A UPN is a check letter, 11 digits, and a final digit or letter (DfE specification).
    if not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", compact):
        raise ValidationError(
            "A unique pupil number is 13 characters: a letter, 11 digits, then a digit or letter",
            code="invalid_unique_pupil_number",
        )
    return compact


def normalise_police_reference(value: str) -> str:
    compact = re.sub(r"\s", "", value.upper())
    if not re.fullmatch(r"[A-Z0-9/\-]{4,30}", compact):
        raise ValidationError(
            "A police reference is 4 to 30 letters, digits, slashes or hyphens",
            code="invalid_police_reference",
        )
    return compact


def validate_date_of_birth(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("Date of birth must be today or in the past", code="future_date")
    if value < EARLIEST_DATE_OF_BIRTH:
        raise ValidationError("Date of birth must be after 1 January 1900", code="too_early")
