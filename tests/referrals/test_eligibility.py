"""Each pathway's eligibility rule at its exact boundaries, and as the API reports it."""

import datetime

import pytest

from referrals.models import Referral
from referrals.pathways import (
    RULES_IN_WORDS,
    Pathway,
    age_on,
    assess,
    birthday,
    past_prevention_age,
    rule_adult_18_35,
    rule_da_knife_repeat,
    rule_u18_prevention,
    within_repeat_window,
)
from tests.factories import make_person, years_ago

REFERRALS_URL = "/api/v1/referrals/"
TODAY = datetime.date(2026, 6, 1)


def codes(reasons) -> list[str]:
    return [reason.code for reason in reasons]


class TestAges:
    @pytest.mark.parametrize(
        ("born", "on", "age"),
        [
            (datetime.date(2008, 6, 2), TODAY, 17),  # the day before the 18th birthday
            (datetime.date(2008, 6, 1), TODAY, 18),  # the 18th birthday
            (datetime.date(2008, 2, 29), datetime.date(2026, 2, 28), 17),
            (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1), 18),  # UK law: 1 March
        ],
    )
    def test_age_is_exact_to_the_day(self, born, on, age):
        assert age_on(born, on) == age


class TestPrevention18AndUnder:
    """The strategy's prevention priority is young people "aged 18 and under"."""

    @pytest.mark.parametrize(
        "born",
        [
            datetime.date(2008, 6, 2),  # the day before the 18th birthday: 17
            datetime.date(2008, 6, 1),  # the 18th birthday: exactly 18
            datetime.date(2007, 6, 2),  # the day before the 19th birthday: 18 years 364 days
        ],
    )
    def test_up_to_the_day_before_the_19th_birthday_is_eligible(self, born):
        assert rule_u18_prevention(age=age_on(born, TODAY)) == []
        assert assess(pathway=Pathway.U18_PREVENTION, age=age_on(born, TODAY)).eligible

    def test_the_19th_birthday_is_not(self):
        reasons = rule_u18_prevention(age=age_on(datetime.date(2007, 6, 1), TODAY))
        assert codes(reasons) == ["age_19_or_over"]
        assert "ages 18 and under" in reasons[0].message

    @pytest.mark.parametrize(
        ("born", "on", "past"),
        [
            (datetime.date(2007, 6, 2), TODAY, False),
            (datetime.date(2007, 6, 1), TODAY, True),
            (datetime.date(2008, 2, 29), datetime.date(2027, 2, 28), False),
            (datetime.date(2008, 2, 29), datetime.date(2027, 3, 1), True),  # UK law: 1 March
        ],
    )
    def test_past_the_prevention_age_from_the_19th_birthday(self, born, on, past):
        assert past_prevention_age(born, on) is past
        assert (birthday(born, 19) <= on) is past

    def test_no_pathway_label_or_rule_says_under_18(self):
        words = [label for _, label in Pathway.choices]
        words += [line for lines in RULES_IN_WORDS.values() for line in lines]
        assert Pathway.U18_PREVENTION.label == "Prevention and early intervention (18 and under)"
        assert not [w for w in words if "under 18" in w.lower() or "under-18" in w.lower()]


class TestAdults18To35:
    @pytest.mark.parametrize(
        ("born", "expected"),
        [
            (datetime.date(2008, 6, 2), ["age_under_18"]),  # day before 18th birthday
            (datetime.date(2008, 6, 1), []),  # 18th birthday
            (datetime.date(1990, 6, 2), []),  # day before 36th birthday: still 35
            (datetime.date(1990, 6, 1), ["age_over_35"]),  # 36th birthday
        ],
    )
    def test_age_boundaries(self, born, expected):
        assert codes(rule_adult_18_35(age=age_on(born, TODAY))) == expected

    def test_a_woman_needs_a_recorded_reason_and_is_flagged(self):
        refused = assess(
            pathway=Pathway.ADULT_18_35, age=25, gender="female", outside_focus_reason=""
        )
        allowed = assess(
            pathway=Pathway.ADULT_18_35,
            age=25,
            gender="female",
            outside_focus_reason="Carries a knife with her partner's group; victim and offender.",
        )
        man = assess(pathway=Pathway.ADULT_18_35, age=25, gender="male", outside_focus_reason="")

        assert codes(refused.reasons) == ["outside_focus_reason_required"]
        assert allowed.eligible
        assert codes(allowed.flags) == ["outside_pathway_focus"]
        assert man.eligible
        assert man.flags == []


