"""The coordinator's planner, the chair's meeting page, minutes, and the case page."""

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from cases.models import PanelDecision, PanelMeeting
from cases.pages import TIMELINE_PAGE_SIZE
from cases.services import decision_record, meeting_close, note_add
from tests.factories import accepted_referral, opened_case, panel_meeting
from tests.support import date_parts


@pytest.mark.django_db
class TestPlanner:
    def test_a_coordinator_arranges_a_meeting(self, client, coordinator, panel_chair, panel_member):
        import datetime

        client.force_login(coordinator)
        response = client.post(
            reverse("cases:planner"),
            {
                "area": "durham",
                "meets_at_time": "10:00",
                "chair": panel_chair.pk,
                "members": [panel_member.pk],
                **date_parts("meets_on", datetime.date(2027, 1, 12)),
            },
        )
        meeting = PanelMeeting.objects.get()
        assert response["Location"] == reverse("cases:meeting", args=[meeting.pk])
        assert set(meeting.attendance.values_list("user__username", flat=True)) == {
            "panel-chair",
            "panel-member",
        }

    def test_others_cannot_arrange_meetings(self, client, panel_member, panel_chair):
        client.force_login(panel_member)
        response = client.post(
            reverse("cases:planner"), {"area": "durham", "chair": panel_chair.pk}
        )
        assert response.status_code == 403
        assert PanelMeeting.objects.count() == 0


