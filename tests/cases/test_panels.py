"""Panel meetings: the agenda, attendance, decisions, closing and reopening, minutes."""

import csv
import datetime
import io
import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, PanelDecision
from cases.services import decision_record, meeting_close
from core.errors import ConflictError
from referrals.models import Referral
from tests.factories import accepted_referral, panel_meeting

PANELS = "/api/v1/panels/"


def decide(client, meeting, referral, outcome, **extra):
    return client.post(
        f"{PANELS}{meeting.pk}/decisions/",
        {
            "referral": str(referral.pk),
            "outcome": outcome,
            "rationale": f"Panel chose {outcome}",
            **extra,
        },
        format="json",
    )


@pytest.mark.django_db
class TestAFullPanel:
    def test_three_items_one_case_one_no_further_action_one_deferred(
        self,
        api,
        client,
        school_caseworker,
        school,
        coordinator,
        panel_chair,
        panel_member,
        monkeypatch,
    ):
        standard = accepted_referral(
            school_caseworker, coordinator, given_name="Std", risk_level="standard"
        )
        high = accepted_referral(school_caseworker, coordinator, given_name="Hi", risk_level="high")
        medium = accepted_referral(
            school_caseworker, coordinator, given_name="Med", risk_level="medium"
        )
        meeting = panel_meeting(coordinator, panel_chair, [panel_member], start=False)
        chair = api(panel_chair)

        agenda = chair.get(f"{PANELS}{meeting.pk}/agenda/").json()["results"]
        assert [item["referral"]["id"] for item in agenda] == [
            str(high.pk),
            str(medium.pk),
            str(standard.pk),
        ]
        assert agenda[0]["person"]["given_name"] == "Hi"

        assert chair.post(f"{PANELS}{meeting.pk}/start/").status_code == 200
        attendance = chair.post(
            f"{PANELS}{meeting.pk}/attendance/",
            {"user": panel_member.pk, "attended": True},
            format="json",
        )
        assert attendance.status_code == 200
        opened = decide(
            chair,
            meeting,
            high,
            "open_case",
            lead_professional=school_caseworker.pk,
            lead_organisation=school.pk,
            actions=[
                {"description": "Find a mentor", "owner": coordinator.pk, "due_date": "2027-01-10"}
            ],
        )
        closed = decide(chair, meeting, medium, "no_further_action")
        deferred = decide(chair, meeting, standard, "defer")
        assert [r.status_code for r in (opened, closed, deferred)] == [201, 201, 201]
        assert chair.post(f"{PANELS}{meeting.pk}/close/").status_code == 200

        case = Case.objects.get()
        assert case.person == high.person
        assert case.lead_professional == school_caseworker
        assert Referral.objects.get(pk=high.pk).status == "case_opened"
        assert Referral.objects.get(pk=medium.pk).status == "no_further_action"
        assert Referral.objects.get(pk=standard.pk).status == "accepted_for_panel"

        client.force_login(coordinator)
        minutes = client.get(reverse("cases:minutes-csv", args=[meeting.pk]))
        rows = list(csv.DictReader(io.StringIO(minutes.content.decode())))
        assert [(row["item"], row["decision"]) for row in rows if row["record"] == "decision"] == [
            ("1", "Open a case"),
            ("2", "No further action"),
            ("3", "Defer to the next meeting"),
        ]
        assert [row["action"] for row in rows if row["record"] == "action"] == ["Find a mentor"]
        page = client.get(reverse("cases:minutes", args=[meeting.pk])).content.decode()
        for referral in (high, medium, standard):
            assert referral.narrative not in page
            assert referral.narrative not in minutes.content.decode()
            assert referral.person.family_name not in minutes.content.decode()

        # The minutes a page at a time, each item keeping its number in the whole.
        first = chair.get(f"{PANELS}{meeting.pk}/minutes/", {"page_size": 2}).json()
        second = chair.get(first["next"]).json()
        assert [i["position"] for i in first["items"] + second["items"]] == [1, 2, 3]
        assert [i["outcome"] for i in second["items"]] == ["defer"]
        assert (second["next"], first["previous"]) == (None, None)
        assert chair.get(first["next"].replace("cursor=", "cursor=x")).status_code == 400
        monkeypatch.setattr("cases.views.MINUTES_PAGE_SIZE", 2)
        web = client.get(reverse("cases:minutes", args=[meeting.pk]))
        assert 'rel="next"' in web.content.decode()
        later = client.get(
            reverse("cases:minutes", args=[meeting.pk])
            + "?"
            + web.context["minutes"].page.next_query
        )
        assert [item.position for item in later.context["minutes"].items] == [3]

        next_meeting = panel_meeting(coordinator, panel_chair, start=False)
        next_agenda = chair.get(f"{PANELS}{next_meeting.pk}/agenda/").json()["results"]
        assert [(i["referral"]["id"], i["deferred_before"]) for i in next_agenda] == [
            (str(standard.pk), True)
        ]


