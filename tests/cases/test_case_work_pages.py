"""Each operation on a case on its own page, the chair's way into the case a panel opened,
the attendance register, "My actions", the minutes through the API, and the list pages'
query budgets."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseNote, CaseShare, PanelAction, PanelAttendance, RiskReview
from cases.services import decision_record, meeting_close
from partners.roles import Role
from tests.factories import (
    accepted_referral,
    make_member,
    make_person,
    opened_case,
    panel_meeting,
    years_ago,
)
from tests.support import date_parts


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return opened_case(school_caseworker, coordinator, panel_chair)


# The case page's queries as the coordinator sees it: the same for any size of case.
PAGE_BUDGET = 17


def url(name, case, *more):
    return reverse(f"cases:{name}", args=[case.pk, *more])


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestTheCasePage:
    def test_it_reads_as_a_summary_with_links_to_what_the_lead_can_do(
        self, client, case, school_caseworker
    ):
        client.force_login(school_caseworker)
        page = client.get(url("case", case)).content.decode()

        assert "Prevention and early intervention" in page
        assert "u18_prevention" not in page
        assert str(school_caseworker) in page
        assert case.next_review_date.strftime("%-d %B %Y") in page
        for name in ("case-note", "case-review", "case-share", "case-close"):
            assert url(name, case) in page
        assert "<form" not in page.split('id="main-content"')[1].split("</main>")[0]

    def test_its_rules_read_the_case_shares_once_and_the_session_is_not_rewritten(
        self, client, case, coordinator
    ):
        client.force_login(coordinator)
        assert client.get(url("case", case)).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("case", case)).status_code == 200
        statements = [q["sql"] for q in captured]
        shares_asked = [sql for sql in statements if sql.startswith('SELECT "cases_caseshare".')]
        # Each operation offered and each section's links ask the same rules of the case,
        # and they answer from the shares the page lists: one read of the shares.
        assert len(shares_asked) == 1
        assert not [sql for sql in statements if sql.startswith('UPDATE "django_session"')]
        assert len(statements) <= PAGE_BUDGET

    def test_a_panel_member_reads_it_with_no_links_to_act(
        self, client, case, panel_member, school_caseworker, police
    ):
        client.force_login(panel_member)
        page = client.get(url("case", case)).content.decode()
        assert "What you can do" not in page
        assert url("case-close", case) not in page


@pytest.mark.django_db
class TestNotePage:
    def test_the_lead_adds_a_note(self, client, case, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get(url("case-note", case)).status_code == 200
        response = client.post(url("case-note", case), {"text": "Home visit went well"})
        assert response["Location"] == url("case", case)
        assert CaseNote.objects.get(case=case).text == "Home visit went well"

    def test_an_empty_note_is_explained_and_nothing_is_written(
        self, client, case, school_caseworker
    ):
        client.force_login(school_caseworker)
        response = client.post(url("case-note", case), {"text": ""})
        assert response.status_code == 400
        assert "Enter note" in response.content.decode()
        assert not CaseNote.objects.exists()

    def test_a_panel_member_is_refused(self, client, case, panel_member):
        client.force_login(panel_member)
        assert client.get(url("case-note", case)).status_code == 403
        assert client.post(url("case-note", case), {"text": "x"}).status_code == 403
        assert not CaseNote.objects.exists()


@pytest.mark.django_db
class TestRiskReviewPage:
    def test_the_lead_records_a_review(self, client, case, school_caseworker):
        client.force_login(school_caseworker)
        today = timezone.localdate()
        response = client.post(
            url("case-review", case),
            {
                "level": "standard",
                "rationale": "Back in school every day",
                **date_parts("reviewed_on", today),
                **date_parts("next_review_date", today + datetime.timedelta(days=42)),
            },
        )
        assert response.status_code == 302
        review = RiskReview.objects.get(case=case)
        assert (review.level, review.next_review_date) == (
            "standard",
            today + datetime.timedelta(days=42),
        )

    def test_a_missing_level_is_named(self, client, case, school_caseworker):
        client.force_login(school_caseworker)
        response = client.post(url("case-review", case), {"rationale": "x"})
        assert response.status_code == 400
        assert "Risk level" in response.content.decode()
        assert not RiskReview.objects.exists()


@pytest.mark.django_db
class TestSharingPages:
    def test_the_lead_shares_and_then_stops_sharing_after_confirming(
        self, client, case, school_caseworker, police
    ):
        client.force_login(school_caseworker)
        shared = client.post(
            url("case-share", case), {"organisation": police.pk, "purpose": "information_sharing"}
        )
        assert shared.status_code == 302
        share = CaseShare.objects.get(case=case, organisation=police)

        confirm = client.get(url("case-unshare", case, share.pk)).content.decode()
        assert "Are you sure you want to stop sharing with Durham Constabulary?" in confirm
        assert "Yes, stop sharing" in confirm

        without_reason = client.post(url("case-unshare", case, share.pk), {"reason": ""})
        assert without_reason.status_code == 400
        share.refresh_from_db()
        assert share.ended_at is None

        stopped = client.post(url("case-unshare", case, share.pk), {"reason": "No longer needed"})
        assert stopped.status_code == 302
        share.refresh_from_db()
        assert share.ended_at is not None
        assert share.end_reason == "No longer needed"

    def test_a_share_of_another_case_does_not_exist_here(
        self, client, case, school_caseworker, coordinator, panel_chair
    ):
        person = make_person(school_caseworker, family_name="Other", date_of_birth=years_ago(15))
        other = opened_case(school_caseworker, coordinator, panel_chair, person=person)
        client.force_login(school_caseworker)
        share = other.shares.first()
        assert client.get(url("case-unshare", case, share.pk)).status_code == 404


@pytest.mark.django_db
class TestClosingAndReopening:
    def test_closing_asks_are_you_sure_then_closes(self, client, case, school_caseworker):
        client.force_login(school_caseworker)
        page = client.get(url("case-close", case)).content.decode()
        assert "Are you sure you want to close Jordan Fletcher&#x27;s case?" in page
        assert "govuk-button--warning" in page

        response = client.post(
            url("case-close", case), {"reason": "goals_met", "summary": "Back in school"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert (case.status, case.closure_reason) == ("closed", "goals_met")

        reopen = client.post(url("case-reopen", case), {"reason": "New incident"})
        assert reopen.status_code == 302
        case.refresh_from_db()
        assert case.status == "open"

    def test_closing_without_a_reason_names_it_and_keeps_the_case_open(
        self, client, case, school_caseworker
    ):
        client.force_login(school_caseworker)
        response = client.post(url("case-close", case), {"summary": "Back in school"})
        assert response.status_code == 400
        assert "Why is the case closing?" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "open"

    def test_the_chair_cannot_close(self, client, case, panel_chair):
        client.force_login(panel_chair)
        assert client.post(url("case-close", case), {"reason": "goals_met"}).status_code == 403
        case.refresh_from_db()
        assert case.status == "open"


@pytest.fixture
def countywide_coordinator(partnership):
    return make_member(partnership, Role.COORDINATOR, username="county-coordinator")


@pytest.mark.django_db
class TestTheChairOpensTheCaseTheirPanelOpened:
    """A countywide panel decides a Darlington referral; its chair belongs to Durham."""

    @pytest.fixture
    def decided(self, police_officer, police, countywide_coordinator, panel_chair, durham_council):
        referral = accepted_referral(police_officer, countywide_coordinator, area="darlington")
        durham_member = make_member(durham_council, Role.PANEL_MEMBER, username="durham-pm")
        meeting = panel_meeting(
            countywide_coordinator, panel_chair, [durham_member], area="countywide"
        )
        decision = decision_record(
            actor=panel_chair,
            meeting=meeting,
            referral=referral,
            outcome="open_case",
            rationale="Needs a custody navigator",
            lead_professional=police_officer,
            lead_organisation=police,
        )
        return meeting, decision.case, durham_member

    def test_the_link_leads_to_the_case(self, client, decided, panel_chair):
        meeting, case, _ = decided
        client.force_login(panel_chair)
        page = client.get(reverse("cases:meeting", args=[meeting.pk])).content.decode()
        assert reverse("cases:case", args=[case.pk]) in page
        assert client.get(reverse("cases:case", args=[case.pk])).status_code == 200

    def test_a_member_who_may_not_open_it_is_not_offered_the_link(self, client, decided):
        meeting, case, durham_member = decided
        client.force_login(durham_member)
        page = client.get(reverse("cases:meeting", args=[meeting.pk])).content.decode()
        assert "Open the case" not in page
        assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404


@pytest.mark.django_db
class TestAttendanceRegister:
    def test_the_chair_records_several_members_at_once(
        self, client, coordinator, panel_chair, panel_member, durham_council
    ):
        other = make_member(durham_council, Role.PANEL_MEMBER, username="second-member")
        meeting = panel_meeting(coordinator, panel_chair, [panel_member, other])
        client.force_login(panel_chair)
        response = client.post(
            reverse("cases:attendance", args=[meeting.pk]),
            {"attended": [panel_member.pk, panel_chair.pk]},
        )
        assert response.status_code == 302
        register = dict(
            PanelAttendance.objects.filter(meeting=meeting).values_list("user_id", "attended")
        )
        assert register == {panel_member.pk: True, panel_chair.pk: True, other.pk: False}

    def test_someone_not_on_the_meeting_is_refused_and_nothing_changes(
        self, client, coordinator, panel_chair, panel_member, school_caseworker
    ):
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        client.force_login(panel_chair)
        response = client.post(
            reverse("cases:attendance", args=[meeting.pk]), {"attended": [school_caseworker.pk]}
        )
        assert response.status_code == 400
        assert not PanelAttendance.objects.filter(attended__isnull=False).exists()

    def test_a_member_cannot_record_it(self, client, coordinator, panel_chair, panel_member):
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        client.force_login(panel_member)
        response = client.post(
            reverse("cases:attendance", args=[meeting.pk]), {"attended": [panel_member.pk]}
        )
        assert response.status_code == 403


@pytest.fixture
def owned_action(case, school_caseworker):
    """An action given to the lead professional, who did not sit on the panel."""
    decision = case.referrals.get().panel_decisions.get()
    return PanelAction.objects.create(
        decision=decision,
        description="Speak to the head of year",
        owner=school_caseworker,
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


@pytest.mark.django_db
class TestMyActions:
    def test_the_owner_who_was_not_at_the_meeting_marks_an_action_done(
        self, client, owned_action, school_caseworker
    ):
        client.force_login(school_caseworker)
        home = client.get("/").content.decode()
        assert reverse("cases:my-actions") in home  # the navigation offers it
        page = client.get(reverse("cases:my-actions")).content.decode()
        assert "Speak to the head of year" in page
        assert owned_action.due_date.strftime("%-d %B %Y") in page
        assert reverse("cases:case", args=[owned_action.decision.case_id]) in page

        done = client.post(reverse("cases:action-done", args=[owned_action.pk]))
        assert done["Location"] == reverse("cases:my-actions")
        owned_action.refresh_from_db()
        assert owned_action.done_at is not None

    def test_someone_who_owns_no_action_has_no_list_and_cannot_mark_one(
        self, client, owned_action, police_officer
    ):
        client.force_login(police_officer)
        assert reverse("cases:my-actions") not in client.get("/").content.decode()
        assert client.get(reverse("cases:my-actions")).status_code == 403
        assert client.post(reverse("cases:action-done", args=[owned_action.pk])).status_code == 404
        owned_action.refresh_from_db()
        assert owned_action.done_at is None


@pytest.mark.django_db
class TestMinutesThroughTheApi:
    def test_json_and_csv_match_the_web_and_wait_for_the_meeting_to_close(
        self, api, school_caseworker, coordinator, panel_chair, panel_member
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        decision_record(
            actor=panel_chair,
            meeting=meeting,
            referral=referral,
            outcome="no_further_action",
            rationale='=HYPERLINK("http://evil.example")',
            actions=[
                {
                    "description": "Write to the school",
                    "owner": coordinator,
                    "due_date": datetime.date(2027, 1, 5),
                }
            ],
        )
        client = api(coordinator)
        minutes_url = f"/api/v1/panels/{meeting.pk}/minutes/"
        assert client.get(minutes_url).status_code == 404

        meeting_close(actor=panel_chair, meeting=meeting)
        body = client.get(minutes_url).json()
        [item] = body["items"]
        assert item["reference"] == str(referral.pk)[:8]
        assert item["pathway_label"].startswith("Prevention and early intervention")
        assert item["outcome_label"] == "No further action"
        assert item["actions"][0]["owner"]["name"] == str(coordinator)
        assert {a["user"]["id"] for a in body["attendance"]} == {panel_chair.pk, panel_member.pk}
        assert referral.person.family_name not in str(body)
        assert (body["next"], body["previous"]) == (None, None)

        response = client.get(f"/api/v1/panels/{meeting.pk}/minutes/csv/")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        [decision] = [row for row in rows if row["record"] == "decision"]
        assert decision["rationale"].startswith("'=HYPERLINK")

    def test_someone_who_does_not_see_the_meeting_gets_404(
        self, api, coordinator, panel_chair, darlington_panel_member
    ):
        meeting = panel_meeting(coordinator, panel_chair)
        meeting_close(actor=panel_chair, meeting=meeting)
        client = api(darlington_panel_member)
        assert client.get(f"/api/v1/panels/{meeting.pk}/minutes/").status_code == 404
        assert client.get(f"/api/v1/panels/{meeting.pk}/minutes/csv/").status_code == 404

    def test_the_schema_describes_both(self, api, coordinator):
        schema = api(coordinator).get("/api/schema/").content.decode()
        assert "/api/v1/panels/{id}/minutes:" in schema  # the YAML's path keys
        assert "/api/v1/panels/{id}/minutes/csv:" in schema
        assert "text/csv" in schema


@pytest.mark.django_db
class TestListPagesCostTheSameWhateverTheirSize:
    def test_the_case_list(self, client, school_caseworker, coordinator, panel_chair):
        def add_case(n):
            person = make_person(
                school_caseworker, family_name=f"F{n}", date_of_birth=years_ago(14)
            )
            opened_case(school_caseworker, coordinator, panel_chair, person=person)

        add_case(0)
        client.force_login(coordinator)
        one = queries(client, reverse("cases:list"))
        for n in range(1, 10):
            add_case(n)
        assert queries(client, reverse("cases:list")) == one

    def test_the_planner(self, client, coordinator, panel_chair, panel_member):
        panel_meeting(coordinator, panel_chair, [panel_member])
        client.force_login(coordinator)
        one = queries(client, reverse("cases:planner"))
        for _ in range(9):
            panel_meeting(coordinator, panel_chair, [panel_member])
        assert queries(client, reverse("cases:planner")) == one

    def test_my_actions(self, client, owned_action, school_caseworker):
        client.force_login(school_caseworker)
        one = queries(client, reverse("cases:my-actions"))
        for n in range(9):
            PanelAction.objects.create(
                decision=owned_action.decision,
                description=f"Action {n}",
                owner=school_caseworker,
                due_date=owned_action.due_date,
            )
        assert queries(client, reverse("cases:my-actions")) == one


@pytest.mark.django_db
class TestClosingAndReopeningAMeeting:
    def test_the_chair_confirms_closing_and_gives_a_reason_to_reopen(
        self, client, coordinator, panel_chair
    ):
        meeting = panel_meeting(coordinator, panel_chair)
        client.force_login(panel_chair)
        close = reverse("cases:meeting-transition", args=[meeting.pk, "close"])
        assert "Are you sure you want to close the meeting?" in client.get(close).content.decode()
        assert client.post(close)["Location"] == reverse("cases:meeting", args=[meeting.pk])
        meeting.refresh_from_db()
        assert meeting.status == "closed"

        reopen = reverse("cases:meeting-transition", args=[meeting.pk, "reopen"])
        without_reason = client.post(reopen, {"reason": ""})
        assert without_reason.status_code == 400
        assert "Enter the reason" in without_reason.content.decode()
        meeting.refresh_from_db()
        assert meeting.status == "closed"

        assert client.post(reopen, {"reason": "A decision was missed"}).status_code == 302
        meeting.refresh_from_db()
        assert (meeting.status, meeting.reopen_reason) == ("in_progress", "A decision was missed")

    def test_a_member_cannot_close_it(self, client, coordinator, panel_chair, panel_member):
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        client.force_login(panel_member)
        close = reverse("cases:meeting-transition", args=[meeting.pk, "close"])
        assert client.get(close).status_code == 403
        assert client.post(close).status_code == 403


@pytest.mark.django_db
def test_a_closed_case_offers_only_reopening_and_its_close_page_says_so(
    client, school_caseworker, coordinator, panel_chair
):
    from cases.services import case_close

    case = opened_case(school_caseworker, coordinator, panel_chair)
    case_close(actor=coordinator, case=case, reason="goals_met", summary="Goals met")
    client.force_login(coordinator)
    content = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert reverse("cases:case-reopen", args=[case.pk]) in content
    for closed_off in ("cases:case-close", "cases:case-share", "cases:case-review"):
        assert reverse(closed_off, args=[case.pk]) not in content
    response = client.get(reverse("cases:case-close", args=[case.pk]), follow=True)
    assert response.redirect_chain == [(reverse("cases:case", args=[case.pk]), 302)]
    assert "The case is closed: nothing to do" in response.content.decode()
