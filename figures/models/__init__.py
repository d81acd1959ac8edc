"""The reporting store: de-identified facts behind every figure (see ``figures.store``)."""

from figures.models.allocation_facts import AllocationFact  # noqa: F401
from figures.models.outcome_facts import OutcomeFact, ReferralFollowUpFact  # noqa: F401
from figures.models.stale import StaleSubject

__all__ = ["StaleSubject"]