@pytest.mark.django_db
class TestWhoDecides:
    @pytest.mark.parametrize("who", ["panel_member", "coordinator"])
    def test_only_the_chair_records_decisions(
        self, api, request, school_caseworker, coordinator, panel_chair, panel_member, who
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])
        response = decide(api(request.getfixturevalue(who)), meeting, referral, "no_further_action")
        assert response.status_code == 403
        assert PanelDecision.objects.count() == 0

    def test_a_closed_meeting_refuses_decisions_until_the_chair_reopens_it_with_a_reason(
        self, api, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        meeting_close(actor=panel_chair, meeting=meeting)
        chair = api(panel_chair)

        refused = decide(chair, meeting, referral, "no_further_action")
        no_reason = chair.post(f"{PANELS}{meeting.pk}/reopen/", {}, format="json")
        reopened = chair.post(
            f"{PANELS}{meeting.pk}/reopen/", {"reason": "An item was missed"}, format="json"
        )
        accepted = decide(chair, meeting, referral, "no_further_action")

        assert refused.status_code == 409
        assert no_reason.status_code == 400
        assert reopened.status_code == 200
        assert reopened.json()["reopen_reason"] == "An item was missed"
        assert accepted.status_code == 201

    def test_decisions_need_a_started_meeting(
        self, api, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, start=False)
        assert decide(api(panel_chair), meeting, referral, "defer").status_code == 409

    def test_a_decision_that_opened_a_case_cannot_be_turned_into_another(
        self, api, school_caseworker, school, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        chair = api(panel_chair)
        decision = decide(
            chair,
            meeting,
            referral,
            "open_case",
            lead_professional=school_caseworker.pk,
            lead_organisation=school.pk,
        ).json()

        changed = chair.patch(
            f"{PANELS}{meeting.pk}/decisions/{decision['id']}/",
            {"version": 1, "outcome": "no_further_action"},
            format="json",
        )
        reworded = chair.patch(
            f"{PANELS}{meeting.pk}/decisions/{decision['id']}/",
            {"version": 1, "rationale": "Mentor and family support"},
            format="json",
        )
        stale = chair.patch(
            f"{PANELS}{meeting.pk}/decisions/{decision['id']}/",
            {"version": 1, "rationale": "Again"},
            format="json",
        )

        assert changed.status_code == 409
        assert reworded.status_code == 200
        assert stale.status_code == 409

    def test_deferral_can_be_amended_to_signposting(
        self, api, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        chair = api(panel_chair)
        decision = decide(chair, meeting, referral, "defer").json()

        amended = chair.patch(
            f"{PANELS}{meeting.pk}/decisions/{decision['id']}/",
            {"version": 1, "outcome": "signpost", "signpost_service": "channel"},
            format="json",
        )

        assert amended.status_code == 200, amended.json()
        assert Referral.objects.get(pk=referral.pk).status == "signposted"


@pytest.mark.django_db
class TestBadDecisions:
    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"outcome": "banish"}, "outcome"),
            ({"rationale": ""}, "rationale"),
            ({"outcome": "open_case"}, "lead_professional"),
            ({"outcome": "signpost"}, "signpost_service"),
            (
                {"actions": [{"description": "x", "owner": 999999, "due_date": "2027-01-01"}]},
                "actions.0.owner",
            ),
            ({"referral": "00000000-0000-0000-0000-000000000000"}, "referral"),
        ],
    )
    def test_bad_input_is_a_400_and_writes_nothing(
        self, api, school_caseworker, coordinator, panel_chair, extra, field
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        data = {
            "referral": str(referral.pk),
            "outcome": "no_further_action",
            "rationale": "Because",
            **extra,
        }

        response = api(panel_chair).post(f"{PANELS}{meeting.pk}/decisions/", data, format="json")

        assert response.status_code == 400, response.json()
        assert response.json()["errors"][0]["attr"] == field
        assert PanelDecision.objects.count() == 0
        assert Case.objects.count() == 0
        assert Referral.objects.get(pk=referral.pk).status == "accepted_for_panel"


@pytest.mark.django_db
class TestConsentAndTheAgenda:
    def test_consent_withdrawn_before_the_meeting_removes_the_item(
        self, api, school_caseworker, coordinator, panel_chair
    ):
        from referrals.consent import consent_withdraw

        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, start=False)
        chair = api(panel_chair)
        assert len(chair.get(f"{PANELS}{meeting.pk}/agenda/").json()["results"]) == 1

        consent_withdraw(
            actor=school_caseworker,
            referral=referral,
            purposes=["panel_discussion"],
            given_by="parent_or_guardian",
            reason="Mum phoned",
        )

        assert chair.get(f"{PANELS}{meeting.pk}/agenda/").json()["results"] == []
        from cases.services import meeting_start

        meeting_start(actor=panel_chair, meeting=meeting)
        # Back with the coordinators to screen again (no limbo), so not the panel's to decide.
        assert decide(chair, meeting, referral, "defer").status_code == 409
        assert Referral.objects.get(pk=referral.pk).status == "submitted"


