"""Email: deferred as a job in the transaction that created the notification (no job for a
rolled-back change), retried with back-off, and never carrying personal data."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from audit.services import break_glass
from cases.services import decision_record
from interventions.services import allocation_create, allocation_offer
from notifications.models import Kind, Notification, Preference
from notifications.services import notification_chain_broken, notification_send
from notifications.tasks import send_notification_email
from referrals.consent import consent_withdraw
from referrals.services import referral_screen
from tests.factories import (
    accepted_referral,
    agree_to_take_part,
    make_intervention,
    make_person,
    panel_meeting,
    submitted_referral,
)

TASK = "notifications.send_email"


def emails_deferred_by(action) -> list[int]:
    """Run ``action``; the notifications whose email jobs it deferred. (Jobs are counted
    from the last one before: transactional tests elsewhere leave theirs behind, since the
    flush after them empties only the tables Django manages.)"""
    before = ProcrastinateJob.objects.aggregate(last=Max("id"))["last"] or 0
    action()
    return sorted(
        job.args["notification_id"]
        for job in ProcrastinateJob.objects.filter(task_name=TASK, id__gt=before)
    )


@pytest.mark.django_db
class TestTheJob:
    def test_a_committed_notification_defers_one_email_job(self, coordinator):
        sent = []

        deferred = emails_deferred_by(
            lambda: sent.extend(
                notification_send(kind=Kind.REFERRAL_RETURNED, recipients=[coordinator])
            )
        )

        assert deferred == [sent[0].pk]

    def test_a_rolled_back_change_defers_nothing_and_tells_nobody(self, coordinator):
        def rolled_back():
            with transaction.atomic():
                notification_send(kind=Kind.REFERRAL_RETURNED, recipients=[coordinator])
                transaction.set_rollback(True)

        assert emails_deferred_by(rolled_back) == []
        assert not Notification.objects.exists()

    def test_no_job_for_a_kind_someone_does_not_want_emailed(self, coordinator):
        Preference.objects.create(user=coordinator, kind=Kind.REFERRAL_RETURNED, email=False)
        deferred = emails_deferred_by(
            lambda: notification_send(kind=Kind.REFERRAL_RETURNED, recipients=[coordinator])
        )
        assert deferred == []

    def test_sent_once_whatever_the_retries(self, coordinator):
        [notification] = notification_send(kind=Kind.REFERRAL_RETURNED, recipients=[coordinator])

        send_notification_email(notification_id=notification.pk)
        send_notification_email(notification_id=notification.pk)

        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [coordinator.email]
        notification.refresh_from_db()
        assert notification.emailed_at is not None

    def test_a_mail_server_down_is_retried_with_back_off(self):
        strategy = send_notification_email.retry_strategy
        waits = [
            (
                strategy.get_retry_decision(
                    exception=ConnectionRefusedError(), job=type("Job", (), {"attempts": n})()
                ).retry_at
                - timezone.now()
            ).total_seconds()
            for n in range(3)
        ]
        assert waits == pytest.approx([33, 39, 57], abs=2)
        assert (
            strategy.get_retry_decision(
                exception=ConnectionRefusedError(), job=type("Job", (), {"attempts": 8})()
            )
            is None
        )


# Distinctive values a leak would show: nothing here is a word an email would use.
GIVEN, FAMILY = "Zebedee", "Quillfeather"
DATE_OF_BIRTH = datetime.date(2011, 2, 17)
NHS_NUMBER = "9434765919"
NARRATIVE = "Seen with a machete behind the Albatross Arcade"
GIVER = "Ottoline Quillfeather"
REASON = "Parent rang the Albatross office to withdraw"


@pytest.mark.django_db
def test_no_email_carries_personal_data(
    school_caseworker,
    coordinator,
    second_coordinator,
    panel_chair,
    provider_keyworker,
    charity,
    ig_officer,
    admin_user,
    police_officer,
):
    person = make_person(
        school_caseworker,
        given_name=GIVEN,
        family_name=FAMILY,
        date_of_birth=DATE_OF_BIRTH,
        nhs_number=NHS_NUMBER,
    )
    returned = submitted_referral(school_caseworker, person=person, narrative=NARRATIVE)
    referral_screen(
        actor=coordinator, referral=returned, outcome="returned", questions=f"Is {GIVEN} safe?"
    )
    referral = accepted_referral(school_caseworker, coordinator, person=person, narrative=NARRATIVE)
    decision = decision_record(
        actor=panel_chair,
        meeting=panel_meeting(coordinator, panel_chair),
        referral=referral,
        outcome="open_case",
        rationale=f"{GIVEN} needs a mentor",
        lead_professional=school_caseworker,
        lead_organisation=school_caseworker.memberships.get().organisation,
    )
    agree_to_take_part(school_caseworker, referral, giver_name=GIVER)
    allocation_offer(
        actor=school_caseworker,
        allocation=allocation_create(
            actor=school_caseworker,
            case=decision.case,
            intervention=make_intervention(charity),
            request=f"Mentoring for {GIVEN}",
        ),
    )
    break_glass(actor=police_officer, person=person, reason=f"Checking on {GIVEN} {FAMILY}")
    consent_withdraw(
        actor=coordinator,
        referral=referral,
        purposes=["information_sharing"],
        given_by="parent_or_guardian",
        reason=REASON,
    )
    notification_chain_broken(detail=f"Entry 7 altered ({FAMILY})")

    # What the worker does with each job deferred (the task itself skips the unwanted).
    for notification_id in Notification.objects.values_list("pk", flat=True):
        send_notification_email(notification_id=notification_id)

    kinds = set(Notification.objects.exclude(emailed_at=None).values_list("kind", flat=True))
    assert kinds >= {
        Kind.REFERRAL_RETURNED,
        Kind.REFERRAL_DECIDED,
        Kind.ALLOCATION_OFFERED,
        Kind.BREAK_GLASS,
        Kind.CONSENT_WITHDRAWN,
        Kind.CHAIN_BROKEN,
    }
    assert len(mail.outbox) >= 6
    forbidden = [
        GIVEN,
        FAMILY,
        NHS_NUMBER,
        "943 476 5919",
        DATE_OF_BIRTH.isoformat(),
        "17 February 2011",
        "17/02/2011",
        "Albatross",
        "machete",
        str(person.pk),
        str(referral.pk),
        str(decision.case.pk),
    ]
    for message in mail.outbox:
        text = "\n".join([message.subject, message.body, *(str(a) for a in message.alternatives)])
        assert [value for value in forbidden if value.lower() in text.lower()] == []
