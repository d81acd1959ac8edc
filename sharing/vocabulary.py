"""The words every disclosure is described in: why it is made and what it carries.

Purposes and data categories are shared by the referral's consent and lawful basis records,
the disclosure rule table, information sharing agreements and the disclosure ledger, so a
rule, an agreement and a ledger entry name the same thing the same way.
"""

from collections.abc import Iterable

from django.db import models


class Purpose(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    PANEL_DISCUSSION = "panel_discussion", "Panel discussion"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    INTERVENTION_DELIVERY = "intervention_delivery", "Intervention delivery"


class DataCategory(models.TextChoices):
    """The categories UK GDPR and the DPA 2018 treat differently: identity is personal data
    (Article 6 alone); health is special category data (Article 9 and, for its conditions,
    DPA 2018 Schedule 1); criminal offence data is Article 10 and DPA 2018 s.10(5); a
    safeguarding narrative is personal data that may reveal either: where a record's does,
    the record is taken to carry health or criminal offence data too
    (``referrals.disclosure.referral_data_categories``), so the rule that permits sharing it
    must hold the Article 9 or Article 10 condition."""

    IDENTITY = "identity", "Identity"
    HEALTH = "health", "Health"
    CRIMINAL_OFFENCE = "criminal_offence", "Criminal offence"
    SAFEGUARDING_NARRATIVE = "safeguarding_narrative", "Safeguarding narrative"


def labels(choices: type[models.TextChoices], codes: Iterable[str]) -> list[str]:
    """The words for ``codes``, in the order ``choices`` declares them: the same order
    whatever order the codes came in, so the ledger and the reasons read alike."""
    wanted = set(codes)
    return [str(label) for value, label in choices.choices if value in wanted]


def in_words(choices: type[models.TextChoices], codes: Iterable[str]) -> str:
    """``labels`` in a sentence (or the ledger's ``data_categories``): "identity, health"."""
    return ", ".join(label.lower() for label in labels(choices, codes))
