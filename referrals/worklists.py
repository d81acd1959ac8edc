"""The home page's referral worklists: what is waiting for a coordinator or a referrer."""

import datetime

from django.utils import timezone

from audit.recorder import listed
from core.navigation import WORKLIST_LENGTH, register_worklist
from referrals.models import ConsentDecision, ReferralStatus
from referrals.permissions import can
from referrals.selectors import referrals_visible_to, screening_queue

# A coordinator hears of consent refused or withdrawn in the last fortnight: it may end
# shares and allocations, and the family may need a different offer.
CONSENT_CHANGE_WINDOW = datetime.timedelta(days=14)


def _shown(user, referrals) -> list:
    return listed(
        user,
        referrals,
        object_type="referral",
        person_of=lambda referral: referral.person_id,
        limit=WORKLIST_LENGTH,
    )


def coordinator_worklist(user) -> dict:
    since = timezone.now() - CONSENT_CHANGE_WINDOW
    consent_changed = (
        referrals_visible_to(user)
        .filter(
            consents__recorded_at__gte=since,
            consents__decision__in=[ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN],
        )
        .exclude(status__in=[ReferralStatus.WITHDRAWN, ReferralStatus.DECLINED])
        .select_related("person")
        .distinct()
        .order_by("-updated_at")
    )
    # Accepted for panel, then consent or its lawful basis was lost: back to be screened again.
    returned = (
        screening_queue(user)
        .exclude(return_to_screening_reason="")
        .order_by("-returned_to_screening_at", "pk")
    )
    return {
        "to_screen": screening_queue(user).count(),
        "returned_to_screening": _shown(user, returned),
        "consent_changed": _shown(user, consent_changed),
    }


def referrer_worklist(user) -> dict:
    returned = (
        referrals_visible_to(user)
        .filter(status=ReferralStatus.RETURNED)
        .select_related("person")
        .order_by("-status_changed_at")
    )
    shown = _shown(user, returned)
    drafts = referrals_visible_to(user).filter(status=ReferralStatus.DRAFT).count()
    return {
        "returned": shown,
        "returned_count": returned.count(),
        "drafts": drafts,
    }


def register() -> None:
    register_worklist(
        key="screening",
        order=10,
        template="referrals/worklists/coordinator.html",
        can_use=lambda user: can(user, "referral.screening_queue"),
        build=coordinator_worklist,
    )
    register_worklist(
        key="referrer",
        order=20,
        template="referrals/worklists/referrer.html",
        can_use=lambda user: can(user, "referral.create"),
        build=referrer_worklist,
    )
