"""The home page's worklist for information governance: flagged access awaiting review."""

from audit.models import ReviewFlag
from audit.permissions import can
from core.navigation import register_worklist


def ig_worklist(user) -> dict:
    unreviewed = ReviewFlag.objects.filter(reviewed_at__isnull=True)
    return {
        "unreviewed": unreviewed.count(),
        "own": unreviewed.filter(user=user).count(),
    }


def register() -> None:
    register_worklist(
        key="flags",
        order=60,
        template="audit/worklists/flags.html",
        can_use=lambda user: can(user, "audit.review"),
        build=ig_worklist,
    )
