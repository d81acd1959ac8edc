"""At 19 a prevention case prompts its lead professional and the area's coordinator to
consider an adult pathway (the pathway is for ages 18 and under); nothing changes by itself."""

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from cases.models import Case
from cases.selectors import prevention_cases_past_age
from referrals.services import person_update
from tests.factories import make_person, opened_case, years_ago

pytestmark = pytest.mark.django_db

PROMPT = "Turned 19: consider moving to an adult pathway"


def prevention_case(referrer, coordinator, chair, *, born, given_name="Jordan"):
    """A prevention case opened while the person was 18, then their date of birth as it is
    now known (the tests cannot wait a year for a birthday)."""
    person = make_person(referrer, given_name=given_name, date_of_birth=years_ago(18))
    case = opened_case(referrer, coordinator, chair, person=person)
    person_update(
        actor=referrer,
        person=person,
        expected_version=person.version,
        date_of_birth=born,
        reason="Date of birth corrected from the birth certificate",
    )
    return Case.objects.select_related("person").get(pk=case.pk)


@pytest.fixture
def turned_19(school_caseworker, coordinator, panel_chair):
    return prevention_case(school_caseworker, coordinator, panel_chair, born=years_ago(19))


@pytest.fixture
def still_18(school_caseworker, coordinator, panel_chair):
    return prevention_case(
        school_caseworker, coordinator, panel_chair, born=years_ago(19, days=1), given_name="Sam"
    )


def test_the_selector_finds_the_19_year_old_for_the_lead_and_the_coordinator(
    turned_19, still_18, school_caseworker, coordinator, panel_member
):
    for user in (school_caseworker, coordinator):
        due = prevention_cases_past_age(user)
        assert [case.pk for case in due] == [turned_19.pk]
        assert due[0].turned_19_on == years_ago(0)  # born 19 years ago today
    # A panel member sees the area's cases but leads and coordinates none of them.
    assert prevention_cases_past_age(panel_member) == []


def test_a_closed_case_or_another_pathway_is_not_prompted(turned_19, school_caseworker):
    Case.objects.filter(pk=turned_19.pk).update(pathway="adult_18_35")
    assert prevention_cases_past_age(school_caseworker) == []
    Case.objects.filter(pk=turned_19.pk).update(pathway="u18_prevention", status="closed")
    assert prevention_cases_past_age(school_caseworker) == []


@pytest.mark.parametrize("user_fixture", ["school_caseworker", "coordinator"])
def test_the_home_worklist_prompts_for_the_19_year_old_only(
    client, request, turned_19, still_18, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))

    content = client.get(reverse("home")).content.decode()

    assert f"{PROMPT} (1)" in content
    assert reverse("cases:case", args=[turned_19.pk]) in content
    assert turned_19.person.full_name in content
    assert reverse("cases:case", args=[still_18.pk]) not in content


def test_an_18_year_olds_case_prompts_nobody(client, still_18, school_caseworker, coordinator):
    for user in (school_caseworker, coordinator):
        client.force_login(user)
        assert PROMPT not in client.get(reverse("home")).content.decode()
        assert PROMPT not in client.get(reverse("cases:case", args=[still_18.pk])).content.decode()


def test_the_case_page_shows_the_notice_and_nothing_changes(client, turned_19, school_caseworker):
    before = Case.objects.values("pathway", "status", "version").get(pk=turned_19.pk)
    client.force_login(school_caseworker)

    content = client.get(reverse("cases:case", args=[turned_19.pk])).content.decode()
    client.get(reverse("home"))

    assert PROMPT in content
    assert f"turned 19 on {date_format(years_ago(0), 'j F Y')}" in content
    assert "The prevention pathway is for ages 18 and under" in content
    assert Case.objects.values("pathway", "status", "version").get(pk=turned_19.pk) == before


def test_no_rendered_pathway_label_says_under_18(client, turned_19, school_caseworker):
    client.force_login(school_caseworker)
    content = client.get(reverse("cases:case", args=[turned_19.pk])).content.decode()
    assert "Prevention and early intervention (18 and under)" in content
    assert "under 18" not in content.lower()


def test_the_longest_past_19_comes_first_with_the_day_of_the_birthday(
    turned_19, school_caseworker, coordinator, panel_chair
):
    earlier = prevention_case(
        school_caseworker, coordinator, panel_chair, born=years_ago(19, days=-30), given_name="Ash"
    )
    due = prevention_cases_past_age(coordinator)
    assert [(case.pk, case.turned_19_on) for case in due] == [
        (earlier.pk, years_ago(0, days=-30)),
        (turned_19.pk, years_ago(0)),
    ]


def test_the_api_gives_the_prompt_on_the_case(api, turned_19, still_18, school_caseworker):
    client = api(school_caseworker)
    due = client.get(reverse("api:case-detail", args=[turned_19.pk])).json()
    not_due = client.get(reverse("api:case-detail", args=[still_18.pk])).json()
    assert due["turned_19_on"] == years_ago(0).isoformat()
    assert not_due["turned_19_on"] is None
