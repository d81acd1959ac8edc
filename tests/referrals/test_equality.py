"""Equality information on the person (ethnic group and disability): the vocabulary, kept
sealed, validated wherever it is entered, shown in words, rotated and exported."""

import base64
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from config.keys import generate_key
from core.encryption import current_key_prefix
from referrals.equality import (
    BACKGROUND_GROUPS,
    Disability,
    EthnicGroup,
    Ethnicity,
    ethnicity_group,
    ethnicity_in_words,
    grouped_ethnicity_choices,
)
from referrals.models import Person
from tests.factories import make_person, make_referral, years_ago
from tests.support import date_parts

PEOPLE_URL = "/api/v1/people/"
PERSON = {
    "given_name": "Amira",
    "family_name": "Haddad",
    "date_of_birth": "2010-06-02",
    "gender": "female",
}


def raw_column(person: Person, column: str, table: str = "referrals_person") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [person.pk])  # noqa: S608
        return cursor.fetchone()[0]


def error_fields(response) -> dict[str, str]:
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


class TestTheVocabulary:
    def test_the_census_2021_backgrounds_for_england_are_19_in_5_groups(self):
        backgrounds = [
            code for code in Ethnicity.values if ethnicity_group(code) in BACKGROUND_GROUPS
        ]
        assert len(backgrounds) == 19
        per_group = {group: 0 for group in BACKGROUND_GROUPS}
        for code in backgrounds:
            per_group[ethnicity_group(code)] += 1
        assert per_group == {
            EthnicGroup.WHITE: 5,
            EthnicGroup.MIXED: 4,
            EthnicGroup.ASIAN: 5,
            EthnicGroup.BLACK: 3,
            EthnicGroup.OTHER: 2,
        }

    @pytest.mark.parametrize(
        ("code", "group"),
        [
            ("white_roma", "white"),
            ("mixed_white_asian", "mixed"),
            ("asian_chinese", "asian"),
            ("black_caribbean", "black"),
            ("other_arab", "other"),
            ("prefer_not_to_say", "prefer_not_to_say"),
            ("not_known", "not_known"),
            ("", "not_known"),
        ],
    )
    def test_each_answer_counts_in_one_group_and_blank_is_not_known(self, code, group):
        assert ethnicity_group(code) == group

    def test_an_unknown_code_is_never_silently_counted(self):
        with pytest.raises(KeyError):
            ethnicity_group("martian")

    def test_every_answer_is_offered_once_under_its_group(self):
        offered = []
        for value, label in grouped_ethnicity_choices():
            if isinstance(label, list):
                group = next(g for g in EthnicGroup if g.label == value)
                offered += [code for code, _ in label]
                assert {ethnicity_group(code) for code, _ in label} == {group}
            else:
                offered.append(value)
        assert sorted(offered) == sorted(Ethnicity.values)

    def test_in_words_a_background_names_its_group(self):
        assert ethnicity_in_words("white_irish") == "White: Irish"
        assert ethnicity_in_words("prefer_not_to_say") == "Prefer not to say"
        assert ethnicity_in_words("") == "Not known"


@pytest.mark.django_db
class TestKeptSealed:
    def test_the_columns_hold_ciphertext_and_history_records_the_answers(self, school_caseworker):
        person = make_person(school_caseworker, ethnicity="black_african", disability="yes")

        for table in ("referrals_person", "referrals_historicalperson"):
            for column, code in (("ethnicity", "black_african"), ("disability", "yes")):
                stored = raw_column(person, column, table)
                assert stored.startswith("v1."), (table, column)
                assert code not in stored
        person.refresh_from_db()
        assert (person.ethnicity, person.disability) == ("black_african", "yes")
        recorded = person.history.get()
        assert (recorded.ethnicity, recorded.disability) == ("black_african", "yes")

    def test_not_asked_is_stored_blank(self, school_caseworker):
        person = make_person(school_caseworker, ethnicity="", disability="")

        assert raw_column(person, "ethnicity") == ""
        assert raw_column(person, "disability") == ""
        assert person.ethnicity_in_words == "Not known"
        assert person.disability_in_words == "Not known"

    def test_key_rotation_reseals_them(self, school_caseworker):
        old_key, new_key = (base64.urlsafe_b64decode(generate_key()) for _ in range(2))
        with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
            person = make_person(school_caseworker, ethnicity="asian_pakistani", disability="no")
            old_prefix = current_key_prefix()
        with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
            call_command("rotate_keys", "--no-progress", stdout=StringIO())
            new_prefix = current_key_prefix()
        with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
            for column in ("ethnicity", "disability"):
                stored = raw_column(person, column)
                assert stored.startswith(new_prefix), column
                assert not stored.startswith(old_prefix), column
            person.refresh_from_db()
            assert (person.ethnicity, person.disability) == ("asian_pakistani", "no")


