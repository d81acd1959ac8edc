"""The reporting store: de-identified facts behind every figure (see ``figures.store``)."""

from figures.models.referral_facts import ReferralFact  # noqa: F401
from figures.models.referral_tally import ReferralTally  # noqa: F401
from figures.models.stale import StaleSubject

__all__ = ["StaleSubject"]