@pytest.mark.django_db
class TestWhoSeesMeetings:
    def test_members_see_their_meeting_and_others_see_nothing(
        self,
        api,
        school_caseworker,
        coordinator,
        panel_chair,
        panel_member,
        darlington_panel_member,
        darlington_coordinator,
        provider_keyworker,
    ):
        accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, [panel_member])

        for user in (panel_chair, panel_member, coordinator):
            assert api(user).get(f"{PANELS}{meeting.pk}/agenda/").status_code == 200
        for user in (
            darlington_panel_member,
            darlington_coordinator,
            provider_keyworker,
            school_caseworker,
        ):
            client = api(user)
            assert client.get(f"{PANELS}{meeting.pk}/").status_code == 404
            assert client.get(f"{PANELS}{meeting.pk}/agenda/").status_code == 404
            assert client.get(PANELS).json()["count"] == 0

    @pytest.mark.parametrize("who", ["panel_member", "school_caseworker", "darlington_coordinator"])
    def test_only_coordinators_of_the_area_arrange_panels(self, api, request, panel_chair, who):
        response = api(request.getfixturevalue(who)).post(
            PANELS,
            {
                "area": "durham",
                "meets_at": "2027-01-05T10:00:00Z",
                "chair": panel_chair.pk,
                "members": [],
            },
            format="json",
        )
        assert response.status_code == 403

    def test_the_chair_must_be_a_chair(self, api, coordinator, panel_member):
        response = api(coordinator).post(
            PANELS,
            {
                "area": "durham",
                "meets_at": "2027-01-05T10:00:00Z",
                "chair": panel_member.pk,
                "members": [],
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "not_a_chair"


@pytest.mark.django_db(transaction=True)
def test_two_decisions_on_the_same_item_at_once_one_gets_409(
    school_caseworker, coordinator, panel_chair
):
    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair)
    barrier = threading.Barrier(2)
    results = []

    def record(outcome):
        try:
            barrier.wait(timeout=10)
            decision_record(
                actor=panel_chair,
                meeting=meeting,
                referral=referral,
                outcome=outcome,
                rationale="Same item",
            )
            results.append("won")
        except ConflictError:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(o,)) for o in ("defer", "no_further_action")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["conflict", "won"]
    assert PanelDecision.objects.count() == 1


@pytest.mark.django_db
def test_an_actions_owner_marks_it_done_and_others_cannot(
    api, school_caseworker, coordinator, panel_chair, panel_member
):
    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair, [panel_member])
    decision = decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=referral,
        outcome="defer",
        rationale="Need school report",
        actions=[
            {
                "description": "Get the school report",
                "owner": school_caseworker,
                "due_date": datetime.date(2027, 1, 5),
            }
        ],
    )
    action = decision.actions.get()
    url = f"{PANELS}{meeting.pk}/decisions/{decision.pk}/actions/{action.pk}/done/"

    by_member = api(panel_member).post(url)
    by_owner_without_sight_of_the_meeting = api(school_caseworker).post(url)
    by_chair = api(panel_chair).post(url)

    assert by_member.status_code == 403
    assert by_owner_without_sight_of_the_meeting.status_code == 404
    assert by_chair.status_code == 200
    assert by_chair.json()["done_at"] is not None


@pytest.mark.django_db
def test_attendance_and_actions_are_written_with_history(
    school_caseworker, coordinator, panel_chair, panel_member
):
    from cases.models import PanelAction, PanelAttendance
    from cases.services import decision_amend

    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair, [panel_member])
    decision = decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=referral,
        outcome="defer",
        rationale="Wait",
        actions=[
            {
                "description": "Call school",
                "owner": coordinator,
                "due_date": datetime.date(2027, 1, 5),
            }
        ],
    )
    decision_amend(
        actor=panel_chair,
        decision=decision,
        expected_version=1,
        actions=[
            {"description": "Call mum", "owner": coordinator, "due_date": datetime.date(2027, 1, 6)}
        ],
    )

    assert PanelAttendance.history.filter(meeting_id=meeting.pk).count() == 2
    assert PanelAttendance.history.first().history_user == coordinator
    history = PanelAction.history.order_by("history_date")
    assert [(h.description, h.history_type) for h in history] == [
        ("Call school", "+"),
        ("Call school", "-"),
        ("Call mum", "+"),
    ]
