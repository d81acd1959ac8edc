"""What the daily job tells panel members and owners of work: each run tells nobody twice
(``notification_send``'s keys), so a job run twice, or retried, sends nothing new."""

import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStatus, MeetingStatus, PanelAction, PanelAttendance, PanelMeeting
from notifications.services import notification_agenda_ready, notification_work_due

# The agenda is ready for members this many working days before the meeting.
AGENDA_NOTICE_WORKING_DAYS = 2


def working_days_after(day: datetime.date, count: int) -> datetime.date:
    """``count`` working days after ``day``, Monday to Friday (bank holidays are not known
    here: a meeting after one is announced a day earlier than it need be)."""
    while count:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@transaction.atomic
def agenda_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell the chair and members of each scheduled meeting, from two working days before
    it: a meeting arranged later, or a run missed, is caught up on the next run. Returns how
    many people were told."""
    today = today or timezone.localdate()
    until = working_days_after(today, AGENDA_NOTICE_WORKING_DAYS)
    meetings = PanelMeeting.objects.filter(
        status=MeetingStatus.SCHEDULED,
        meets_at__date__gt=today,
        meets_at__date__lte=until,
    )
    told = 0
    for meeting in meetings:
        members = set(
            PanelAttendance.objects.filter(meeting=meeting).values_list("user_id", flat=True)
        )
        told += len(
            notification_agenda_ready(meeting=meeting, members={meeting.chair_id, *members})
        )
    return told


@transaction.atomic
def work_due_digest_send(*, today: datetime.date | None = None) -> int:
    """One digest a day to each lead professional with a risk review overdue and each owner
    of a panel action due by tomorrow and not done. Returns how many people were told."""
    today = today or timezone.localdate()
    owners = set(
        Case.objects.filter(status=CaseStatus.OPEN, next_review_date__lt=today).values_list(
            "lead_professional_id", flat=True
        )
    ) | set(
        PanelAction.objects.filter(
            done_at__isnull=True, due_date__lte=today + datetime.timedelta(days=1)
        ).values_list("owner_id", flat=True)
    )
    return sum(len(notification_work_due(user=owner, on=today)) for owner in sorted(owners))
