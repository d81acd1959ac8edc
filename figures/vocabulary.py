"""The coarse categories facts are counted in, defined once for every figure set.

Age bands follow the partnership's pathways (prevention to 18, adults 18 to 35) and the
Youth Justice Board's age groups for children (10 to 13, 14 to 15, 16 to 17), with 18 kept
with the under-18s as the prevention pathway does.
"""

from django.db import models

NOT_KNOWN = "not_known"


class AgeBand(models.TextChoices):
    UNDER_10 = "under_10", "Under 10"
    FROM_10_TO_13 = "10_to_13", "10 to 13"
    FROM_14_TO_15 = "14_to_15", "14 to 15"
    FROM_16_TO_18 = "16_to_18", "16 to 18"
    FROM_19_TO_24 = "19_to_24", "19 to 24"
    FROM_25_TO_35 = "25_to_35", "25 to 35"
    FROM_36 = "36_and_over", "36 and over"


# The oldest age of each band, youngest band first (the last band has no upper age).
_BAND_UPPER_AGES = (
    (9, AgeBand.UNDER_10),
    (13, AgeBand.FROM_10_TO_13),
    (15, AgeBand.FROM_14_TO_15),
    (18, AgeBand.FROM_16_TO_18),
    (24, AgeBand.FROM_19_TO_24),
    (35, AgeBand.FROM_25_TO_35),
)


def age_band(age: int) -> str:
    """The band (an ``AgeBand`` code) of an age in whole years."""
    if age < 0:
        raise ValueError("An age cannot be negative")
    for oldest, band in _BAND_UPPER_AGES:
        if age <= oldest:
            return band
    return AgeBand.FROM_36


class ScreeningOutcome(models.TextChoices):
    """Where screening left a submitted referral (a panel's later decision is separate)."""

    ACCEPTED = "accepted", "Accepted for panel"
    RETURNED = "returned", "Returned to the referrer"
    DECLINED = "declined", "Declined"
    SIGNPOSTED = "signposted", "Signposted"
    WITHDRAWN = "withdrawn", "Withdrawn before a decision"
    NOT_YET_SCREENED = "not_yet_screened", "Not yet screened"


SCREENED = (
    ScreeningOutcome.ACCEPTED,
    ScreeningOutcome.RETURNED,
    ScreeningOutcome.DECLINED,
    ScreeningOutcome.SIGNPOSTED,
)

# Equality groups. Until the person's equality information (referrals.equality, issue 13)
# is merged, every referral is counted as "Not known"; at merge these become
# ``EthnicGroup.choices`` and ``Disability.choices`` (see figures.facts.referrals._equality).
ETHNIC_GROUP_CHOICES: list[tuple[str, str]] = [(NOT_KNOWN, "Not known")]
DISABILITY_CHOICES: list[tuple[str, str]] = [(NOT_KNOWN, "Not known")]