@pytest.mark.django_db
class TestTheAPI:
    def test_a_person_is_recorded_with_the_answers(self, api, school_caseworker):
        response = api(school_caseworker).post(
            PEOPLE_URL,
            {**PERSON, "ethnicity": "other_arab", "disability": "prefer_not_to_say"},
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["ethnicity"] == "other_arab"
        assert response.json()["disability"] == "prefer_not_to_say"
        person = Person.objects.get(pk=response.json()["id"])
        assert (person.ethnicity, person.disability) == ("other_arab", "prefer_not_to_say")

    def test_both_are_optional(self, api, school_caseworker):
        response = api(school_caseworker).post(PEOPLE_URL, PERSON, format="json")

        assert response.status_code == 201, response.json()
        person = Person.objects.get(pk=response.json()["id"])
        assert (person.ethnicity, person.disability) == ("", "")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("ethnicity", "white"),
            ("ethnicity", "British"),
            ("disability", "maybe"),
            ("disability", "true"),
        ],
    )
    def test_an_unknown_code_is_a_400_naming_the_field_and_writes_nothing(
        self, api, school_caseworker, field, value
    ):
        response = api(school_caseworker).post(PEOPLE_URL, {**PERSON, field: value}, format="json")

        assert response.status_code == 400
        assert error_fields(response) == {field: "invalid_choice"}
        assert Person.objects.count() == 0

    def test_an_update_changes_them_and_history_keeps_both(self, api, school_caseworker):
        person = make_person(school_caseworker, ethnicity="", disability="")
        client = api(school_caseworker)

        response = client.patch(
            f"{PEOPLE_URL}{person.pk}/",
            {"version": 1, "ethnicity": "mixed_white_black_african", "disability": "yes"},
            format="json",
        )

        assert response.status_code == 200, response.json()
        person.refresh_from_db()
        assert (person.ethnicity, person.disability) == ("mixed_white_black_african", "yes")
        assert [(h.ethnicity, h.disability) for h in person.history.order_by("history_date")] == [
            ("", ""),
            ("mixed_white_black_african", "yes"),
        ]

    @pytest.mark.parametrize(("field", "value"), [("ethnicity", "roma"), ("disability", "no ")])
    def test_a_bad_update_is_a_400_and_changes_nothing(self, api, school_caseworker, field, value):
        person = make_person(school_caseworker, ethnicity="white_roma", disability="no")

        response = api(school_caseworker).patch(
            f"{PEOPLE_URL}{person.pk}/",
            {"version": 1, "given_name": "Changed", field: value},
            format="json",
        )

        assert response.status_code == 400
        assert error_fields(response) == {field: "invalid_choice"}
        person.refresh_from_db()
        assert (person.given_name, person.ethnicity, person.disability) == (
            "Jordan",
            "white_roma",
            "no",
        )
        assert person.version == 1

    def test_the_service_refuses_an_unknown_code_too(self, school_caseworker):
        from django.core.exceptions import ValidationError

        from referrals.services import person_create

        with pytest.raises(ValidationError) as refused:
            person_create(
                actor=school_caseworker,
                given_name="A",
                family_name="B",
                date_of_birth=years_ago(15),
                ethnicity="white",
                disability="sometimes",
            )
        assert set(refused.value.error_dict) == {"ethnicity", "disability"}
        assert Person.objects.count() == 0


