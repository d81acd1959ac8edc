"""Each notification reaches exactly the people it should, and nobody else; one about a
record someone may no longer open stops showing the record."""

import datetime

import pytest
from django.utils import timezone

from audit.retention import erase_person
from audit.services import break_glass, flags_refresh, flags_waiting_tell
from cases.reminders import agenda_reminders_send, work_due_digest_send, working_days_after
from cases.services import case_share, decision_amend, decision_record
from interventions.services import allocation_create, allocation_offer, allocation_transition
from notifications.models import Kind, Notification
from notifications.selectors import notifications_of, shown
from notifications.services import notification_chain_broken
from partners.models import Membership, OrganisationType
from partners.roles import Role
from partners.selectors import forget_memberships
from referrals.consent import consent_withdraw
from referrals.participation import participation_withdraw
from referrals.services import referral_screen, referral_submit
from sharing.agreements import agreement_review_reminders_send
from tests.factories import (
    accepted_referral,
    case_ready_for_delivery,
    give_consent,
    make_agreement,
    make_intervention,
    make_member,
    make_organisation,
    make_person,
    make_referral,
    opened_case,
    panel_meeting,
    submitted_referral,
    years_ago,
)
from tests.notifications.support import told_by


@pytest.fixture
def countywide_coordinator(partnership):
    return make_member(partnership, Role.COORDINATOR, username="countywide-coordinator")


@pytest.fixture
def bystanders(
    darlington_coordinator, police_officer, panel_member, provider_keyworker, analyst, admin_user
):
    """People who work in the partnership but have nothing to do with what happens."""
    return None


@pytest.mark.django_db
class TestReferrals:
    def test_a_submitted_referral_tells_its_areas_coordinators(
        self,
        school_caseworker,
        coordinator,
        second_coordinator,
        countywide_coordinator,
        ig_officer,
        bystanders,
    ):
        draft = make_referral(school_caseworker)
        give_consent(school_caseworker, draft)

        told = told_by(lambda: referral_submit(actor=school_caseworker, referral=draft))

        assert told == {
            (name, Kind.REFERRAL_SUBMITTED, "referral")
            for name in ("durham-coordinator", "durham-coordinator-2", "countywide-coordinator")
        }

    def test_a_coordinator_whose_role_ended_is_not_told(
        self, school_caseworker, coordinator, second_coordinator
    ):
        Membership.objects.filter(user=second_coordinator).update(ended_at=timezone.now())
        draft = make_referral(school_caseworker)
        give_consent(school_caseworker, draft)

        told = told_by(lambda: referral_submit(actor=school_caseworker, referral=draft))

        assert told == {("durham-coordinator", Kind.REFERRAL_SUBMITTED, "referral")}

    def test_returned_tells_the_referrer_only(
        self, school_caseworker, coordinator, second_coordinator, bystanders
    ):
        referral = submitted_referral(school_caseworker)

        told = told_by(
            lambda: referral_screen(
                actor=coordinator, referral=referral, outcome="returned", questions="Which school?"
            )
        )

        assert told == {("school-caseworker", Kind.REFERRAL_RETURNED, "referral")}

    @pytest.mark.parametrize("outcome", ["accepted_for_panel", "declined"])
    def test_a_screening_decision_tells_the_referrer_only(
        self, school_caseworker, coordinator, second_coordinator, bystanders, outcome
    ):
        referral = submitted_referral(school_caseworker)

        told = told_by(
            lambda: referral_screen(
                actor=coordinator, referral=referral, outcome=outcome, note="Not for us"
            )
        )

        assert told == {("school-caseworker", Kind.REFERRAL_DECIDED, "referral")}

    def test_the_referral_stops_showing_once_the_coordinator_may_not_see_it(
        self, school_caseworker, coordinator
    ):
        draft = make_referral(school_caseworker)
        give_consent(school_caseworker, draft)
        referral_submit(actor=school_caseworker, referral=draft)
        [before] = shown(coordinator, notifications_of(coordinator))
        assert (before.available, before.url) == (True, f"/referrals/{draft.pk}/")

        Membership.objects.filter(user=coordinator).update(ended_at=timezone.now())
        forget_memberships(coordinator)  # as the next request would
        [after] = shown(coordinator, notifications_of(coordinator))

        assert (after.available, after.url) == (False, None)
        assert after.text == Kind.REFERRAL_SUBMITTED.label