@pytest.mark.django_db
class TestMeetingPage:
    def test_the_chair_records_a_decision_from_the_page(
        self, client, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        client.force_login(panel_chair)
        prefix = f"item-{referral.pk}"

        page = client.get(reverse("cases:meeting", args=[meeting.pk]))
        assert referral.narrative.encode() in page.content
        response = client.post(
            reverse("cases:decision", args=[meeting.pk]),
            {
                "prefix": prefix,
                f"{prefix}-referral": referral.pk,
                f"{prefix}-outcome": "no_further_action",
                f"{prefix}-rationale": "Support already in place at school",
            },
        )

        assert response.status_code == 302
        assert PanelDecision.objects.get().outcome == "no_further_action"

    def test_a_decision_with_missing_details_is_explained(
        self, client, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        client.force_login(panel_chair)
        prefix = f"item-{referral.pk}"

        response = client.post(
            reverse("cases:decision", args=[meeting.pk]),
            {
                "prefix": prefix,
                f"{prefix}-referral": referral.pk,
                f"{prefix}-outcome": "open_case",
                f"{prefix}-rationale": "Needs a lead",
            },
        )

        assert response.status_code == 400
        assert b"Name the lead professional" in response.content
        assert PanelDecision.objects.count() == 0

    def test_a_member_who_is_not_on_the_meeting_sees_nothing(
        self, client, coordinator, panel_chair, darlington_panel_member
    ):
        meeting = panel_meeting(coordinator, panel_chair)
        client.force_login(darlington_panel_member)
        assert client.get(reverse("cases:meeting", args=[meeting.pk])).status_code == 404

    def test_closing_from_the_page_twice_explains_the_conflict(
        self, client, coordinator, panel_chair
    ):
        meeting = panel_meeting(coordinator, panel_chair)
        client.force_login(panel_chair)
        url = reverse("cases:meeting-transition", args=[meeting.pk, "close"])
        assert client.post(url).status_code == 302
        again = client.post(url)
        assert again.status_code == 409
        assert b"the meeting is closed" in again.content


@pytest.mark.django_db
class TestMinutes:
    def test_minutes_exist_once_the_meeting_is_closed_and_csv_cells_cannot_run_formulas(
        self, client, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair)
        decision_record(
            actor=panel_chair,
            meeting=meeting,
            referral=referral,
            outcome="no_further_action",
            rationale='=HYPERLINK("http://evil.example","click")',
        )
        client.force_login(coordinator)
        assert client.get(reverse("cases:minutes", args=[meeting.pk])).status_code == 404

        meeting_close(actor=panel_chair, meeting=meeting)
        response = client.get(reverse("cases:minutes-csv", args=[meeting.pk]))

        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        [decision] = [row for row in rows if row["record"] == "decision"]
        assert decision["rationale"].startswith("'=HYPERLINK")
        assert response["Content-Type"].startswith("text/csv")


CASE_PAGE_BUDGET = 17


@pytest.mark.django_db
class TestCasePage:
    def test_the_lead_sees_the_chronology_and_adds_a_note(
        self, client, school_caseworker, coordinator, panel_chair
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        client.force_login(school_caseworker)

        page = client.get(reverse("cases:case", args=[case.pk]))
        added = client.post(
            reverse("cases:case-note", args=[case.pk]), {"text": "Home visit went well"}
        )
        after = client.get(reverse("cases:case", args=[case.pk]))

        assert b"Panel decision: open a case" in page.content
        assert added.status_code == 302
        assert b"Home visit went well" in after.content

    def test_a_panel_member_reads_but_has_no_forms(
        self, client, school_caseworker, coordinator, panel_chair, panel_member
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        client.force_login(panel_member)
        page = client.get(reverse("cases:case", args=[case.pk]))
        assert page.status_code == 200
        assert b"Add a note" not in page.content
        refused = client.post(reverse("cases:case-note", args=[case.pk]), {"text": "x"})
        assert refused.status_code == 403

    def test_the_chronology_pages_older_by_cursor_and_back_to_the_newest(
        self, client, school_caseworker, coordinator, panel_chair
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        for n in range(TIMELINE_PAGE_SIZE + 5):
            note_add(actor=school_caseworker, case=case, text=f"Note number {n}")
        client.force_login(school_caseworker)
        url = reverse("cases:case", args=[case.pk])

        def chronology(response):
            """The chronology and its links (the notes column lists every note)."""
            content = response.content.decode()
            start = content.index("Chronology</h2>")
            return content[start : content.index("Interventions</h2>", start)]

        first = chronology(client.get(url))
        older_link = re.search(r'href="\?(cursor=[^"]+)" rel="next"', first)
        older = chronology(client.get(f"{url}?{html.unescape(older_link.group(1))}"))
        damaged = chronology(client.get(f"{url}?cursor=nonsense"))

        assert f"Note number {TIMELINE_PAGE_SIZE + 4}" in first
        assert "Note number 4<" not in first
        assert ">Newest<" not in first
        assert "Note number 4<" in older
        assert f"Note number {TIMELINE_PAGE_SIZE + 4}" not in older
        assert f'href="{url}" rel="prev"' in older
        assert "Panel decision: open a case" in older
        assert f"Note number {TIMELINE_PAGE_SIZE + 4}" in damaged

    @pytest.mark.parametrize("notes", [1, 40])
    def test_the_case_page_has_a_constant_query_budget(
        self,
        client,
        school_caseworker,
        coordinator,
        panel_chair,
        notes,
        django_assert_max_num_queries,
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        for n in range(notes):
            note_add(actor=school_caseworker, case=case, text=f"Note {n}")
        client.force_login(coordinator)
        url = reverse("cases:case", args=[case.pk])
        client.get(url)
        # session, user, second factor, memberships; the case; the chronology (one query for
        # every source); the case's shares (listed, and the viewer's capacities answered
        # from them) and notes; the interventions section (latest referral, its Gillick
        # assessment and agreements to take part, allocations, outcome records, the derived
        # measure with its re-referral); the navigation's two counts; the audit INSERT.
        with django_assert_max_num_queries(CASE_PAGE_BUDGET):
            assert client.get(url).status_code == 200
        with django_assert_max_num_queries(CASE_PAGE_BUDGET):
            assert client.get(url, {"cursor": "nonsense"}).status_code == 200

    def test_another_organisation_gets_404(
        self, client, school_caseworker, coordinator, panel_chair, police_officer
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        client.force_login(police_officer)
        assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404
        assert b"No cases to show" in client.get(reverse("cases:list")).content
