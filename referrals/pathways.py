"""The partnership's four pathways, their risk checklists, and who is eligible for each.

Each eligibility rule is one function that returns the reasons a referral fails it, as
codes with plain words, so the API, the web pages and the tests all speak of the same rule.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models


class Pathway(models.TextChoices):
    U18_PREVENTION = "u18_prevention", "Prevention and early intervention (18 and under)"
    NTE_ALCOHOL = "nte_alcohol", "Alcohol-related violence in the night-time economy"
    ADULT_18_35 = "adult_18_35", "Adults aged 18 to 35 involved in serious violence"
    DA_KNIFE_REPEAT = "da_knife_repeat", "Repeat domestic abuse with a knife or sharp instrument"


class RiskFactor(models.TextChoices):
    KNIFE_CARRYING = "knife_carrying", "Knife carrying"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Criminal exploitation"
    GANG_ASSOCIATION = "gang_association", "Gang association"
    SCHOOL_EXCLUSION = "school_exclusion", "School exclusion"
    MISSING_EPISODES = "missing_episodes", "Missing episodes"
    VICTIM_OF_VIOLENCE = "victim_of_violence", "Victim of violence"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    ALCOHOL = "alcohol", "Alcohol"
    PREVIOUS_VIOLENCE = "previous_violence", "Previous violence"
    DOMESTIC_ABUSE_HISTORY = "domestic_abuse_history", "Domestic abuse history"


class RiskLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.STANDARD: 2}

R = RiskFactor
RISK_CHECKLIST: dict[str, tuple[str, ...]] = {
    Pathway.U18_PREVENTION: (
        R.KNIFE_CARRYING,
        R.CRIMINAL_EXPLOITATION,
        R.GANG_ASSOCIATION,
        R.SCHOOL_EXCLUSION,
        R.MISSING_EPISODES,
        R.VICTIM_OF_VIOLENCE,
        R.SUBSTANCE_MISUSE,
        R.ALCOHOL,
        R.PREVIOUS_VIOLENCE,
        R.DOMESTIC_ABUSE_HISTORY,
    ),
    Pathway.NTE_ALCOHOL: (
        R.ALCOHOL,
        R.SUBSTANCE_MISUSE,
        R.KNIFE_CARRYING,
        R.PREVIOUS_VIOLENCE,
        R.VICTIM_OF_VIOLENCE,
    ),
    Pathway.ADULT_18_35: (
        R.KNIFE_CARRYING,
        R.CRIMINAL_EXPLOITATION,
        R.GANG_ASSOCIATION,
        R.VICTIM_OF_VIOLENCE,
        R.SUBSTANCE_MISUSE,
        R.ALCOHOL,
        R.PREVIOUS_VIOLENCE,
        R.DOMESTIC_ABUSE_HISTORY,
    ),
    Pathway.DA_KNIFE_REPEAT: (
        R.KNIFE_CARRYING,
        R.SUBSTANCE_MISUSE,
        R.ALCOHOL,
        R.PREVIOUS_VIOLENCE,
        R.DOMESTIC_ABUSE_HISTORY,
        R.VICTIM_OF_VIOLENCE,
    ),
}

RULES_IN_WORDS: dict[str, tuple[str, ...]] = {
    Pathway.U18_PREVENTION: (
        "Aged 18 and under on the referral date (the strategy's own words): 18-year-olds "
        "are eligible, and at 19 a case is prompted for transition to an adult pathway.",
        "Involved in, or at risk of being drawn into, serious violence.",
    ),
    Pathway.NTE_ALCOHOL: (
        "Aged 18 or over on the referral date.",
        "An incident in the night-time economy, with its time and place recorded.",
        "Alcohol was a factor.",
    ),
    Pathway.ADULT_18_35: (
        "Aged 18 to 35 inclusive on the referral date.",
        "Already involved in serious violence.",
        "The pathway's focus is men: anyone else may be referred with a recorded reason, "
        "and the panel sees a flag.",
    ),
    Pathway.DA_KNIFE_REPEAT: (
        "Aged 16 or over on the referral date (under 16 is a matter for children's "
        "safeguarding, not domestic abuse in law).",
        "A domestic abuse incident involving a knife or sharp instrument.",
        "Repeat: a previous domestic abuse incident within the 12 months before this one, "
        "in the same role (a repeat victim, a repeat perpetrator), stated by the referrer or "
        "found in earlier referrals.",
        "The person's role is recorded: victim or perpetrator.",
        "For a victim, the Dash checklist is completed: 14 or more yes answers is high risk. "
        "That, professional judgement, potential escalation or a repeat within 12 months of "
        "the last MARAC referral for the same victim and perpetrator means a MARAC referral.",
    ),
}

# The strategy defines the prevention priority as young people "aged 18 and under".
PREVENTION_MAX_AGE = 18


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass
class Eligibility:
    reasons: list[Reason] = field(default_factory=list)
    flags: list[Reason] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    """Whole years. A 29 February birthday falls on 1 March in other years, as in UK law."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


