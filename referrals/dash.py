"""The Dash risk checklists, their banding and the MARAC referral criteria, encoded once.

Authorities (read 2026-11):
- SafeLives, "Dash risk checklist" (2009; formerly the CAADA-DASH Risk Identification
  Checklist, RIC): 24 questions for professionals working with adult victims of domestic
  abuse, and "the thresholds for referral to Marac"
  (safelives.org.uk/practice-support/resources-identifying-risk-victims-face).
  Fourteen or more "yes" answers is "visible high risk".
- ACPO/College of Policing DASH (2009) risk assessment, "a specific police version of the
  risk checklist, which is used by most police forces in England and Wales" (same page): 27
  questions, the SafeLives 24 plus three about children and dependants in the household.
- Local practice bands, as published for example by Plymouth Safeguarding Children
  Partnership ("Safe Lives DASH RIC Checklist", plymouthscb.co.uk): 1-9 standard, 10-13
  medium, 14 and above high. A score of 0 is standard too.
- SafeLives Marac referral criteria: visible high risk (14+ on the RIC), professional
  judgement, potential escalation (it is "common practice to start with 3 or more police
  callouts in a 12 month period") and repeat (``referrals.marac``).

The questions are short paraphrases of each checklist's topics, in its order, so that an
answer is stored against its number and read back against its question.
"""

from dataclasses import dataclass

from django.db import models

from referrals.pathways import RiskLevel


class DashChecklist(models.TextChoices):
    SAFELIVES_RIC_2009 = (
        "safelives_ric_2009",
        "SafeLives Dash risk identification checklist (24 questions)",
    )
    POLICE_DASH_2009 = "police_dash_2009", "Police DASH risk assessment (27 questions)"


class DashAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


_SHARED_BEFORE = (
    "Has the current incident resulted in injury?",
    "Is the victim very frightened?",
    "Is the victim afraid of further injury or violence?",
    "Does the victim feel isolated from family or friends?",
    "Is the victim feeling depressed or having suicidal thoughts?",
    "Has the victim separated, or tried to separate, from the abuser in the past year?",
    "Is there conflict over child contact?",
    "Does the abuser constantly text, call, contact, follow, stalk or harass the victim?",
    "Is the victim pregnant, or have they had a baby in the past 18 months?",
)
# Only the police version asks these, between the two shared runs.
_POLICE_ONLY = (
    "Are there children or stepchildren who are not the abuser's, or other dependants, "
    "in the household?",
    "Has the abuser ever hurt the children or dependants?",
    "Has the abuser ever threatened to hurt or kill the children or dependants?",
)
_SHARED_AFTER = (
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything the victim does, or are they excessively jealous?",
    "Has the abuser ever used weapons or objects to hurt the victim?",
    "Has the abuser ever threatened to kill the victim or someone else, and were they believed?",
    "Has the abuser ever attempted to strangle, choke, suffocate or drown the victim?",
    "Does the abuser do or say things of a sexual nature that make the victim feel bad or "
    "that physically hurt them or someone else?",
    "Is there any other person who has threatened the victim, or whom the victim is afraid of?",
    "Has the abuser hurt anyone else (children, siblings, older relatives, strangers)?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there any financial issues, such as dependence on the abuser for money?",
    "Has the abuser had problems in the past year with drugs, alcohol or mental health?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser ever broken bail, an injunction or a formal agreement about contact?",
    "Has the abuser ever been in trouble with the police, or do they have a criminal history?",
)

QUESTIONS: dict[str, tuple[str, ...]] = {
    DashChecklist.SAFELIVES_RIC_2009: _SHARED_BEFORE + _SHARED_AFTER,
    DashChecklist.POLICE_DASH_2009: _SHARED_BEFORE + _POLICE_ONLY + _SHARED_AFTER,
}
assert len(QUESTIONS[DashChecklist.SAFELIVES_RIC_2009]) == 24
assert len(QUESTIONS[DashChecklist.POLICE_DASH_2009]) == 27

LONGEST_CHECKLIST = max(len(questions) for questions in QUESTIONS.values())

# Local practice bands: the lowest score of each band, highest first.
BANDS: tuple[tuple[int, str], ...] = (
    (14, RiskLevel.HIGH),
    (10, RiskLevel.MEDIUM),
    (0, RiskLevel.STANDARD),
)
# SafeLives: 14 or more ticks on the checklist is "visible high risk", a Marac criterion.
VISIBLE_HIGH_RISK = 14
# SafeLives: potential escalation, commonly 3 or more police callouts in 12 months.
ESCALATION_POLICE_CALLOUTS = 3


def score(answers) -> int:
    """The number of "yes" answers: "not known" counts as no, as on the checklist."""
    return sum(1 for answer in answers if answer == DashAnswer.YES)


def band(points: int) -> str:
    return next(level for lowest, level in BANDS if points >= lowest)


class MaracCriterion(models.TextChoices):
    VISIBLE_HIGH_RISK = "visible_high_risk", "Visible high risk (14 or more on the checklist)"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"
    POTENTIAL_ESCALATION = "potential_escalation", "Potential escalation"
    REPEAT = "repeat", "Repeat: within 12 months of the last MARAC referral"


@dataclass(frozen=True)
class MaracFacts:
    score: int
    professional_judgement_reason: str = ""
    police_callouts_last_12_months: int | None = None
    escalation_reason: str = ""
    repeat: bool = False


def marac_criteria(facts: MaracFacts) -> list[str]:
    """Which of SafeLives' four criteria are met; any one alone makes a MARAC referral."""
    met = []
    if facts.score >= VISIBLE_HIGH_RISK:
        met.append(MaracCriterion.VISIBLE_HIGH_RISK)
    if facts.professional_judgement_reason.strip():
        met.append(MaracCriterion.PROFESSIONAL_JUDGEMENT)
    if (
        facts.police_callouts_last_12_months or 0
    ) >= ESCALATION_POLICE_CALLOUTS or facts.escalation_reason.strip():
        met.append(MaracCriterion.POTENTIAL_ESCALATION)
    if facts.repeat:
        met.append(MaracCriterion.REPEAT)
    return met
