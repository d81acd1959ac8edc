"""Cases: who sees them, sharing, risk reviews, notes, the chronology, closing and reopening."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseNote, CaseShare
from referrals.models import Referral
from referrals.services import referral_create
from tests.factories import (
    REFERRAL_DEFAULTS,
    accepted_referral,
    make_member,
    make_person,
    make_referral,
    opened_case,
    years_ago,
)

CASES = "/api/v1/cases/"


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return opened_case(school_caseworker, coordinator, panel_chair)


@pytest.mark.django_db
class TestWhoSeesACase:
    def test_lead_coordinator_and_panel_members_of_the_area_see_it(
        self, api, case, school_caseworker, coordinator, panel_chair, panel_member
    ):
        for user in (school_caseworker, coordinator, panel_chair, panel_member):
            assert api(user).get(f"{CASES}{case.pk}/").status_code == 200, user.username

    @pytest.mark.parametrize(
        "who",
        [
            "police_officer",
            "provider_keyworker",
            "ig_officer",
            "analyst",
            "darlington_coordinator",
            "darlington_panel_member",
        ],
    )
    def test_everyone_else_gets_404(self, api, request, case, who):
        client = api(request.getfixturevalue(who))
        assert client.get(f"{CASES}{case.pk}/").status_code == 404
        assert client.get(f"{CASES}{case.pk}/timeline/").status_code == 404
        assert len(client.get(CASES).json()["results"]) == 0

    def test_the_lead_organisation_is_shared_on_consent(self, api, case, school):
        share = CaseShare.objects.get(case=case)
        assert (share.organisation, share.purpose, share.basis) == (
            school,
            "information_sharing",
            "consent",
        )
        colleague = make_member(school, "referrer")
        assert api(colleague).get(f"{CASES}{case.pk}/").status_code == 200


@pytest.mark.django_db
class TestSharing:
    def test_sharing_and_unsharing_change_what_another_organisation_sees_at_once(
        self, api, case, school_caseworker, police, police_officer
    ):
        lead, officer = api(school_caseworker), api(police_officer)
        assert officer.get(f"{CASES}{case.pk}/").status_code == 404

        shared = lead.post(
            f"{CASES}{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "information_sharing"},
            format="json",
        )
        assert shared.status_code == 201, shared.json()
        assert officer.get(f"{CASES}{case.pk}/").status_code == 200
        assert len(officer.get(CASES).json()["results"]) == 1

        ended = lead.post(
            f"{CASES}{case.pk}/shares/{shared.json()['id']}/end/",
            {"reason": "Police work finished"},
            format="json",
        )
        assert ended.status_code == 200
        assert officer.get(f"{CASES}{case.pk}/").status_code == 404
        assert len(officer.get(CASES).json()["results"]) == 0

    def test_sharing_needs_consent_or_a_lawful_basis_for_the_purpose(
        self, api, case, school_caseworker, police
    ):
        response = api(school_caseworker).post(
            f"{CASES}{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "intervention_delivery"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "not_permitted"

    def test_the_same_share_twice_is_a_409(self, api, case, school_caseworker, police):
        client = api(school_caseworker)
        body = {"organisation": police.pk, "purpose": "information_sharing"}
        assert client.post(f"{CASES}{case.pk}/shares/", body, format="json").status_code == 201
        assert client.post(f"{CASES}{case.pk}/shares/", body, format="json").status_code == 409

    def test_withdrawing_consent_ends_the_shares_that_relied_on_it(
        self, api, case, school_caseworker, police, police_officer
    ):
        from referrals.consent import consent_withdraw

        api(school_caseworker).post(
            f"{CASES}{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "information_sharing"},
            format="json",
        )
        consent_withdraw(
            actor=school_caseworker,
            referral=case.referrals.get(),
            purposes=["information_sharing"],
            given_by="parent_or_guardian",
            reason="Dad withdrew consent by email",
        )

        assert api(police_officer).get(f"{CASES}{case.pk}/").status_code == 404
        assert not CaseShare.objects.filter(case=case, ended_at__isnull=True).exists()

    @pytest.mark.parametrize("who", ["panel_member", "police_officer"])
    def test_only_the_lead_or_a_coordinator_shares(self, api, request, case, police, who):
        response = api(request.getfixturevalue(who)).post(
            f"{CASES}{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "information_sharing"},
            format="json",
        )
        assert response.status_code in {403, 404}
        assert CaseShare.objects.filter(organisation=police).count() == 0


@pytest.mark.django_db
class TestRiskReviews:
    def test_a_review_sets_the_level_and_next_review(self, api, case, school_caseworker):
        today = timezone.localdate()
        response = api(school_caseworker).post(
            f"{CASES}{case.pk}/risk-reviews/",
            {
                "level": "high",
                "rationale": "Seen with older gang members twice this week.",
                "reviewed_on": today.isoformat(),
                "next_review_date": (today + datetime.timedelta(days=14)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201
        case.refresh_from_db()
        assert (case.risk_level, case.next_review_date) == (
            "high",
            today + datetime.timedelta(days=14),
        )

    @pytest.mark.parametrize(
        ("field", "value"),
        [("level", "extreme"), ("reviewed_on", "2999-01-01"), ("next_review_date", "2000-01-01")],
    )
    def test_bad_reviews_are_400s(self, api, case, school_caseworker, field, value):
        today = timezone.localdate()
        body = {
            "level": "high",
            "rationale": "Reason",
            "reviewed_on": today.isoformat(),
            "next_review_date": (today + datetime.timedelta(days=14)).isoformat(),
            field: value,
        }
        response = api(school_caseworker).post(
            f"{CASES}{case.pk}/risk-reviews/", body, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == field
        assert case.risk_reviews.count() == 0

    def test_overdue_reviews_are_listed_for_the_lead_and_the_coordinator(
        self, api, case, school_caseworker, coordinator
    ):
        Case.objects.filter(pk=case.pk).update(
            next_review_date=timezone.localdate() - datetime.timedelta(days=1)
        )
        for user in (school_caseworker, coordinator):
            overdue = api(user).get(CASES, {"overdue_review": "true"}).json()
            assert [c["id"] for c in overdue["results"]] == [str(case.pk)]
        not_overdue = api(coordinator).get(CASES, {"overdue_review": "false"}).json()
        assert not_overdue["results"] == []


@pytest.mark.django_db
class TestNotes:
    def test_the_author_edits_a_note_within_24_hours(self, api, case, school_caseworker):
        client = api(school_caseworker)
        note = client.post(
            f"{CASES}{case.pk}/notes/", {"text": "Met mum at school"}, format="json"
        ).json()

        edited = client.patch(
            f"{CASES}{case.pk}/notes/{note['id']}/",
            {"text": "Met mum and dad at school", "version": 1},
            format="json",
        )

        assert edited.status_code == 200
        assert edited.json()["text"] == "Met mum and dad at school"

    def test_after_24_hours_a_note_is_corrected_by_a_new_note_and_the_original_stays(
        self, api, case, school_caseworker
    ):
        client = api(school_caseworker)
        original = client.post(
            f"{CASES}{case.pk}/notes/", {"text": "Seen on Tuesday"}, format="json"
        ).json()
        CaseNote.objects.filter(pk=original["id"]).update(
            created_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
        )

        refused = client.patch(
            f"{CASES}{case.pk}/notes/{original['id']}/",
            {"text": "Seen on Wednesday", "version": 1},
            format="json",
        )
        correction = client.post(
            f"{CASES}{case.pk}/notes/",
            {"text": "Correction: seen on Wednesday", "corrects": original["id"]},
            format="json",
        )

        assert refused.status_code == 409
        assert correction.status_code == 201
        assert correction.json()["corrects"] == original["id"]
        assert CaseNote.objects.get(pk=original["id"]).text == "Seen on Tuesday"
        assert CaseNote.objects.filter(case=case).count() == 2

    def test_only_the_author_edits(self, api, case, school_caseworker, coordinator):
        note = (
            api(school_caseworker)
            .post(f"{CASES}{case.pk}/notes/", {"text": "Mine"}, format="json")
            .json()
        )
        response = api(coordinator).patch(
            f"{CASES}{case.pk}/notes/{note['id']}/",
            {"text": "Changed", "version": 1},
            format="json",
        )
        assert response.status_code == 403

    def test_panel_members_read_but_do_not_write_notes(self, api, case, panel_member):
        response = api(panel_member).post(f"{CASES}{case.pk}/notes/", {"text": "x"}, format="json")
        assert response.status_code == 403

    def test_notes_are_encrypted_at_rest(self, api, case, school_caseworker):
        from django.db import connection

        api(school_caseworker).post(
            f"{CASES}{case.pk}/notes/", {"text": "Disclosed a threat"}, format="json"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM cases_casenote")
            assert "threat" not in cursor.fetchone()[0]


@pytest.mark.django_db
class TestClosingAndReopening:
    def test_closing_needs_a_reason_and_summary_and_reopening_a_reason(
        self, api, case, school_caseworker, police
    ):
        client = api(school_caseworker)
        assert (
            client.post(
                f"{CASES}{case.pk}/close/", {"reason": "goals_met"}, format="json"
            ).status_code
            == 400
        )
        closed = client.post(
            f"{CASES}{case.pk}/close/",
            {"reason": "goals_met", "summary": "Back in school full time"},
            format="json",
        )
        assert closed.status_code == 200
        assert closed.json()["status"] == "closed"
        shared = client.post(
            f"{CASES}{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "information_sharing"},
            format="json",
        )
        assert shared.status_code == 409
        assert client.post(f"{CASES}{case.pk}/reopen/", {}, format="json").status_code == 400
        reopened = client.post(
            f"{CASES}{case.pk}/reopen/", {"reason": "Excluded again"}, format="json"
        )
        assert reopened.json()["status"] == "open"

    def test_a_new_referral_of_the_person_joins_the_open_case(self, case, police_officer):
        # The police record the same young person themselves: the blind index links them.
        person = make_person(police_officer, date_of_birth=case.person.date_of_birth)
        referral = make_referral(police_officer, person=person)
        assert referral.case == case

    def test_a_referral_recording_the_person_anew_joins_their_open_case(self, case, police_officer):
        # The police cannot see the school's record, so they record the young person anew
        # with their referral: the blind index still finds the case to join.
        referral = refer_someone_new(police_officer, like=case.person)
        assert referral.person_id != case.person_id
        assert referral.case == case

    def test_a_referral_of_someone_nobody_has_recorded_joins_no_case(self, case, police_officer):
        referral = refer_someone_new(police_officer, like=case.person, family_name="Else")
        assert referral.case is None


def refer_someone_new(actor, *, like, **differences):
    """A draft referral that records a new person with ``like``'s details but for these."""
    details = {
        "given_name": like.given_name,
        "family_name": like.family_name,
        "date_of_birth": like.date_of_birth,
    }
    return referral_create(
        actor=actor,
        **REFERRAL_DEFAULTS,
        incident_date=timezone.localdate(),
        new_person=details | differences,
    )


