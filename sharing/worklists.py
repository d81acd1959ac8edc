"""The home page's worklist for information governance: agreements due for review.

"Due" is the review date passed, or within ``sharing.models.REVIEW_DUE_WITHIN`` (30 days),
for an agreement not yet ended: a month gives IG time to meet the partner before the date.
"""

from django.utils import timezone

from core.navigation import WORKLIST_LENGTH, register_worklist
from sharing.agreements import agreements_due_for_review
from sharing.permissions import can


def review_worklist(user) -> dict | None:
    today = timezone.localdate()
    due = list(agreements_due_for_review(today)[: WORKLIST_LENGTH + 1])
    if not due:
        return None
    total = len(due) if len(due) <= WORKLIST_LENGTH else agreements_due_for_review(today).count()
    return {"agreements": due[:WORKLIST_LENGTH], "total": total, "today": today}


def register() -> None:
    register_worklist(
        key="agreement_reviews",
        order=62,
        template="sharing/worklists/reviews.html",
        can_use=lambda user: can(user, "agreement.manage"),
        build=review_worklist,
    )