class TestDomesticAbuseKnifeRepeat:
    FACTS = {
        "domestic_abuse_incident": True,
        "knife_or_sharp_instrument": True,
        "domestic_abuse_role": "victim",
        "incident_date": TODAY,
        "found_previous_incident_date": None,
    }

    def test_the_day_before_the_16th_birthday_points_to_childrens_safeguarding(self):
        reasons = rule_da_knife_repeat(
            age=age_on(datetime.date(2010, 6, 2), TODAY),
            previous_incident_date=datetime.date(2026, 1, 1),
            **self.FACTS,
        )
        assert codes(reasons) == ["under_16_children_safeguarding"]
        assert "children's social care" in reasons[0].message

    def test_the_16th_birthday_is_eligible(self):
        reasons = rule_da_knife_repeat(
            age=age_on(datetime.date(2010, 6, 1), TODAY),
            previous_incident_date=datetime.date(2026, 1, 1),
            **self.FACTS,
        )
        assert reasons == []

    # "Within 12 months" includes the anniversary: 365 days before is inside (no 29 February
    # in between), 366 days before is outside. Across a 29 February the anniversary is 366
    # days back, and it is inside then.
    @pytest.mark.parametrize(
        ("previous", "incident", "inside"),
        [
            (datetime.date(2025, 6, 1), datetime.date(2026, 6, 1), True),  # 365 days
            (datetime.date(2025, 5, 31), datetime.date(2026, 6, 1), False),  # 366 days
            (datetime.date(2023, 3, 1), datetime.date(2024, 3, 1), True),  # 366, leap span
            (datetime.date(2026, 6, 1), datetime.date(2026, 6, 1), False),  # same incident
        ],
    )
    def test_the_repeat_window(self, previous, incident, inside):
        assert within_repeat_window(previous, incident) is inside

    def test_no_previous_incident_is_not_repeat(self):
        reasons = rule_da_knife_repeat(age=30, previous_incident_date=None, **self.FACTS)
        assert codes(reasons) == ["not_repeat"]

    def test_each_missing_fact_has_its_own_reason(self):
        reasons = rule_da_knife_repeat(
            age=30,
            domestic_abuse_incident=False,
            knife_or_sharp_instrument=False,
            domestic_abuse_role="",
            incident_date=TODAY,
            previous_incident_date=datetime.date(2026, 1, 1),
            found_previous_incident_date=None,
        )
        assert codes(reasons) == [
            "not_domestic_abuse",
            "no_knife_or_sharp_instrument",
            "role_required",
        ]


class TestNightTimeEconomy:
    def test_needs_adult_night_time_economy_time_place_and_alcohol(self):
        result = assess(
            pathway=Pathway.NTE_ALCOHOL,
            age=17,
            night_time_economy=False,
            incident_time=None,
            incident_place="",
            risk_factors=[],
        )
        assert codes(result.reasons) == [
            "age_under_18",
            "not_night_time_economy",
            "incident_time_and_place_required",
            "alcohol_not_a_factor",
        ]

    def test_eligible_when_all_hold(self):
        result = assess(
            pathway=Pathway.NTE_ALCOHOL,
            age=18,
            night_time_economy=True,
            incident_time=datetime.time(23, 40),
            incident_place="Outside a bar on Saddler Street",
            risk_factors=["alcohol"],
        )
        assert result.eligible


def post_referral(client, person, **overrides):
    body = {
        "person": str(person.pk),
        "pathway": "u18_prevention",
        "area": "durham",
        "incident_date": "2026-06-01",
        "narrative": "Threatened a pupil with a blade after school.",
        "risk_level": "medium",
        **overrides,
    }
    return client.post(REFERRALS_URL, body, format="json")


