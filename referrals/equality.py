"""Equality information about a person: ethnic group and disability, asked so that the
partnership can check that referrals and outcomes are fair across groups (the public sector
equality duty, Equality Act 2010 s.149). Both are optional: blank means not asked yet, and
is counted and shown as "Not known".

The codes are stored (sealed) on ``Person`` and counted by the figures: never rename one.
"""

from django.db import models

# Ethnic group: the Government Statistical Service (GSS) harmonised standard for England,
# the categories of the ONS Census 2021 question "What is your ethnic group?", in its
# wording and order: 19 backgrounds within 5 high-level groups.
# https://analysisfunction.civilservice.gov.uk/policy-store/ethnicity-harmonised-standard/
# https://www.gov.uk/government/consultations/equality-race-and-disability-bill-mandatory-ethnicity-and-disability-pay-gap-reporting/annex-c-government-statistical-service-harmonised-categories-for-ethnicity


class EthnicGroup(models.TextChoices):
    """The high-level groups the figures report by."""

    WHITE = "white", "White"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    ASIAN = "asian", "Asian or Asian British"
    BLACK = "black", "Black, Black British, Caribbean or African"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """The detailed background (each within one ``EthnicGroup``)."""

    WHITE_BRITISH = "white_british", "English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "Irish"
    WHITE_GYPSY_OR_IRISH_TRAVELLER = "white_gypsy_or_irish_traveller", "Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "Roma"
    WHITE_OTHER = "white_other", "Any other White background"
    MIXED_WHITE_AND_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "White and Black Caribbean"
    MIXED_WHITE_AND_BLACK_AFRICAN = "mixed_white_black_african", "White and Black African"
    MIXED_WHITE_AND_ASIAN = "mixed_white_asian", "White and Asian"
    MIXED_OTHER = "mixed_other", "Any other Mixed or Multiple ethnic background"
    ASIAN_INDIAN = "asian_indian", "Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi", "Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Chinese"
    ASIAN_OTHER = "asian_other", "Any other Asian background"
    BLACK_CARIBBEAN = "black_caribbean", "Caribbean"
    BLACK_AFRICAN = "black_african", "African"
    BLACK_OTHER = "black_other", "Any other Black, Black British, or Caribbean background"
    OTHER_ARAB = "other_arab", "Arab"
    OTHER_ANY = "other_any", "Any other ethnic group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_KNOWN = "not_known", "Not known"


# Each background's group, in the standard's order of groups (which the question follows).
GROUP_OF: dict[str, str] = {
    Ethnicity.WHITE_BRITISH: EthnicGroup.WHITE,
    Ethnicity.WHITE_IRISH: EthnicGroup.WHITE,
    Ethnicity.WHITE_GYPSY_OR_IRISH_TRAVELLER: EthnicGroup.WHITE,
    Ethnicity.WHITE_ROMA: EthnicGroup.WHITE,
    Ethnicity.WHITE_OTHER: EthnicGroup.WHITE,
    Ethnicity.MIXED_WHITE_AND_BLACK_CARIBBEAN: EthnicGroup.MIXED,
    Ethnicity.MIXED_WHITE_AND_BLACK_AFRICAN: EthnicGroup.MIXED,
    Ethnicity.MIXED_WHITE_AND_ASIAN: EthnicGroup.MIXED,
    Ethnicity.MIXED_OTHER: EthnicGroup.MIXED,
    Ethnicity.ASIAN_INDIAN: EthnicGroup.ASIAN,
    Ethnicity.ASIAN_PAKISTANI: EthnicGroup.ASIAN,
    Ethnicity.ASIAN_BANGLADESHI: EthnicGroup.ASIAN,
    Ethnicity.ASIAN_CHINESE: EthnicGroup.ASIAN,
    Ethnicity.ASIAN_OTHER: EthnicGroup.ASIAN,
    Ethnicity.BLACK_CARIBBEAN: EthnicGroup.BLACK,
    Ethnicity.BLACK_AFRICAN: EthnicGroup.BLACK,
    Ethnicity.BLACK_OTHER: EthnicGroup.BLACK,
    Ethnicity.OTHER_ARAB: EthnicGroup.OTHER,
    Ethnicity.OTHER_ANY: EthnicGroup.OTHER,
    Ethnicity.PREFER_NOT_TO_SAY: EthnicGroup.PREFER_NOT_TO_SAY,
    Ethnicity.NOT_KNOWN: EthnicGroup.NOT_KNOWN,
}
# The groups that hold backgrounds (the others are answers in their own right).
BACKGROUND_GROUPS = (
    EthnicGroup.WHITE,
    EthnicGroup.MIXED,
    EthnicGroup.ASIAN,
    EthnicGroup.BLACK,
    EthnicGroup.OTHER,
)


def ethnicity_group(code: str) -> str:
    """The high-level group (an ``EthnicGroup`` code) of a stored ethnicity code; blank, not
    asked yet, is ``EthnicGroup.NOT_KNOWN``. An unknown code raises ``KeyError``: a figure
    never silently miscounts."""
    if not code:
        return EthnicGroup.NOT_KNOWN
    return GROUP_OF[code]


def ethnicity_in_words(code: str) -> str:
    """An answer as a page shows it: the group and the background ("White: Irish"), since
    some backgrounds ("Irish", "African") only say it all with their group."""
    if not code or code == Ethnicity.NOT_KNOWN:
        return Ethnicity.NOT_KNOWN.label
    group = ethnicity_group(code)
    if group not in BACKGROUND_GROUPS:
        return Ethnicity(code).label
    return f"{EthnicGroup(group).label}: {Ethnicity(code).label}"


def grouped_ethnicity_choices() -> list:
    """Django's grouped choices (group label, [(code, label), ...]) in the standard's order,
    then the answers that are not a background: a question asks the group, then the
    background within it."""
    grouped = [
        (
            EthnicGroup(group).label,
            [(c, Ethnicity(c).label) for c, g in GROUP_OF.items() if g == group],
        )
        for group in BACKGROUND_GROUPS
    ]
    return [
        *grouped,
        (Ethnicity.PREFER_NOT_TO_SAY.value, Ethnicity.PREFER_NOT_TO_SAY.label),
        (Ethnicity.NOT_KNOWN.value, Ethnicity.NOT_KNOWN.label),
    ]


# Disability as the Equality Act 2010 (s.6) defines it, asked in the GSS harmonised
# standard's words: a physical or mental health condition or illness lasting or expected to
# last 12 months or more (long-lasting health conditions and illness standard) that reduces
# the ability to carry out day-to-day activities (activity restriction standard). One
# question with four answers: the figures need only whether someone is disabled.
# https://analysisfunction.civilservice.gov.uk/policy-store/long-lasting-health-conditions-and-illness/
DISABILITY_QUESTION = (
    "Do they have a physical or mental health condition or illness lasting, or expected to "
    "last, 12 months or more that reduces their ability to carry out day-to-day activities?"
)


class Disability(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_KNOWN = "not_known", "Not known"


def disability_answer(code: str) -> str:
    """A stored disability code as counted: blank, not asked yet, is ``NOT_KNOWN``."""
    if not code:
        return Disability.NOT_KNOWN
    return Disability(code).value


def disability_in_words(code: str) -> str:
    return Disability(disability_answer(code)).label


# Why both are asked, on every page and in the API where a person's identity is entered.
WHY_ASKED = (
    "We ask this to check that referrals and support are fair across groups. It is "
    "optional, and only counted in figures that never name anyone."
)