@pytest.mark.django_db
class TestTimeline:
    def test_the_chronology_is_newest_first_and_paged(self, api, case, school_caseworker):
        client = api(school_caseworker)
        for n in range(3):
            client.post(f"{CASES}{case.pk}/notes/", {"text": f"Note {n}"}, format="json")

        first = client.get(f"{CASES}{case.pk}/timeline/", {"page_size": 2}).json()
        second = client.get(first["next"]).json()

        assert [e["detail"] for e in first["results"]] == ["Note 2", "Note 1"]
        assert first["previous"] is None
        assert second["results"][0]["detail"] == "Note 0"
        kinds = {
            e["kind"]
            for e in client.get(f"{CASES}{case.pk}/timeline/", {"page_size": 100}).json()["results"]
        }
        assert kinds == {"referral", "consent", "panel_decision", "share", "note"}

    def test_pages_walk_the_whole_timeline_through_entries_at_the_same_moment(
        self, api, case, school_caseworker
    ):
        client = api(school_caseworker)
        for n in range(5):
            client.post(f"{CASES}{case.pk}/notes/", {"text": f"Note {n}"}, format="json")
        # Five notes written at one instant: a page may end among them.
        CaseNote.objects.filter(case=case).update(created_at=timezone.now())
        whole = client.get(f"{CASES}{case.pk}/timeline/", {"page_size": 100}).json()
        assert whole["next"] is None

        walked, url, params = [], f"{CASES}{case.pk}/timeline/", {"page_size": 2}
        while url:
            page = client.get(url, params).json()
            walked += page["results"]
            url, params = page["next"], None
        assert walked == whole["results"]
        assert [e["detail"] for e in walked[:5]] == [f"Note {n}" for n in range(4, -1, -1)]

    def test_a_cursor_the_timeline_did_not_make_is_a_400(self, api, case, school_caseworker):
        response = api(school_caseworker).get(f"{CASES}{case.pk}/timeline/", {"cursor": "nonsense"})
        assert response.status_code == 400
        assert "cursor" in str(response.json())

    def test_the_compiled_statement_reads_what_the_querysets_define(
        self, api, case, school_caseworker
    ):
        """``_timeline`` reads, through its statement compiled once, what ``_timeline_query``
        defines for this case: from the newest, and from a time with entries skipped."""
        from cases.extensions import timeline_sources
        from cases.selectors import TIMELINE_SOURCES, _timeline, _timeline_query

        client = api(school_caseworker)
        for n in range(4):
            client.post(f"{CASES}{case.pk}/notes/", {"text": f"Note {n}"}, format="json")
        # Notes 1 and 2 at one instant: a page may start among them.
        _, second, third, _ = CaseNote.objects.filter(case=case).order_by("-created_at")
        CaseNote.objects.filter(pk=third.pk).update(created_at=second.created_at)
        other = Case.objects.exclude(pk=case.pk).first()
        sources = (*TIMELINE_SOURCES, *timeline_sources())

        def defined(**page):
            return [
                sources[rank].entry(at, values)
                for rank, at, _key, values in _timeline_query(case, **page)
            ]

        newest = _timeline(case, limit=6)
        assert newest == defined(limit=6, offset=0, before=None)
        assert [entry.detail for entry in newest[:4]] == ["Note 3", "Note 2", "Note 1", "Note 0"]
        tie = newest[1].at
        assert _timeline(case, limit=3, offset=1, before=tie) == defined(
            limit=3, offset=1, before=tie
        )
        assert _timeline(case, limit=100) == defined(limit=100, offset=0, before=None)
        if other is not None:
            assert _timeline(other, limit=6) != newest

    def test_a_source_that_reads_more_of_the_case_than_its_id_is_refused(self, monkeypatch):
        """The statement is compiled for a stand-in case: a source's rows that depended on
        another of its fields would be wrong for every other case, so compiling fails."""
        from cases import selectors
        from cases.extensions import TimelineSource

        by_person = TimelineSource(
            rows=lambda case, referral_ids: CaseNote.objects.filter(case__person=case.person_id),
            at="created_at",
            values={"text": "text"},
            entry=lambda at, values: None,
        )
        monkeypatch.setattr(selectors, "timeline_sources", lambda: [by_person])
        with pytest.raises(Case.DoesNotExist):
            selectors._timeline_statement.__wrapped__("default", -1, limit=5, offset=0, paged=False)

    @pytest.mark.parametrize(("page_size", "notes"), [(5, 2), (5, 30), (50, 2), (50, 30)])
    def test_the_timeline_has_a_constant_query_budget(
        self, api, case, school_caseworker, django_assert_max_num_queries, page_size, notes
    ):
        client = api(school_caseworker)
        for n in range(notes):
            client.post(f"{CASES}{case.pk}/notes/", {"text": f"Note {n}"}, format="json")
        # token (2), memberships, case, then the chronology: one query over every source
        # (``UNION ALL``), whatever the page size, the sources or their rows; plus the one
        # INSERT that writes the request's audit events.
        with django_assert_max_num_queries(6):
            response = client.get(f"{CASES}{case.pk}/timeline/", {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(page_size, notes + 9)
        older = response.json()["next"]
        assert (older is None) == (page_size >= notes + 9)
        if older:
            # A later page, read from its cursor, costs the same.
            with django_assert_max_num_queries(6):
                assert client.get(older).status_code == 200

    @pytest.mark.parametrize("count", [1, 8])
    def test_the_case_list_has_a_constant_query_budget(
        self, api, school_caseworker, coordinator, panel_chair, django_assert_max_num_queries, count
    ):
        for n in range(count):
            person = make_person(
                school_caseworker, family_name=f"Family{n}", date_of_birth=years_ago(14)
            )
            opened_case(school_caseworker, coordinator, panel_chair, person=person)
        client = api(coordinator)
        # token (2), memberships, one keyset page per way the coordinator sees a case (led,
        # area, shared with their organisation, break-glass), the page's rows, and the one
        # INSERT that writes the request's audit events: the same for 1 or 100 cases.
        with django_assert_max_num_queries(9):
            response = client.get(CASES, {"page_size": 100})
        assert len(response.json()["results"]) == count


@pytest.mark.django_db
def test_a_case_opened_for_someone_with_an_open_case_reuses_it(
    school_caseworker, coordinator, panel_chair
):
    case = opened_case(school_caseworker, coordinator, panel_chair)
    second = accepted_referral(school_caseworker, coordinator, person=case.person)
    assert second.case == case
    from cases.services import decision_record
    from tests.factories import panel_meeting

    meeting = panel_meeting(coordinator, panel_chair)
    decision = decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=second,
        outcome="open_case",
        rationale="Same young person",
        lead_professional=school_caseworker,
        lead_organisation=case.lead_organisation,
    )
    assert decision.case == case
    assert Case.objects.count() == 1
    assert Referral.objects.get(pk=second.pk).status == "case_opened"
