"""Making, reading, listing and correcting referrals, and who sees them."""

import datetime

import pytest

from referrals.models import Person, Referral
from tests.factories import make_member, make_person, make_referral, submitted_referral, years_ago

REFERRALS_URL = "/api/v1/referrals/"


def body(person=None, **overrides):
    data = {
        "pathway": "u18_prevention",
        "area": "durham",
        "incident_date": "2026-06-01",
        "incident_place": "Outside the school gates",
        "narrative": "Threatened a pupil with a blade after school.",
        "risk_factors": ["knife_carrying"],
        "risk_level": "medium",
        **overrides,
    }
    if person is not None:
        data["person"] = str(person.pk)
    return data


def error_pairs(response):
    return sorted((e["attr"], e["code"]) for e in response.json()["errors"])


@pytest.mark.django_db
class TestMakingAReferral:
    def test_a_school_caseworker_starts_a_draft_for_a_person_they_recorded(
        self, api, school_caseworker, school
    ):
        person = make_person(school_caseworker, date_of_birth=years_ago(14))

        response = api(school_caseworker).post(REFERRALS_URL, body(person), format="json")

        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "draft"
        assert data["person"]["family_name"] == "Fletcher"
        assert data["organisation"]["id"] == school.pk
        assert data["age_at_referral"] == 14
        assert data["permitted_purposes"] == []
        referral = Referral.objects.get(pk=data["id"])
        assert referral.history.get().history_user == school_caseworker

    def test_a_new_person_can_be_recorded_with_the_referral(self, api, school_caseworker):
        new_person = {
            "given_name": "Tyler",
            "family_name": "Marsh",
            "date_of_birth": years_ago(15).isoformat(),
            "gender": "male",
        }

        response = api(school_caseworker).post(
            REFERRALS_URL, body(new_person=new_person), format="json"
        )

        assert response.status_code == 201, response.json()
        assert Person.objects.get().given_name == "Tyler"

    def test_a_possible_duplicate_person_is_pointed_out_not_silently_created(
        self, api, school_caseworker
    ):
        existing = make_person(school_caseworker, date_of_birth=years_ago(14))
        new_person = {
            "given_name": "Jordan",
            "family_name": "FLETCHER",
            "date_of_birth": existing.date_of_birth.isoformat(),
        }
        client = api(school_caseworker)

        refused = client.post(REFERRALS_URL, body(new_person=new_person), format="json")
        confirmed = client.post(
            REFERRALS_URL,
            body(new_person=new_person, allow_possible_duplicate=True),
            format="json",
        )

        assert refused.status_code == 400
        assert error_pairs(refused) == [("new_person", "possible_duplicate")]
        assert str(existing.pk) in refused.json()["errors"][0]["detail"]
        assert confirmed.status_code == 201
        assert Person.objects.count() == 2

    def test_a_person_the_referrer_cannot_see_cannot_be_referred(
        self, api, school_caseworker, police_officer
    ):
        someone_elses = make_person(police_officer, date_of_birth=years_ago(14))
        response = api(school_caseworker).post(REFERRALS_URL, body(someone_elses), format="json")
        assert response.status_code == 400
        assert error_pairs(response) == [("person", "does_not_exist")]

    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            ({"pathway": "knife_crime"}, [("pathway", "invalid_choice")]),
            ({"narrative": ""}, [("narrative", "blank")]),
            ({"risk_level": None}, [("risk_level", "null")]),
            ({"incident_date": "2999-01-01"}, [("incident_date", "future_date")]),
            ({"incident_date": "yesterday"}, [("incident_date", "invalid")]),
            ({"dash_score": 15}, [("dash_score", "no_longer_accepted")]),
            ({"risk_factors": "knife_carrying"}, [("risk_factors", "not_a_list")]),
            ({"risk_factors": ["dragons"]}, [("risk_factors.0", "invalid_choice")]),
            ({"night_time_economy": "perhaps"}, [("night_time_economy", "invalid")]),
            ({"narrative": "x" * 10001}, [("narrative", "max_length")]),
            ({"area": "narnia"}, [("area", "invalid_choice")]),
        ],
    )
    def test_bad_input_is_a_400_and_writes_nothing(
        self, api, school_caseworker, overrides, expected
    ):
        person = make_person(school_caseworker, date_of_birth=years_ago(14))
        history_before = Person.history.count()

        response = api(school_caseworker).post(
            REFERRALS_URL, body(person, **overrides), format="json"
        )

        assert response.status_code == 400
        assert error_pairs(response) == expected
        assert Referral.objects.count() == 0
        assert Person.history.count() == history_before

    def test_missing_fields_are_each_named(self, api, school_caseworker):
        response = api(school_caseworker).post(REFERRALS_URL, {}, format="json")
        assert response.status_code == 400
        assert {attr for attr, _ in error_pairs(response)} >= {
            "pathway",
            "incident_date",
            "narrative",
            "risk_level",
        }

    def test_a_risk_factor_off_the_pathways_checklist_is_refused(self, api, police_officer):
        person = make_person(police_officer, date_of_birth=years_ago(25))
        response = api(police_officer).post(
            REFERRALS_URL,
            body(
                person,
                pathway="nte_alcohol",
                night_time_economy=True,
                incident_time="23:30",
                risk_factors=["alcohol", "school_exclusion"],
            ),
            format="json",
        )
        assert response.status_code == 400
        assert error_pairs(response) == [("risk_factors", "not_in_checklist")]

    def test_a_countywide_organisation_must_say_which_area(self, api, police_officer):
        person = make_person(police_officer, date_of_birth=years_ago(14))
        data = body(person)
        del data["area"]
        response = api(police_officer).post(REFERRALS_URL, data, format="json")
        assert error_pairs(response) == [("area", "required")]

    @pytest.mark.parametrize("who", ["provider_keyworker", "ig_officer", "analyst", "coordinator"])
    def test_roles_that_do_not_refer_cannot_make_referrals(
        self, api, request, who, school_caseworker
    ):
        person = make_person(school_caseworker, date_of_birth=years_ago(14))
        response = api(request.getfixturevalue(who)).post(
            REFERRALS_URL, body(person), format="json"
        )
        assert response.status_code == 403
        assert Referral.objects.count() == 0

    def test_an_ineligible_caseworker_may_record_a_signpost_instead(self, api, school_caseworker):
        adult = make_person(school_caseworker, date_of_birth=years_ago(19))

        response = api(school_caseworker).post(
            f"{REFERRALS_URL}signpost/",
            body(adult, signpost_service="substance_misuse_service", signpost_note="Self-referral"),
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "signposted"
        assert response.json()["signpost_service"] == "substance_misuse_service"


@pytest.mark.django_db
class TestSeeingReferrals:
    def test_a_police_referrer_cannot_see_a_schools_referral(
        self, api, school_caseworker, police_officer
    ):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        response = api(police_officer).get(f"{REFERRALS_URL}{referral.pk}/")
        assert response.status_code == 404
        assert api(police_officer).get(REFERRALS_URL).json()["results"] == []

    def test_colleagues_at_the_referring_organisation_see_it(self, api, school_caseworker, school):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        colleague = make_member(school, "referrer")
        assert api(colleague).get(f"{REFERRALS_URL}{referral.pk}/").status_code == 200

    def test_a_coordinator_sees_submitted_referrals_of_their_area_only(
        self, api, school_caseworker, coordinator, darlington_coordinator
    ):
        draft = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        submitted = submitted_referral(
            school_caseworker,
            person=make_person(school_caseworker, given_name="Sam", date_of_birth=years_ago(13)),
        )

        durham = api(coordinator)
        assert durham.get(f"{REFERRALS_URL}{draft.pk}/").status_code == 404
        assert durham.get(f"{REFERRALS_URL}{submitted.pk}/").status_code == 200
        assert [r["id"] for r in durham.get(REFERRALS_URL).json()["results"]] == [str(submitted.pk)]
        assert api(darlington_coordinator).get(f"{REFERRALS_URL}{submitted.pk}/").status_code == 404
        # ...and the person behind it, so that they can screen it.
        assert durham.get(f"/api/v1/people/{submitted.person_id}/").status_code == 200

    @pytest.mark.parametrize("who", ["provider_keyworker", "ig_officer", "analyst", "panel_member"])
    def test_nobody_else_sees_referrals_at_this_stage(self, api, request, who, school_caseworker):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client = api(request.getfixturevalue(who))
        assert client.get(f"{REFERRALS_URL}{referral.pk}/").status_code == 404
        assert client.get(REFERRALS_URL).json()["results"] == []

    def test_the_coordinator_sees_linked_referrals_and_the_referrer_only_that_they_exist(
        self, api, school_caseworker, police_officer, coordinator
    ):
        child_at_school = make_person(school_caseworker, date_of_birth=years_ago(15))
        same_child_for_police = make_person(police_officer, date_of_birth=years_ago(15))
        police_referral = submitted_referral(police_officer, person=same_child_for_police)
        school_referral = submitted_referral(school_caseworker, person=child_at_school)

        as_referrer = api(school_caseworker).get(f"{REFERRALS_URL}{school_referral.pk}/").json()
        as_coordinator = api(coordinator).get(f"{REFERRALS_URL}{school_referral.pk}/").json()

        assert as_referrer["other_referrals_exist"] is True
        assert as_referrer["linked_referrals"] is None
        assert [r["id"] for r in as_coordinator["linked_referrals"]] == [str(police_referral.pk)]
        assert "narrative" not in as_coordinator["linked_referrals"][0]

    def test_filters(self, api, school_caseworker):
        make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        submitted_referral(
            school_caseworker,
            person=make_person(school_caseworker, given_name="B", date_of_birth=years_ago(13)),
        )
        client = api(school_caseworker)

        def listed(**query):
            return len(client.get(REFERRALS_URL, query).json()["results"])

        assert listed(status="draft") == 1
        assert listed(status=["draft", "submitted"]) == 2
        assert listed(pathway="nte_alcohol") == 0
        assert listed(referral_date_after=datetime.date.today().isoformat()) == 2
        assert listed(referral_date_before="2000-01-01") == 0
        assert client.get(REFERRALS_URL, {"status": "sideways"}).status_code == 400

    @pytest.mark.parametrize("count", [1, 20])
    def test_the_list_uses_a_constant_number_of_queries(
        self, api, school_caseworker, django_assert_max_num_queries, count
    ):
        for n in range(count):
            make_referral(
                school_caseworker,
                person=make_person(
                    school_caseworker, given_name=f"P{n}", date_of_birth=years_ago(14)
                ),
            )
        client = api(school_caseworker)
        # token, memberships, page (with person and organisation joined, and no COUNT:
        # keyset pages), plus the one INSERT that writes the request's audit events.
        with django_assert_max_num_queries(5):
            response = client.get(REFERRALS_URL, {"page_size": 100})
        assert len(response.json()["results"]) == count


@pytest.mark.django_db
class TestCorrectingADraft:
    def test_a_draft_is_corrected_with_its_version(self, api, school_caseworker):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client = api(school_caseworker)

        ok = client.patch(
            f"{REFERRALS_URL}{referral.pk}/", {"version": 1, "risk_level": "high"}, format="json"
        )
        stale = client.patch(
            f"{REFERRALS_URL}{referral.pk}/",
            {"version": 1, "risk_level": "standard"},
            format="json",
        )

        assert ok.status_code == 200
        assert ok.json()["version"] == 2
        assert stale.status_code == 409
        referral.refresh_from_db()
        assert referral.risk_level == "high"

    def test_a_correction_that_makes_it_ineligible_is_refused_and_changes_nothing(
        self, api, school_caseworker
    ):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        response = api(school_caseworker).patch(
            f"{REFERRALS_URL}{referral.pk}/",
            {"version": 1, "pathway": "adult_18_35"},
            format="json",
        )
        assert response.status_code == 400
        assert error_pairs(response) == [("pathway", "age_under_18")]
        referral.refresh_from_db()
        assert (referral.pathway, referral.version) == ("u18_prevention", 1)

    def test_a_submitted_referral_cannot_be_edited(self, api, school_caseworker):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        response = api(school_caseworker).patch(
            f"{REFERRALS_URL}{referral.pk}/",
            {"version": referral.version, "risk_level": "high"},
            format="json",
        )
        assert response.status_code == 409

    def test_a_coordinator_cannot_edit_a_referral(self, api, school_caseworker, coordinator):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        response = api(coordinator).patch(
            f"{REFERRALS_URL}{referral.pk}/",
            {"version": referral.version, "risk_level": "high"},
            format="json",
        )
        assert response.status_code == 403


@pytest.mark.django_db
def test_pathways_are_described_for_clients(api, school_caseworker):
    pathways = api(school_caseworker).get("/api/v1/pathways/").json()
    assert [p["code"] for p in pathways] == [
        "u18_prevention",
        "nte_alcohol",
        "adult_18_35",
        "da_knife_repeat",
    ]
    da = pathways[3]
    assert any("Dash checklist" in rule for rule in da["rules"])
    assert {"code": "domestic_abuse_history", "label": "Domestic abuse history"} in da[
        "risk_checklist"
    ]
