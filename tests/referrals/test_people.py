"""Recording, reading, correcting and matching people through the API."""

import datetime

import pytest
from django.utils import timezone

from core.actors import SYSTEM
from referrals.models import Person
from tests.factories import make_member, make_person

PEOPLE_URL = "/api/v1/people/"

VALID = {
    "given_name": "Jordan",
    "family_name": "Fletcher",
    "date_of_birth": "2011-03-14",
    "gender": "male",
    "address": "12 Claypath, Durham",
    "postcode": "dh1 1rh",
    "nhs_number": "943 476 5919",
    "unique_pupil_number": "A123456789012",
}


def error_fields(response) -> dict[str, str]:
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


@pytest.mark.django_db
class TestRecordingAPerson:
    def test_school_caseworker_records_a_person(self, api, school_caseworker, school):
        response = api(school_caseworker).post(PEOPLE_URL, VALID, format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["family_name"] == "Fletcher"
        assert body["postcode"] == "DH1 1RH"
        assert body["postcode_district"] == "DH1"
        assert body["nhs_number"] == "9434765919"
        assert body["created_by_organisation"] == school.pk
        assert body["version"] == 1
        person = Person.objects.get(pk=body["id"])
        assert person.history.get().history_user == school_caseworker

    @pytest.mark.parametrize(
        ("field", "value", "code"),
        [
            ("nhs_number", "9434765918", "invalid_nhs_number"),
            ("nhs_number", "12345", "invalid_nhs_number"),
            ("date_of_birth", "2999-01-01", "future_date"),
            ("date_of_birth", "1899-12-31", "too_early"),
            ("date_of_birth", "14/03/2011", "invalid"),
            ("postcode", "NOT A CODE", "invalid_postcode"),
            ("unique_pupil_number", "123", "invalid_unique_pupil_number"),
            ("gender", "robot", "invalid_choice"),
            ("given_name", "x" * 101, "max_length"),
            ("address", "x" * 501, "max_length"),
            ("family_name", "", "blank"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
        self, api, school_caseworker, field, value, code
    ):
        response = api(school_caseworker).post(PEOPLE_URL, {**VALID, field: value}, format="json")

        assert response.status_code == 400
        assert response.json()["type"] == "validation_error"
        assert error_fields(response) == {field: code}
        assert Person.objects.count() == 0
        assert Person.history.count() == 0

    def test_every_problem_is_reported_at_once(self, api, school_caseworker):
        response = api(school_caseworker).post(
            PEOPLE_URL,
            {**VALID, "nhs_number": "1111111112", "postcode": "ZZZ", "date_of_birth": "2999-01-01"},
            format="json",
        )

        assert response.status_code == 400
        assert set(error_fields(response)) == {"nhs_number", "postcode", "date_of_birth"}

    def test_a_date_of_birth_of_today_is_accepted(self, api, school_caseworker):
        today = timezone.localdate().isoformat()
        response = api(school_caseworker).post(
            PEOPLE_URL, {**VALID, "date_of_birth": today}, format="json"
        )
        assert response.status_code == 201

    @pytest.mark.parametrize("who", ["provider_keyworker", "ig_officer", "analyst", "admin_user"])
    def test_roles_that_do_not_refer_cannot_record_people(self, api, request, who):
        user = request.getfixturevalue(who)

        response = api(user).post(PEOPLE_URL, VALID, format="json")

        assert response.status_code == 403
        assert Person.objects.count() == 0

    def test_a_referrer_in_two_organisations_must_say_which_one(
        self, api, school_caseworker, police
    ):
        from partners.services import membership_create

        membership_create(
            user=school_caseworker, organisation=police, role="referrer", actor=SYSTEM
        )

        ambiguous = api(school_caseworker).post(PEOPLE_URL, VALID, format="json")
        chosen = api(school_caseworker).post(
            PEOPLE_URL, {**VALID, "organisation": police.pk}, format="json"
        )

        assert ambiguous.status_code == 400
        assert error_fields(ambiguous) == {"organisation": "required"}
        assert chosen.status_code == 201
        assert chosen.json()["created_by_organisation"] == police.pk

    def test_cannot_record_for_an_organisation_one_does_not_refer_for(
        self, api, school_caseworker, charity
    ):
        response = api(school_caseworker).post(
            PEOPLE_URL, {**VALID, "organisation": charity.pk}, format="json"
        )
        assert response.status_code == 400
        assert error_fields(response) == {"organisation": "invalid"}
        assert Person.objects.count() == 0


@pytest.mark.django_db
class TestSeeingAPerson:
    def test_the_recording_organisation_sees_the_person(self, api, school_caseworker, school):
        person = make_person(school_caseworker)
        colleague = make_member(school, "referrer")

        response = api(colleague).get(f"{PEOPLE_URL}{person.pk}/")

        assert response.status_code == 200
        assert response.json()["given_name"] == "Jordan"

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker", "ig_officer"])
    def test_anyone_else_gets_404_not_403(self, api, request, school_caseworker, who):
        person = make_person(school_caseworker)

        response = api(request.getfixturevalue(who)).get(f"{PEOPLE_URL}{person.pk}/")

        assert response.status_code == 404

    def test_an_analyst_at_the_same_organisation_does_not_see_people(
        self, api, school_caseworker, school
    ):
        person = make_person(school_caseworker)
        analyst = make_member(school, "analyst")

        assert api(analyst).get(f"{PEOPLE_URL}{person.pk}/").status_code == 404

    def test_an_ended_membership_sees_nothing(self, api, school_caseworker):
        from partners.models import Membership
        from partners.services import membership_end

        person = make_person(school_caseworker)
        membership_end(
            membership=Membership.objects.get(user=school_caseworker), actor=SYSTEM, reason="Left"
        )

        assert api(school_caseworker).get(f"{PEOPLE_URL}{person.pk}/").status_code == 404

    def test_unknown_and_malformed_ids_are_404(self, api, school_caseworker):
        client = api(school_caseworker)
        assert client.get(f"{PEOPLE_URL}00000000-0000-0000-0000-000000000000/").status_code == 404
        assert client.get(f"{PEOPLE_URL}not-a-uuid/").status_code == 404

    def test_reading_a_person_stays_within_its_query_budget(
        self, api, school_caseworker, django_assert_max_num_queries
    ):
        person = make_person(school_caseworker)
        client = api(school_caseworker)
        # token + last use, memberships, the person
        # ...plus the one INSERT that writes the request's audit events.
        with django_assert_max_num_queries(5):
            assert client.get(f"{PEOPLE_URL}{person.pk}/").status_code == 200


@pytest.mark.django_db
class TestCorrectingAPerson:
    def test_a_correction_bumps_the_version_and_keeps_history(self, api, school_caseworker):
        person = make_person(school_caseworker)

        response = api(school_caseworker).patch(
            f"{PEOPLE_URL}{person.pk}/",
            {"version": 1, "family_name": "Fletcher-Hughes", "reason": "Name misspelt"},
            format="json",
        )

        assert response.status_code == 200, response.json()
        assert response.json()["version"] == 2
        latest = Person.history.filter(id=person.pk).latest("history_date")
        assert latest.history_change_reason == "Name misspelt"
        assert latest.family_name == "Fletcher-Hughes"
        assert latest.history_user == school_caseworker

    def test_a_stale_version_is_refused_with_409_and_changes_nothing(self, api, school_caseworker):
        person = make_person(school_caseworker)
        client = api(school_caseworker)
        first = client.patch(
            f"{PEOPLE_URL}{person.pk}/", {"version": 1, "given_name": "Jordon"}, format="json"
        )

        second = client.patch(
            f"{PEOPLE_URL}{person.pk}/", {"version": 1, "given_name": "Jordy"}, format="json"
        )

        assert first.status_code == 200
        assert second.status_code == 409
        assert second.json()["errors"][0]["code"] == "conflict"
        person.refresh_from_db()
        assert person.given_name == "Jordon"

    def test_a_correction_must_name_the_version(self, api, school_caseworker):
        person = make_person(school_caseworker)
        response = api(school_caseworker).patch(
            f"{PEOPLE_URL}{person.pk}/", {"given_name": "Jordy"}, format="json"
        )
        assert response.status_code == 400
        assert error_fields(response) == {"version": "required"}

    def test_a_correction_reindexes_the_person(self, api, school_caseworker):
        person = make_person(school_caseworker)
        api(school_caseworker).patch(
            f"{PEOPLE_URL}{person.pk}/", {"version": 1, "family_name": "Hughes"}, format="json"
        )

        found = api(school_caseworker).get(
            f"{PEOPLE_URL}match/", {"family_name": "hughes", "date_of_birth": "2011-03-14"}
        )
        assert [p["id"] for p in found.json()["results"]] == [str(person.pk)]

    def test_a_panel_member_who_can_see_cannot_change(self, api, school_caseworker, school):
        from guardian.shortcuts import assign_perm

        person = make_person(school_caseworker)
        panel_member = make_member(school, "panel_member")
        assign_perm("referrals.view_person", school.group, person)

        response = api(panel_member).patch(
            f"{PEOPLE_URL}{person.pk}/", {"version": 1, "given_name": "X"}, format="json"
        )

        assert response.status_code == 403
        person.refresh_from_db()
        assert person.given_name == "Jordan"


@pytest.mark.django_db
class TestMatchingAPerson:
    @pytest.mark.parametrize(
        "family_name", ["Ó Briain-Walsh", "o briain walsh", "OBRIAINWALSH", "  ó-briain   walsh "]
    )
    def test_match_ignores_case_accents_spaces_and_hyphens(self, api, police_officer, family_name):
        person = make_person(
            police_officer, family_name="Ó Briain-Walsh", date_of_birth=datetime.date(1994, 11, 2)
        )

        response = api(police_officer).get(
            f"{PEOPLE_URL}match/", {"family_name": family_name, "date_of_birth": "1994-11-02"}
        )

        assert response.status_code == 200
        assert [p["id"] for p in response.json()["results"]] == [str(person.pk)]

    def test_a_different_date_of_birth_finds_nothing(self, api, police_officer):
        make_person(police_officer, family_name="Reid", date_of_birth=datetime.date(2001, 7, 21))

        response = api(police_officer).get(
            f"{PEOPLE_URL}match/", {"family_name": "Reid", "date_of_birth": "2001-07-22"}
        )

        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_match_by_identifier_in_any_format(self, api, police_officer):
        person = make_person(police_officer, nhs_number="9434765919")

        response = api(police_officer).get(f"{PEOPLE_URL}match/", {"nhs_number": "943-476-5919"})

        assert [p["id"] for p in response.json()["results"]] == [str(person.pk)]

    def test_match_never_reveals_people_recorded_by_others(
        self, api, police_officer, school_caseworker
    ):
        make_person(school_caseworker, family_name="Reid", date_of_birth=datetime.date(2001, 7, 21))

        response = api(police_officer).get(
            f"{PEOPLE_URL}match/", {"family_name": "Reid", "date_of_birth": "2001-07-21"}
        )

        assert response.status_code == 200
        assert response.json()["count"] == 0

    def test_match_needs_a_complete_criterion(self, api, police_officer):
        client = api(police_officer)
        assert client.get(f"{PEOPLE_URL}match/").status_code == 400
        half = client.get(f"{PEOPLE_URL}match/", {"family_name": "Reid"})
        assert error_fields(half) == {"date_of_birth": "required"}
        bad = client.get(f"{PEOPLE_URL}match/", {"nhs_number": "1234567890"})
        assert error_fields(bad) == {"nhs_number": "invalid_nhs_number"}

    def test_roles_without_access_to_people_cannot_match(self, api, ig_officer):
        response = api(ig_officer).get(f"{PEOPLE_URL}match/", {"nhs_number": "9434765919"})
        assert response.status_code == 403

    def test_match_stays_within_its_query_budget(
        self, api, police_officer, django_assert_max_num_queries
    ):
        for day in range(1, 6):
            make_person(
                police_officer, family_name="Reid", date_of_birth=datetime.date(2001, 7, day)
            )
        client = api(police_officer)
        # ...plus the one INSERT that writes the request's audit events.
        with django_assert_max_num_queries(6):
            response = client.get(
                f"{PEOPLE_URL}match/", {"family_name": "Reid", "date_of_birth": "2001-07-03"}
            )
        assert response.json()["count"] == 1


def test_the_full_name_is_given_then_family_and_str_never_names_anyone():
    person = Person(given_name="Tyler", family_name="Marsh")
    assert person.full_name == "Tyler Marsh"
    assert "Marsh" not in str(person)
