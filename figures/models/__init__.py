"""The reporting store: de-identified facts behind every figure (see ``figures.store``)."""

from figures.models.allocation_facts import AllocationFact
from figures.models.area_measures import AreaMeasure, MeasureArea, MeasureKind
from figures.models.outcome_facts import OutcomeFact, ReferralFollowUpFact
from figures.models.referral_facts import ReferralFact
from figures.models.referral_tally import ReferralTally
from figures.models.sharing_facts import SharingFact, SharingFactKind
from figures.models.stale import StaleSubject
from figures.models.tallies import AllocationTally, FollowUpTally, OutcomeTally, SharingTally

__all__ = [
    "AllocationFact",
    "AllocationTally",
    "AreaMeasure",
    "FollowUpTally",
    "MeasureArea",
    "MeasureKind",
    "OutcomeFact",
    "OutcomeTally",
    "ReferralFact",
    "ReferralFollowUpFact",
    "ReferralTally",
    "SharingFact",
    "SharingFactKind",
    "SharingTally",
    "StaleSubject",
]