@pytest.mark.django_db
class TestThePages:
    def test_the_new_person_page_asks_both_and_says_why(self, client, school_caseworker):
        client.force_login(school_caseworker)

        html = client.get(reverse("referrals:new-person")).content.decode()

        assert "What is their ethnic group?" in html
        assert "12 months or more" in html
        assert html.count("only counted in figures that never name anyone") == 2
        for group in BACKGROUND_GROUPS:
            assert escape(EthnicGroup(group).label) in html
        # One question: every background shares the field's name, the first has its id.
        assert html.count('name="ethnicity"') == len(Ethnicity.values)
        assert 'id="id_ethnicity"' in html

    def test_the_answers_chosen_are_stored(self, client, school_caseworker):
        client.force_login(school_caseworker)

        response = client.post(
            reverse("referrals:new-person"),
            {
                "given_name": "Amira",
                "family_name": "Haddad",
                "gender": "female",
                "ethnicity": "asian_bangladeshi",
                "disability": "yes",
                **date_parts("date_of_birth", years_ago(15)),
            },
        )

        person = Person.objects.get()
        assert response["Location"] == reverse("referrals:new-details", args=[person.pk])
        assert (person.ethnicity, person.disability) == ("asian_bangladeshi", "yes")

    def test_unanswered_is_fine(self, client, school_caseworker):
        client.force_login(school_caseworker)

        response = client.post(
            reverse("referrals:new-person"),
            {
                "given_name": "Amira",
                "family_name": "Haddad",
                "gender": "female",
                **date_parts("date_of_birth", years_ago(15)),
            },
        )

        assert response.status_code == 302
        assert (Person.objects.get().ethnicity, Person.objects.get().disability) == ("", "")

    def test_an_unknown_answer_is_an_error_on_the_page_and_writes_nothing(
        self, client, school_caseworker
    ):
        client.force_login(school_caseworker)

        response = client.post(
            reverse("referrals:new-person"),
            {
                "given_name": "Amira",
                "family_name": "Haddad",
                "gender": "female",
                "ethnicity": "martian",
                **date_parts("date_of_birth", years_ago(15)),
            },
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "There is a problem" in html
        assert 'href="#id_ethnicity"' in html
        assert "Select their ethnic group from the list, or leave it blank" in html
        assert Person.objects.count() == 0

    def test_the_referral_page_shows_the_answers_in_words(self, client, school_caseworker):
        person = make_person(
            school_caseworker,
            ethnicity="white_gypsy_or_irish_traveller",
            disability=Disability.PREFER_NOT_TO_SAY,
        )
        referral = make_referral(school_caseworker, person=person)
        client.force_login(school_caseworker)

        html = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()

        shown = dict(
            re.findall(r'__key">([^<]+)</dt><dd class="govuk-summary-list__value">([^<]+)<', html)
        )
        assert shown["Ethnic group"] == "White: Gypsy or Irish Traveller"
        assert shown["Disability"] == "Prefer not to say"
        assert "white_gypsy_or_irish_traveller" not in html
        assert "prefer_not_to_say" not in html


@pytest.mark.django_db
class TestSubjectAccess:
    def test_the_export_holds_both_and_its_page_words_them(
        self, api, client, school_caseworker, ig_officer
    ):
        person = make_person(school_caseworker, ethnicity="black_caribbean", disability="no")

        export = api(ig_officer).get(f"{PEOPLE_URL}{person.pk}/subject-access-export/").json()

        assert export["people"][0]["ethnicity"] == "black_caribbean"
        assert export["people"][0]["disability"] == "no"
        client.force_login(ig_officer)
        page = client.get(reverse("audit:export", kwargs={"person_id": person.pk}))
        html = page.content.decode()
        assert "Ethnic group" in html
        assert "Caribbean" in html
        assert "black_caribbean" not in html
