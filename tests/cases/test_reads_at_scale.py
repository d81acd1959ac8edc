"""The case-side reads stay flat as data grows: the case list and the panel agenda are read a
page at a time (a cursor, never a count or an offset), each request costs the same number
of queries whatever the page size or the number of cases and agenda items, and only what is
shown is decrypted and recorded in the audit trail."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case
from cases.selectors import panel_agenda_page
from referrals.models import Referral
from tests.factories import accepted_referral, opened_case, panel_meeting, submitted_referral

CASES = "/api/v1/cases/"
PANELS = "/api/v1/panels/"


def more_cases_like(case: Case, count: int) -> None:
    """``count`` more cases of the same person, area and lead: enough rows to page through
    without running the panel for each (the list reads cases, not how they came about)."""
    copies = []
    for _ in range(count):
        copy = Case.objects.get(pk=case.pk)
        copy.pk = uuid.uuid4()
        copies.append(copy)
    Case.objects.bulk_create(copies)


def more_referrals_like(referral: Referral, count: int) -> None:
    """``count`` more referrals accepted for panel like this one (same person and referrer),
    with distinct submission times so the agenda's order is theirs."""
    copies = []
    for n in range(count):
        copy = Referral.objects.get(pk=referral.pk)
        copy.pk = uuid.uuid4()
        copy.submitted_at = referral.submitted_at.replace(microsecond=n)
        copies.append(copy)
    Referral.objects.bulk_create(copies)


def queries_for(callable_):
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    return response, len(captured.captured_queries)


def whole_agenda(meeting):
    """The agenda on one page (every test agenda is far shorter than this)."""
    page = panel_agenda_page(meeting, cursor=None, page_size=1000)
    assert not page.has_next
    return page.items


def walk(client, url, params=None):
    """Every page of an API list by its ``next`` links."""
    items, pages = [], 0
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["results"])
        pages += 1
        if not body["next"]:
            return items, pages
        response = client.get(body["next"])


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return opened_case(school_caseworker, coordinator, panel_chair)