@pytest.mark.django_db
class TestEligibilityThroughTheApi:
    def test_an_ineligible_referral_is_a_400_naming_the_rule_and_the_reason(
        self, api, school_caseworker
    ):
        adult = make_person(school_caseworker, date_of_birth=years_ago(19))

        response = post_referral(api(school_caseworker), adult)

        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["attr"] == "pathway"
        assert error["code"] == "age_19_or_over"
        # The pathway in words: the message reaches the web pages too.
        assert "Prevention and early intervention (18 and under)" in error["detail"]
        assert Referral.objects.count() == 0

    @pytest.mark.parametrize(("born", "age"), [(years_ago(18), 18), (years_ago(19, days=1), 18)])
    def test_an_18_year_old_is_accepted_up_to_the_19th_birthday(
        self, api, school_caseworker, born, age
    ):
        person = make_person(school_caseworker, date_of_birth=born)
        response = post_referral(api(school_caseworker), person)
        assert response.status_code == 201, response.json()
        assert response.json()["age_at_referral"] == age

    @pytest.mark.parametrize(
        ("yes", "risk", "marac"), [(13, "medium", False), (14, "high", True), (24, "high", True)]
    )
    def test_dash_answers(self, api, police_officer, yes, risk, marac):
        adult = make_person(police_officer, date_of_birth=years_ago(30))
        client = api(police_officer)
        created = post_referral(
            client,
            adult,
            pathway="da_knife_repeat",
            domestic_abuse_incident=True,
            knife_or_sharp_instrument=True,
            domestic_abuse_role="victim",
            previous_incident_date="2026-01-10",
            previous_incident_source="Police log DUR/26/0042",
            risk_factors=["domestic_abuse_history"],
        )
        assert created.status_code == 201, created.json()
        referral_id = created.json()["id"]

        recorded = client.post(
            f"{REFERRALS_URL}{referral_id}/dash/",
            {"checklist": "safelives_ric_2009", "answers": ["yes"] * yes + ["no"] * (24 - yes)},
            format="json",
        )

        assert recorded.status_code == 201, recorded.json()
        assert recorded.json()["score"] == yes
        detail = client.get(f"{REFERRALS_URL}{referral_id}/").json()
        assert (detail["risk_level"], detail["marac_referral_required"]) == (risk, marac)

    def test_a_typed_dash_score_is_no_longer_accepted(self, api, police_officer):
        adult = make_person(police_officer, date_of_birth=years_ago(30))
        response = post_referral(
            api(police_officer), adult, pathway="da_knife_repeat", dash_score=14
        )
        assert response.status_code == 400
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
            ("dash_score", "no_longer_accepted")
        ]
        assert Referral.objects.count() == 0

    @pytest.mark.parametrize(("days_before", "accepted"), [(365, True), (366, False)])
    def test_a_stated_previous_incident_365_or_366_days_before(
        self, api, police_officer, days_before, accepted
    ):
        adult = make_person(police_officer, date_of_birth=years_ago(30))
        incident = datetime.date(2026, 6, 1)
        response = post_referral(
            api(police_officer),
            adult,
            pathway="da_knife_repeat",
            incident_date=incident.isoformat(),
            domestic_abuse_incident=True,
            knife_or_sharp_instrument=True,
            domestic_abuse_role="perpetrator",
            previous_incident_date=(incident - datetime.timedelta(days=days_before)).isoformat(),
            previous_incident_source="Police log",
        )
        assert (response.status_code == 201) is accepted, response.json()
        if not accepted:
            assert response.json()["errors"][0]["code"] == "not_repeat"

    def test_a_previous_incident_is_found_in_another_partners_referral(
        self, api, police_officer, health_caseworker
    ):
        from tests.factories import give_consent, make_referral

        first_person = make_person(
            health_caseworker, family_name="Reid", date_of_birth=years_ago(30)
        )
        first = make_referral(
            health_caseworker,
            person=first_person,
            pathway="adult_18_35",
            area="durham",
            incident_date=datetime.date(2026, 3, 1),
            domestic_abuse_incident=True,
            # The repeat is role-aware: an earlier referral as a victim.
            domestic_abuse_role="victim",
            risk_factors=["domestic_abuse_history"],
        )
        give_consent(health_caseworker, first, given_by="person")
        from referrals.services import referral_submit

        referral_submit(actor=health_caseworker, referral=first)
        # The police record the same person separately: only the blind index links them.
        second_person = make_person(police_officer, family_name="REID", date_of_birth=years_ago(30))

        response = post_referral(
            api(police_officer),
            second_person,
            pathway="da_knife_repeat",
            incident_date="2026-06-01",
            domestic_abuse_incident=True,
            knife_or_sharp_instrument=True,
            domestic_abuse_role="victim",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["previous_incident_found"] is True
        assert response.json()["other_referrals_exist"] is False  # still a draft
        assert "linked_referrals" in response.json()
        assert response.json()["linked_referrals"] is None  # not a coordinator


@pytest.mark.django_db
class TestEligibilityThroughTheService:
    @pytest.mark.parametrize("born", [years_ago(18), years_ago(19, days=1)])
    def test_an_18_year_old_is_referred_to_prevention(self, school_caseworker, born):
        from tests.factories import make_referral

        person = make_person(school_caseworker, date_of_birth=born)
        referral = make_referral(school_caseworker, person=person, pathway="u18_prevention")
        assert (referral.pathway, referral.age_at_referral) == ("u18_prevention", 18)

    def test_a_19_year_old_is_refused_on_the_19th_birthday(self, school_caseworker):
        from django.core.exceptions import ValidationError

        from tests.factories import make_referral

        person = make_person(school_caseworker, date_of_birth=years_ago(19))
        with pytest.raises(ValidationError) as refused:
            make_referral(school_caseworker, person=person, pathway="u18_prevention")
        assert [e.code for e in refused.value.error_dict["pathway"]] == ["age_19_or_over"]
        assert Referral.objects.count() == 0
