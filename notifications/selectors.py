"""A person's notifications, as they may see them now.

Whether the recipient may still open the record a notification is about is asked of the
record's own app each time it is shown (``notifications.subjects``), not only when it was
sent. One they may no longer open (a share ended, a membership ended) keeps its kind's
wording, which names nobody, and says the record is no longer available to them, without
a link: they learn that something happened, which they were told already, and nothing new.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from core.ids import parse_int
from notifications.models import EMAIL_BY_DEFAULT, Kind, Notification, Preference
from notifications.subjects import subject


def notifications_of(user) -> QuerySet:
    """The user's notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """One query, for the header on every page."""
    return notifications_of(user).filter(read_at__isnull=True).count()


def emailed(user_ids, kind: str) -> set:
    """Which of these users want ``kind`` by email (one query)."""
    chosen = dict(
        Preference.objects.filter(user_id__in=list(user_ids), kind=kind).values_list(
            "user_id", "email"
        )
    )
    return {pk for pk in user_ids if chosen.get(pk, EMAIL_BY_DEFAULT[kind])}


def kinds_emailed(user) -> set[str]:
    """The kinds ``user`` has emailed: their choices, the defaults where they made none."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "email"))
    return {kind for kind in Kind.values if chosen.get(kind, EMAIL_BY_DEFAULT[kind])}


def notification_of(user, notification_id) -> Notification:
    """One of the user's own notifications, or 404 (someone else's included)."""
    notification = notifications_of(user).filter(pk=parse_int(notification_id)).first()
    if notification is None:
        raise Http404("No such notification")
    return notification


@dataclass(frozen=True)
class Shown:
    notification: Notification
    text: str
    # The record's page, or None: about nothing (a digest), or no longer available.
    url: str | None
    available: bool

    @property
    def pk(self):
        return self.notification.pk

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


# Digests about the recipient's own work lead to their home page, where it is listed.
DIGEST_PAGES = {
    Kind.WORK_DUE: "home",
    Kind.FLAGS_WAITING: "home",
    Kind.CHAIN_BROKEN: None,
}


def shown(user, notifications) -> list[Shown]:
    """Each notification as ``user`` may see it now: one query per kind of record."""
    notifications = list(notifications)
    wanted = defaultdict(set)
    for notification in notifications:
        if notification.subject_type:
            wanted[notification.subject_type].add(notification.subject_id)
    visible = {
        subject_type: {str(pk) for pk in subject(subject_type).visible(user, sorted(ids))}
        for subject_type, ids in wanted.items()
    }
    answer = []
    for notification in notifications:
        text = Kind(notification.kind).label
        if not notification.subject_type:
            page = DIGEST_PAGES.get(notification.kind)
            answer.append(Shown(notification, text, reverse(page) if page else None, True))
        elif notification.subject_id in visible[notification.subject_type]:
            url = subject(notification.subject_type).url(notification.subject_id)
            answer.append(Shown(notification, text, url, True))
        else:
            answer.append(Shown(notification, text, None, False))
    return answer