@pytest.mark.django_db
class TestTheCaseList:
    def test_a_coordinator_pages_through_every_case_newest_first_without_a_count(
        self, api, case, coordinator
    ):
        more_cases_like(case, 6)
        client = api(coordinator)
        items, pages = walk(client, CASES, {"page_size": 3})
        expected = list(Case.objects.order_by("-opened_at", "-pk").values_list("pk", flat=True))
        assert [item["id"] for item in items] == [str(pk) for pk in expected]
        assert pages == 3
        assert "count" not in client.get(CASES).json()

    def test_an_altered_cursor_is_a_400_naming_it(self, api, coordinator, case):
        response = api(coordinator).get(CASES, {"cursor": "not-a-cursor"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "cursor"

    @pytest.mark.parametrize("who", ["coordinator", "school_caseworker"])
    def test_the_query_count_does_not_grow_with_cases_or_page_size(self, api, request, case, who):
        client = api(request.getfixturevalue(who))
        client.get(CASES)  # warm the per-process caches (content types)
        _, small = queries_for(lambda: client.get(CASES, {"page_size": 5}))
        more_cases_like(case, 30)
        response, large = queries_for(lambda: client.get(CASES, {"page_size": 30}))
        assert len(response.json()["results"]) == 30
        assert large == small

    def test_the_web_list_pages_with_a_cursor_and_survives_a_mangled_one(
        self, client, case, coordinator
    ):
        more_cases_like(case, 30)
        client.force_login(coordinator)
        first = client.get(reverse("cases:list"))
        assert first.status_code == 200
        assert first.context["page"].has_next
        second = client.get(reverse("cases:list") + "?" + first.context["page"].next_query)
        assert second.status_code == 200
        shown = {c.pk for c in first.context["page"].items} | {
            c.pk for c in second.context["page"].items
        }
        assert len(shown) == 31
        mangled = client.get(reverse("cases:list"), {"cursor": "%%%garbage"})
        assert mangled.status_code == 200
        assert [c.pk for c in mangled.context["page"].items] == [
            c.pk for c in first.context["page"].items
        ]

    def test_the_web_list_costs_the_same_queries_for_5_or_30_cases(self, client, case, coordinator):
        client.force_login(coordinator)
        client.get(reverse("cases:list"))
        _, small = queries_for(lambda: client.get(reverse("cases:list")))
        more_cases_like(case, 30)
        _, large = queries_for(lambda: client.get(reverse("cases:list")))
        assert large == small


@pytest.mark.django_db
class TestTheAgenda:
    @pytest.fixture
    def meeting(self, school_caseworker, coordinator, panel_chair, panel_member):
        referral = accepted_referral(school_caseworker, coordinator, risk_level="medium")
        accepted_referral(school_caseworker, coordinator, risk_level="high")
        more_referrals_like(referral, 3)
        return panel_meeting(coordinator, panel_chair, [panel_member], start=False)

    def test_pages_follow_the_whole_agenda_in_order(self, api, meeting, panel_chair):
        items, pages = walk(api(panel_chair), f"{PANELS}{meeting.pk}/agenda/", {"page_size": 2})
        assert [item["referral"]["id"] for item in items] == [
            str(item.referral.pk) for item in whole_agenda(meeting)
        ]
        assert len(items) == 5
        assert pages == 3

    def test_decided_and_awaiting_items_merge_in_one_order(
        self, api, meeting, panel_chair, school_caseworker, coordinator
    ):
        chair = api(panel_chair)
        assert chair.post(f"{PANELS}{meeting.pk}/start/").status_code == 200
        whole = [item.referral for item in whole_agenda(meeting)]
        decided = chair.post(
            f"{PANELS}{meeting.pk}/decisions/",
            {"referral": str(whole[2].pk), "outcome": "defer", "rationale": "Next month"},
            format="json",
        )
        assert decided.status_code == 201
        items, _ = walk(chair, f"{PANELS}{meeting.pk}/agenda/", {"page_size": 2})
        assert [item["referral"]["id"] for item in items] == [str(r.pk) for r in whole]
        assert [item["decision"] is not None for item in items] == [
            False,
            False,
            True,
            False,
            False,
        ]

    def test_the_decisions_are_paged_in_the_order_they_were_made(self, api, meeting, panel_chair):
        chair = api(panel_chair)
        assert chair.post(f"{PANELS}{meeting.pk}/start/").status_code == 200
        whole = [item.referral for item in whole_agenda(meeting)]
        for referral in (whole[3], whole[0], whole[4]):
            decided = chair.post(
                f"{PANELS}{meeting.pk}/decisions/",
                {"referral": str(referral.pk), "outcome": "defer", "rationale": "Next month"},
                format="json",
            )
            assert decided.status_code == 201
        before = AuditEvent.objects.filter(action="view_decisions").count()
        first = chair.get(f"{PANELS}{meeting.pk}/decisions/", {"page_size": 2}).json()
        assert len(first["results"]) == 2
        assert AuditEvent.objects.filter(action="view_decisions").count() == before + 2
        items, pages = walk(chair, f"{PANELS}{meeting.pk}/decisions/", {"page_size": 2})
        assert [item["referral"] for item in items] == [
            str(r.pk) for r in (whole[3], whole[0], whole[4])
        ]
        assert pages == 2

    def test_only_the_items_shown_are_recorded(self, api, meeting, panel_chair):
        before = AuditEvent.objects.filter(action="view_agenda").count()
        api(panel_chair).get(f"{PANELS}{meeting.pk}/agenda/", {"page_size": 2})
        assert AuditEvent.objects.filter(action="view_agenda").count() - before == 2

    def test_an_altered_cursor_is_a_400_naming_it(self, api, meeting, panel_chair):
        response = api(panel_chair).get(f"{PANELS}{meeting.pk}/agenda/", {"cursor": "eyJ2IjpbMV19"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "cursor"

    @pytest.mark.parametrize("who", ["panel_chair", "panel_member"])
    def test_the_query_count_does_not_grow_with_the_agenda_or_page_size(
        self, api, request, meeting, who
    ):
        client = api(request.getfixturevalue(who))
        url = f"{PANELS}{meeting.pk}/agenda/"
        client.get(url)
        _, small = queries_for(lambda: client.get(url, {"page_size": 5}))
        referral = Referral.objects.filter(status="accepted_for_panel").first()
        more_referrals_like(referral, 30)
        response, large = queries_for(lambda: client.get(url, {"page_size": 30}))
        assert len(response.json()["results"]) == 30
        assert large == small

    def test_the_meeting_page_shows_a_page_and_links_to_the_next(
        self, client, meeting, panel_chair
    ):
        referral = Referral.objects.filter(status="accepted_for_panel").first()
        more_referrals_like(referral, 30)
        client.force_login(panel_chair)
        url = reverse("cases:meeting", args=[meeting.pk])
        first = client.get(url)
        assert first.status_code == 200
        assert len(first.context["agenda"]) == 25
        second = client.get(first.context["next_agenda_url"])
        assert len(second.context["agenda"]) == 10
        assert "Back to the start of the agenda" in second.content.decode()
        mangled = client.get(url, {"cursor": "nonsense"})
        assert mangled.status_code == 200
        assert len(mangled.context["agenda"]) == 25

    def test_the_meeting_page_costs_the_same_queries_for_5_or_35_items(
        self, client, meeting, panel_chair
    ):
        client.force_login(panel_chair)
        url = reverse("cases:meeting", args=[meeting.pk])
        client.get(url)
        _, small = queries_for(lambda: client.get(url))
        referral = Referral.objects.filter(status="accepted_for_panel").first()
        more_referrals_like(referral, 30)
        _, large = queries_for(lambda: client.get(url))
        assert large == small

    def test_a_page_reads_and_decrypts_only_its_items(self, meeting):
        page = panel_agenda_page(meeting, cursor=None, page_size=2)
        assert len(page.items) == 2
        assert page.has_next

    @pytest.mark.parametrize("who", ["panel_chair", "panel_member"])
    def test_a_page_costs_five_queries(
        self, api, request, meeting, who, django_assert_max_num_queries
    ):
        client = api(request.getfixturevalue(who))
        url = f"{PANELS}{meeting.pk}/agenda/"
        client.get(url)  # the token's first use is noted
        # token with roles; the meeting; the page (its decided and awaiting items in one
        # statement); the agreements in force; the audit INSERT.
        with django_assert_max_num_queries(5):
            assert client.get(url, {"page_size": 30}).status_code == 200

    def test_decided_items_add_their_decisions_and_actions(
        self, api, meeting, panel_chair, django_assert_max_num_queries
    ):
        chair = api(panel_chair)
        url = f"{PANELS}{meeting.pk}/agenda/"
        assert chair.post(f"{PANELS}{meeting.pk}/start/").status_code == 200
        for item in whole_agenda(meeting)[:3]:
            decided = chair.post(
                f"{PANELS}{meeting.pk}/decisions/",
                {
                    "referral": str(item.referral.pk),
                    "outcome": "defer",
                    "rationale": "Next month",
                    "actions": [
                        {
                            "description": "Ask the school",
                            "owner": panel_chair.pk,
                            "due_date": "2026-12-01",
                        }
                    ],
                },
                format="json",
            )
            assert decided.status_code == 201, decided.json()
        chair.get(url)
        # ...and, when the page holds decided items, their decisions with who decided, and
        # their actions with their owners: the same for one decision or thirty.
        with django_assert_max_num_queries(7):
            response = chair.get(url, {"page_size": 30})
        results = response.json()["results"]
        assert [item["decision"] is not None for item in results] == [True] * 3 + [False] * 2
        assert results[0]["decision"]["decided_by"]["id"] == panel_chair.pk
        assert len(results[0]["decision"]["actions"]) == 1

    def test_the_page_statement_reads_what_the_querysets_define(
        self, meeting, panel_chair, panel_member, coordinator, school_caseworker
    ):
        """``panel_agenda_page`` reads in SQL of its own what ``_decided_on_agenda`` and
        ``_awaiting_panel`` define, in ``_in_agenda_order``'s columns and order."""
        from cases.selectors import (
            _agenda_key,
            _awaiting_panel,
            _decided_on_agenda,
            _in_agenda_order,
        )
        from cases.services import decision_record, meeting_start

        earlier = panel_meeting(coordinator, panel_chair, [panel_member])
        first = whole_agenda(meeting)[0].referral
        decision_record(
            actor=panel_chair, meeting=earlier, referral=first, outcome="defer", rationale="Later"
        )
        meeting_start(actor=panel_chair, meeting=meeting)
        meeting.refresh_from_db()
        second = whole_agenda(meeting)[1].referral
        decision_record(
            actor=panel_chair, meeting=meeting, referral=second, outcome="defer", rationale="Later"
        )
        submitted_referral(school_caseworker)  # not accepted for panel: not on the agenda

        def described(referral):
            return (
                referral.pk,
                referral.risk_rank,
                referral.deferred_before,
                referral.decided_here,
                sorted(referral.approved_basis_purposes),
                referral.narrative,
                referral.permitted_purposes,
                referral.person.given_name,
                referral.person.date_of_birth,
                referral.organisation.name,
                referral.get_deferred_fields(),
                referral.person.get_deferred_fields(),
            )

        defined = sorted(
            [
                *_in_agenda_order(meeting, _decided_on_agenda(meeting)),
                *_in_agenda_order(meeting, _awaiting_panel(meeting)),
            ],
            key=_agenda_key,
        )
        assert [described(item.referral) for item in whole_agenda(meeting)] == [
            described(referral) for referral in defined
        ]
        assert [r.deferred_before for r in defined].count(True) == 1
        assert [r.decided_here for r in defined].count(True) == 1
        for page_size in (1, 2, 3):
            items, cursor = [], None
            while True:
                page = panel_agenda_page(meeting, cursor=cursor, page_size=page_size)
                items += [item.referral.pk for item in page.items]
                if not page.has_next:
                    break
                cursor = page.next_cursor
            assert items == [referral.pk for referral in defined]