@pytest.mark.django_db
class TestPanelsAndCases:
    def test_a_decision_opening_a_case_tells_the_referrer_and_lead_professional(
        self, school_caseworker, coordinator, panel_chair, panel_member, bystanders
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        colleague = make_member(
            school_caseworker.memberships.get().organisation, Role.REFERRER, username="lead"
        )

        told = told_by(
            lambda: decision_record(
                actor=panel_chair,
                meeting=meeting,
                referral=referral,
                outcome="open_case",
                rationale="Needs a mentor.",
                lead_professional=colleague,
                lead_organisation=colleague.memberships.get().organisation,
            )
        )

        assert told == {
            ("school-caseworker", Kind.REFERRAL_DECIDED, "referral"),
            ("lead", Kind.CASE_OPENED, "case"),
        }

    def test_an_amended_decision_tells_the_referrer_again(
        self, school_caseworker, coordinator, panel_chair, panel_member, bystanders
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        decision = decision_record(
            actor=panel_chair,
            meeting=panel_meeting(coordinator, panel_chair, [panel_member]),
            referral=referral,
            outcome="defer",
            rationale="More information needed.",
        )

        told = told_by(
            lambda: decision_amend(
                actor=panel_chair,
                decision=decision,
                expected_version=decision.version,
                outcome="no_further_action",
            )
        )

        assert told == {("school-caseworker", Kind.REFERRAL_DECIDED, "referral")}

    def test_agenda_ready_two_working_days_before_to_chair_and_members_once(
        self, coordinator, panel_chair, panel_member, bystanders
    ):
        today = timezone.localdate()
        meets = working_days_after(today, 2)
        meeting = panel_meeting(coordinator, panel_chair, [panel_member], start=False)
        meeting.meets_at = timezone.make_aware(datetime.datetime.combine(meets, datetime.time(10)))
        meeting.save()
        later = panel_meeting(coordinator, panel_chair, [panel_member], start=False)
        later.meets_at = meeting.meets_at + datetime.timedelta(days=7)
        later.save()

        first = told_by(lambda: agenda_reminders_send(today=today))
        second = told_by(lambda: agenda_reminders_send(today=today))

        assert first == {
            ("panel-chair", Kind.AGENDA_READY, "panel_meeting"),
            (panel_member.username, Kind.AGENDA_READY, "panel_meeting"),
        }
        assert second == set()
        assert set(
            Notification.objects.filter(kind=Kind.AGENDA_READY).values_list("subject_id", flat=True)
        ) == {str(meeting.pk)}

    def test_working_days_skip_the_weekend(self):
        friday = datetime.date(2026, 11, 27)
        assert working_days_after(friday, 2) == datetime.date(2026, 12, 1)

    def test_the_daily_digest_tells_owners_of_overdue_reviews_and_due_actions_once(
        self, school_caseworker, coordinator, panel_chair, second_coordinator, bystanders
    ):
        from cases.models import PanelAction, PanelDecision

        case = opened_case(school_caseworker, coordinator, panel_chair)
        case.next_review_date = timezone.localdate() - datetime.timedelta(days=1)
        case.save()
        decision = PanelDecision.objects.get(case=case)
        today = timezone.localdate()
        PanelAction.objects.create(
            decision=decision, description="Call", owner=second_coordinator, due_date=today
        )
        PanelAction.objects.create(
            decision=decision,
            description="Later",
            owner=coordinator,
            due_date=today + datetime.timedelta(days=10),
        )

        first = told_by(lambda: work_due_digest_send(today=today))
        second = told_by(lambda: work_due_digest_send(today=today))

        assert first == {
            ("school-caseworker", Kind.WORK_DUE, ""),
            ("durham-coordinator-2", Kind.WORK_DUE, ""),
        }
        assert second == set()


@pytest.mark.django_db
class TestInterventions:
    @pytest.fixture
    def case(self, school_caseworker, coordinator, panel_chair):
        return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)

    def test_an_offer_tells_the_providers_keyworkers_and_the_lead(
        self, case, school_caseworker, coordinator, provider_keyworker, charity, bystanders
    ):
        colleague = make_member(charity, Role.PROVIDER, username="second-keyworker")
        elsewhere = make_organisation(
            name="Another charity", organisation_type=OrganisationType.VOLUNTARY
        )
        make_member(elsewhere, Role.PROVIDER, username="other-keyworker")
        allocation = allocation_create(
            actor=school_caseworker, case=case, intervention=make_intervention(charity), request="x"
        )
        # Offered by the coordinator, so the lead professional is told too.
        told = told_by(lambda: allocation_offer(actor=coordinator, allocation=allocation))

        assert told == {
            (provider_keyworker.username, Kind.ALLOCATION_OFFERED, "allocation"),
            (colleague.username, Kind.ALLOCATION_OFFERED, "allocation"),
            (school_caseworker.username, Kind.ALLOCATION_OFFERED, "allocation"),
        }

    def test_a_freed_place_tells_the_waiting_allocations_provider_and_lead(
        self, case, school_caseworker, coordinator, panel_chair, provider_keyworker, charity
    ):
        intervention = make_intervention(charity, capacity=1)
        holding = allocation_offer(
            actor=school_caseworker,
            allocation=allocation_create(
                actor=school_caseworker, case=case, intervention=intervention, request="x"
            ),
        )
        other_lead = make_member(
            school_caseworker.memberships.get().organisation, Role.REFERRER, username="other-lead"
        )
        other_case = case_ready_for_delivery(
            other_lead,
            coordinator,
            panel_chair,
            person=make_person(
                other_lead, given_name="Riley", family_name="Dixon", date_of_birth=years_ago(15)
            ),
        )
        waiting = allocation_offer(
            actor=other_lead,
            allocation=allocation_create(
                actor=other_lead, case=other_case, intervention=intervention, request="x"
            ),
        )
        assert waiting.status == "waitlisted"

        told = told_by(
            lambda: allocation_transition(
                actor=provider_keyworker, allocation=holding, action="decline", reason="Moved"
            )
        )

        assert told == {
            (provider_keyworker.username, Kind.PLACE_FREED, "allocation"),
            ("other-lead", Kind.PLACE_FREED, "allocation"),
        }


@pytest.mark.django_db
class TestConsentWithdrawn:
    def test_everyone_working_on_it_is_told_and_the_ended_share_stops_showing_the_case(
        self,
        school_caseworker,
        coordinator,
        second_coordinator,
        panel_chair,
        police,
        police_officer,
        provider_keyworker,
        charity,
        bystanders,
    ):
        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
        case_share(
            actor=school_caseworker,
            case=case,
            organisation=police,
            purpose="information_sharing",
        )
        allocation_offer(
            actor=school_caseworker,
            allocation=allocation_create(
                actor=school_caseworker,
                case=case,
                intervention=make_intervention(charity),
                request="x",
            ),
        )
        referral = case.referrals.get()

        told = told_by(
            lambda: consent_withdraw(
                actor=coordinator,
                referral=referral,
                purposes=["information_sharing"],
                given_by="parent_or_guardian",
                reason="Mum phoned",
            )
        )

        assert told == {
            ("school-caseworker", Kind.CONSENT_WITHDRAWN, "referral"),
            ("durham-coordinator-2", Kind.CONSENT_WITHDRAWN, "referral"),
            ("police-officer", Kind.CONSENT_WITHDRAWN, "case"),
        }
        # The police share relied on that consent and ended with it: the officer is told
        # that something was withdrawn, and no longer shown which case.
        [seen] = [
            s
            for s in shown(police_officer, notifications_of(police_officer))
            if s.notification.kind == Kind.CONSENT_WITHDRAWN
        ]
        assert (seen.available, seen.url) == (False, None)
        [lead_sees] = [
            s
            for s in shown(school_caseworker, notifications_of(school_caseworker))
            if s.notification.kind == Kind.CONSENT_WITHDRAWN
        ]
        assert lead_sees.url == f"/referrals/{referral.pk}/"

    def test_withdrawn_agreement_to_take_part_tells_the_provider_of_its_allocation(
        self, school_caseworker, coordinator, panel_chair, provider_keyworker, charity, bystanders
    ):
        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
        allocation_offer(
            actor=school_caseworker,
            allocation=allocation_create(
                actor=school_caseworker,
                case=case,
                intervention=make_intervention(charity),
                request="x",
            ),
        )

        told = told_by(
            lambda: participation_withdraw(
                actor=school_caseworker,
                referral=case.referrals.get(),
                given_by="parent_or_guardian",
                reason="Does not want to go",
            )
        )

        assert told == {
            ("durham-coordinator", Kind.CONSENT_WITHDRAWN, "referral"),
            (provider_keyworker.username, Kind.CONSENT_WITHDRAWN, "allocation"),
        }


@pytest.mark.django_db
class TestInformationGovernance:
    @pytest.fixture
    def second_ig(self, partnership):
        return make_member(partnership, Role.IG_OFFICER, username="second-ig")

    def test_break_glass_tells_every_ig_officer(
        self, school_caseworker, coordinator, police_officer, ig_officer, second_ig, bystanders
    ):
        referral = submitted_referral(school_caseworker)

        told = told_by(
            lambda: break_glass(
                actor=police_officer,
                person=referral.person,
                reason="Knife incident overnight, checking",
            )
        )

        assert told == {
            (ig_officer.username, Kind.BREAK_GLASS, "person_access"),
            ("second-ig", Kind.BREAK_GLASS, "person_access"),
        }
        [seen] = shown(ig_officer, notifications_of(ig_officer))
        assert seen.url == f"/audit/people/{referral.person_id}/"

    def test_flags_waiting_tell_ig_once_a_day(
        self, school_caseworker, police_officer, ig_officer, second_ig, bystanders
    ):
        referral = submitted_referral(school_caseworker)
        break_glass(actor=police_officer, person=referral.person, reason="Checking a threat now")

        # The review queue's page runs the scan too: that tells no one.
        assert told_by(flags_refresh) == set()
        first = told_by(flags_waiting_tell)
        second = told_by(flags_waiting_tell)

        assert first == {
            (ig_officer.username, Kind.FLAGS_WAITING, ""),
            ("second-ig", Kind.FLAGS_WAITING, ""),
        }
        assert second == set()

    def test_agreements_due_for_review_tell_ig_once_per_review_date(
        self, ig_officer, coordinator, admin_user, bystanders
    ):
        organisation = make_organisation(name="Housing", agreement=False)
        make_agreement(organisation, review_on=timezone.localdate() + datetime.timedelta(days=5))

        first = told_by(agreement_review_reminders_send)
        second = told_by(agreement_review_reminders_send)

        assert first == {(ig_officer.username, Kind.AGREEMENT_REVIEW, "sharing_agreement")}
        assert second == set()

    def test_a_broken_chain_tells_ig_and_administrators(
        self, ig_officer, admin_user, coordinator, police_officer, analyst
    ):
        told = told_by(lambda: notification_chain_broken(detail="Entry 42 was altered"))

        assert told == {
            (ig_officer.username, Kind.CHAIN_BROKEN, ""),
            (admin_user.username, Kind.CHAIN_BROKEN, ""),
        }
        assert set(Notification.objects.values_list("detail", flat=True)) == {
            "Entry 42 was altered"
        }
        # The next night's run (or a retry) finds the same break: nobody is told again; a
        # different break is news.
        assert told_by(lambda: notification_chain_broken(detail="Entry 42 was altered")) == set()
        assert len(told_by(lambda: notification_chain_broken(detail="Entry 43 was removed"))) == 2


def test_every_kind_is_sent_by_something():
    """A kind no service sends is wording nobody reads."""
    import inspect

    from notifications import services

    source = inspect.getsource(services)
    assert {kind.name for kind in Kind if f"Kind.{kind.name}" not in source} == set()


@pytest.mark.django_db
def test_erasing_a_person_takes_the_notifications_about_their_records(
    school_caseworker, coordinator, police_officer, ig_officer
):
    erased = submitted_referral(school_caseworker)
    break_glass(actor=police_officer, person=erased.person, reason="Knife incident overnight")
    kept = submitted_referral(school_caseworker)
    about_erased = {str(erased.pk), str(erased.person_id)}
    assert set(Notification.objects.values_list("subject_id", flat=True)) == about_erased | {
        str(kept.pk)
    }

    erase_person(erased.person_id, today=timezone.localdate())

    # The coordinators' notice of the other referral stays; nothing names the erased ids.
    assert set(Notification.objects.values_list("subject_id", flat=True)) == {str(kept.pk)}
