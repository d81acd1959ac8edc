"""The reporting store: de-identified facts behind every figure (see ``figures.store``)."""

from figures.models.area_measures import AreaMeasure, MeasureArea, MeasureKind
from figures.models.referral_facts import ReferralFact  # noqa: F401
from figures.models.referral_tally import ReferralTally  # noqa: F401
from figures.models.sharing_facts import SharingFact, SharingFactKind
from figures.models.stale import StaleSubject

__all__ = [
    "AreaMeasure",
    "MeasureArea",
    "MeasureKind",
    "SharingFact",
    "SharingFactKind",
    "StaleSubject",
]