def one_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def within_repeat_window(previous: datetime.date, incident: datetime.date) -> bool:
    """Previous incident on or after the same calendar date a year earlier, and before this one.

    "Within 12 months" counts the anniversary itself: 365 days earlier is inside in a year
    without 29 February, 366 days earlier is outside (and inside when the span has a 29 Feb).
    """
    return one_year_before(incident) <= previous < incident


def birthday(date_of_birth: datetime.date, age: int) -> datetime.date:
    """The day someone reaches ``age``: a 29 February birthday falls on 1 March in other
    years, as ``age_on`` counts it."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return datetime.date(date_of_birth.year + age, 3, 1)


def past_prevention_age(date_of_birth: datetime.date, on: datetime.date) -> bool:
    """Too old for the prevention pathway on ``on``: from the 19th birthday."""
    return age_on(date_of_birth, on) > PREVENTION_MAX_AGE


def rule_u18_prevention(*, age: int, **_) -> list[Reason]:
    if age > PREVENTION_MAX_AGE:
        return [
            Reason(
                "age_19_or_over",
                f"Aged {age} on the referral date: this pathway is for ages 18 and under; "
                "consider an adult pathway.",
            )
        ]
    return []


def rule_nte_alcohol(
    *, age: int, night_time_economy: bool, incident_time, incident_place: str, risk_factors, **_
) -> list[Reason]:
    reasons = []
    if age < 18:
        reasons.append(
            Reason(
                "age_under_18",
                f"Aged {age} on the referral date: this pathway is for adults; "
                "consider prevention and early intervention.",
            )
        )
    if not night_time_economy:
        reasons.append(
            Reason("not_night_time_economy", "The incident must be in the night-time economy.")
        )
    if incident_time is None or not (incident_place or "").strip():
        reasons.append(
            Reason("incident_time_and_place_required", "Record the time and place of the incident.")
        )
    if RiskFactor.ALCOHOL not in (risk_factors or []):
        reasons.append(Reason("alcohol_not_a_factor", "Alcohol must be a factor for this pathway."))
    return reasons


def rule_adult_18_35(*, age: int, **_) -> list[Reason]:
    if age < 18:
        return [
            Reason(
                "age_under_18",
                f"Aged {age} on the referral date: this pathway is for 18 to 35; "
                "consider prevention and early intervention.",
            )
        ]
    if age > 35:
        return [
            Reason("age_over_35", f"Aged {age} on the referral date: this pathway is for 18 to 35.")
        ]
    return []


def rule_adult_focus(
    *, gender: str, outside_focus_reason: str, **_
) -> tuple[list[Reason], list[Reason]]:
    """The focus is men: anyone else needs a recorded reason, and the panel is told."""
    if gender == "male":
        return [], []
    if not (outside_focus_reason or "").strip():
        return [
            Reason(
                "outside_focus_reason_required",
                "This pathway focuses on men: record why this referral should still go ahead.",
            )
        ], []
    return [], [
        Reason(
            "outside_pathway_focus", "Referred outside the pathway's focus on men; reason recorded."
        )
    ]


def rule_da_knife_repeat(
    *,
    age: int,
    domestic_abuse_incident: bool,
    knife_or_sharp_instrument: bool,
    domestic_abuse_role: str,
    incident_date: datetime.date | None,
    previous_incident_date: datetime.date | None,
    found_previous_incident_date: datetime.date | None,
    **_,
) -> list[Reason]:
    if age < 16:
        return [
            Reason(
                "under_16_children_safeguarding",
                f"Aged {age}: under 16 is not domestic abuse in law. Refer to children's "
                "social care under local safeguarding children procedures.",
            )
        ]
    reasons = []
    if not domestic_abuse_incident:
        reasons.append(Reason("not_domestic_abuse", "There must be a domestic abuse incident."))
    if not knife_or_sharp_instrument:
        reasons.append(
            Reason(
                "no_knife_or_sharp_instrument",
                "The incident must involve a knife or sharp instrument.",
            )
        )
    if domestic_abuse_role not in {"victim", "perpetrator"}:
        reasons.append(
            Reason("role_required", "Record whether the person is the victim or the perpetrator.")
        )
    previous = [d for d in (previous_incident_date, found_previous_incident_date) if d]
    if incident_date is None or not any(within_repeat_window(d, incident_date) for d in previous):
        reasons.append(
            Reason(
                "not_repeat",
                "Not a repeat: no previous domestic abuse incident in the 12 months before "
                "this one was stated or found with the person in the same role.",
            )
        )
    return reasons


def assess(*, pathway: str, **facts) -> Eligibility:
    result = Eligibility()
    if pathway == Pathway.U18_PREVENTION:
        result.reasons += rule_u18_prevention(**facts)
    elif pathway == Pathway.NTE_ALCOHOL:
        result.reasons += rule_nte_alcohol(**facts)
    elif pathway == Pathway.ADULT_18_35:
        result.reasons += rule_adult_18_35(**facts)
        if not result.reasons:
            reasons, flags = rule_adult_focus(**facts)
            result.reasons += reasons
            result.flags += flags
    elif pathway == Pathway.DA_KNIFE_REPEAT:
        result.reasons += rule_da_knife_repeat(**facts)
    else:
        result.reasons.append(Reason("unknown_pathway", f"There is no pathway called {pathway!r}."))
    return result
