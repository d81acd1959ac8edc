"""Domestic abuse risk for victims: the Dash checklist, MARAC criteria, victim-perpetrator
links, the SafeLives repeat rule ("flag and tag") and the pathway's role-aware repeat."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals import dash
from referrals.marac import (
    dash_record,
    marac_criteria_of,
    marac_flag,
    marac_meeting_record,
    marac_refer,
    marac_repeat,
    pair_index,
    perpetrator_link,
)
from referrals.models import DashRecord, MaracReferral, Referral, VictimPerpetratorLink
from referrals.selectors import perpetrator_links_shown
from referrals.services import referral_submit
from tests.factories import give_consent, make_person, make_referral, years_ago

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def da_referral(actor, person=None, *, role="victim", incident_date=None, **overrides):
    """A draft domestic abuse referral, a repeat by the referrer's own statement."""
    incident_date = incident_date or days_ago(1)
    return make_referral(
        actor,
        person=person or make_person(actor, date_of_birth=years_ago(30)),
        pathway="da_knife_repeat",
        area="durham",
        incident_date=incident_date,
        domestic_abuse_incident=True,
        knife_or_sharp_instrument=True,
        domestic_abuse_role=role,
        previous_incident_date=incident_date - datetime.timedelta(days=30),
        previous_incident_source="Police log DUR/26/0042",
        risk_factors=["domestic_abuse_history"],
        risk_level="medium",
        **overrides,
    )


def answers(yes: int, *, total: int = 24, rest: str = "no") -> list[str]:
    return ["yes"] * yes + [rest] * (total - yes)


def ric(actor, referral, yes: int, **reasons) -> DashRecord:
    return dash_record(
        actor=actor,
        referral=referral,
        checklist="safelives_ric_2009",
        answers=answers(yes),
        **reasons,
    )


class TestTheChecklistsAsData:
    def test_safelives_has_24_questions_and_the_police_version_27(self):
        assert len(dash.QUESTIONS["safelives_ric_2009"]) == 24
        assert len(dash.QUESTIONS["police_dash_2009"]) == 27

    @pytest.mark.parametrize(
        ("points", "band"),
        [
            (0, "standard"),
            (1, "standard"),
            (9, "standard"),
            (10, "medium"),
            (13, "medium"),
            (14, "high"),
            (24, "high"),
        ],
    )
    def test_local_bands(self, points, band):
        assert dash.band(points) == band

    def test_not_known_is_not_yes(self):
        assert dash.score(["yes", "not_known", "no"]) == 1


@pytest.mark.django_db
class TestDash:
    def test_24_answers_with_14_yes_is_high_risk_and_marac_eligible(self, police_officer):
        referral = da_referral(police_officer)

        record = ric(police_officer, referral, 14)

        record.refresh_from_db()
        assert json.loads(record.answers) == answers(14)
        assert (record.checklist, record.score, record.band) == ("safelives_ric_2009", 14, "high")
        referral.refresh_from_db()
        assert referral.marac_referral_required
        assert referral.risk_level == "high"
        assert marac_criteria_of(referral) == ["visible_high_risk"]

    def test_13_yes_is_medium_and_not_marac_eligible(self, police_officer):
        referral = da_referral(police_officer)

        record = dash_record(
            actor=police_officer,
            referral=referral,
            checklist="safelives_ric_2009",
            answers=answers(13, rest="not_known"),
        )

        assert (record.score, record.band) == (13, "medium")
        referral.refresh_from_db()
        assert not referral.marac_referral_required
        assert referral.risk_level == "medium"
        assert marac_criteria_of(referral) == []

    def test_the_police_dash_takes_its_27_answers(self, police_officer):
        referral = da_referral(police_officer)
        record = dash_record(
            actor=police_officer,
            referral=referral,
            checklist="police_dash_2009",
            answers=answers(20, total=27),
        )
        assert (record.score, record.band) == (20, "high")

    @pytest.mark.parametrize(
        ("checklist", "given", "field", "code"),
        [
            ("police_dash_2009", answers(14), "answers", "wrong_count"),
            ("safelives_ric_2009", answers(14, total=23), "answers", "wrong_count"),
            ("safelives_ric_2009", answers(14, rest="maybe"), "answers", "invalid_choice"),
            ("ric", answers(14), "checklist", "invalid_choice"),
        ],
    )
    def test_bad_answers_are_refused_on_their_field(
        self, police_officer, checklist, given, field, code
    ):
        referral = da_referral(police_officer)
        with pytest.raises(ValidationError) as refused:
            dash_record(actor=police_officer, referral=referral, checklist=checklist, answers=given)
        assert [e.code for e in refused.value.error_dict[field]] == [code]
        assert not DashRecord.objects.exists()

    def test_a_perpetrator_cannot_have_a_dash(self, police_officer):
        referral = da_referral(police_officer, role="perpetrator")
        with pytest.raises(ValidationError) as refused:
            ric(police_officer, referral, 20)
        assert [e.code for e in refused.value.error_dict["domestic_abuse_role"]] == ["not_victim"]
        assert not DashRecord.objects.exists()
        referral.refresh_from_db()
        assert not referral.marac_referral_required

    def test_a_victim_with_a_dash_cannot_become_the_perpetrator(self, police_officer):
        from referrals.services import referral_update

        referral = da_referral(police_officer)
        ric(police_officer, referral, 3)
        referral.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            referral_update(
                actor=police_officer,
                referral=referral,
                expected_version=referral.version,
                domestic_abuse_role="perpetrator",
            )
        assert "domestic_abuse_role" in refused.value.error_dict

    def test_another_organisation_is_refused(self, police_officer, health_caseworker):
        from core.permissions import PermissionDenied

        referral = da_referral(police_officer)
        with pytest.raises(PermissionDenied):
            ric(health_caseworker, referral, 14)


@pytest.mark.django_db
class TestMaracCriteria:
    def test_professional_judgement_alone_makes_a_marac_referral(self, police_officer):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        link = perpetrator_link(
            actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk
        )

        ric(
            police_officer,
            referral,
            0,
            professional_judgement_reason="Threats to kill after separation; she is terrified.",
        )

        referral.refresh_from_db()
        assert marac_criteria_of(referral) == ["professional_judgement"]
        assert referral.marac_referral_required
        marac = marac_refer(actor=police_officer, referral=referral, link_id=link.pk)
        assert marac.criteria == ["professional_judgement"]
        assert not marac.repeat

    def test_three_police_callouts_is_potential_escalation(self, police_officer):
        referral = da_referral(police_officer)
        ric(police_officer, referral, 2, police_callouts_last_12_months=3)
        assert marac_criteria_of(referral) == ["potential_escalation"]

    def test_no_criterion_no_marac_referral(self, police_officer):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        link = perpetrator_link(
            actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk
        )
        ric(police_officer, referral, 5)
        with pytest.raises(ValidationError) as refused:
            marac_refer(actor=police_officer, referral=referral, link_id=link.pk)
        assert [e.code for e in refused.value.error_dict["referral"]] == ["not_eligible"]
        assert not MaracReferral.objects.exists()

    def test_the_meeting_and_its_outcome(self, police_officer):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        link = perpetrator_link(
            actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk
        )
        ric(police_officer, referral, 15)
        marac = marac_refer(
            actor=police_officer, referral=referral, link_id=link.pk, referred_on=days_ago(1)
        )
        with pytest.raises(ValidationError) as refused:
            marac_meeting_record(
                actor=police_officer,
                marac_referral=marac,
                meeting_date=days_ago(2),
                outcome="x",
            )
        assert "meeting_date" in refused.value.error_dict
        marac_meeting_record(
            actor=police_officer,
            marac_referral=marac,
            meeting_date=TODAY,
            outcome="IDVA allocated; police marker on the address.",
        )
        marac.refresh_from_db()
        assert (marac.meeting_date, marac.outcome) == (
            TODAY,
            "IDVA allocated; police marker on the address.",
        )


def referred_to_marac(actor, victim, perpetrator, *, incident, referred_on):
    referral = da_referral(actor, victim, incident_date=incident)
    link = perpetrator_link(actor=actor, referral=referral, perpetrator_id=perpetrator.pk)
    ric(actor, referral, 16)
    return marac_refer(actor=actor, referral=referral, link_id=link.pk, referred_on=referred_on)


@pytest.mark.django_db
class TestTheMaracRepeat:
    """SafeLives: any abuse between the same victim and perpetrator within 12 months of the
    last MARAC referral; the police refer first, the hospital sees the later incident."""

    @pytest.fixture
    def first(self, police_officer):
        victim = make_person(police_officer, family_name="Reid", date_of_birth=years_ago(30))
        partner = make_person(
            police_officer, given_name="Sam", family_name="Hale", date_of_birth=years_ago(33)
        )
        return referred_to_marac(
            police_officer, victim, partner, incident=days_ago(200), referred_on=days_ago(190)
        )

    def later(self, actor, *, perpetrator_family_name="Hale", incident=None):
        victim = make_person(actor, family_name="REID", date_of_birth=years_ago(30))
        perpetrator = make_person(
            actor,
            given_name="Sam",
            family_name=perpetrator_family_name,
            date_of_birth=years_ago(33),
        )
        referral = da_referral(actor, victim, incident_date=incident or days_ago(5))
        perpetrator_link(actor=actor, referral=referral, perpetrator_id=perpetrator.pk)
        return referral

    def test_the_same_pair_within_12_months_is_a_repeat(self, first, health_caseworker):
        # The hospital recorded both people itself: only the blind indexes match them.
        referral = self.later(health_caseworker)

        assert marac_repeat(referral) == first
        # Repeat alone is a criterion, with no Dash score at all.
        assert marac_criteria_of(referral) == ["repeat"]
        referral.refresh_from_db()
        assert referral.marac_referral_required

    def test_a_marac_referral_recorded_later_flags_the_pairs_open_referrals_at_once(
        self, police_officer, health_caseworker
    ):
        waiting = self.later(health_caseworker)
        waiting.refresh_from_db()
        assert not waiting.marac_referral_required

        victim = make_person(police_officer, family_name="Reid", date_of_birth=years_ago(30))
        partner = make_person(
            police_officer, given_name="Sam", family_name="Hale", date_of_birth=years_ago(33)
        )
        referred_to_marac(
            police_officer, victim, partner, incident=days_ago(20), referred_on=days_ago(10)
        )

        waiting.refresh_from_db()
        assert waiting.marac_referral_required
        assert waiting.risk_level == "high"
        assert waiting.history.first().history_user is None  # the system, not the police

    def test_a_different_partner_is_not_a_repeat(self, first, health_caseworker):
        referral = self.later(health_caseworker, perpetrator_family_name="Moss")
        assert marac_repeat(referral) is None
        assert marac_criteria_of(referral) == []

    def test_more_than_12_months_after_the_last_marac_referral_is_not_a_repeat(
        self, police_officer, health_caseworker
    ):
        victim = make_person(police_officer, family_name="Reid", date_of_birth=years_ago(30))
        partner = make_person(
            police_officer, given_name="Sam", family_name="Hale", date_of_birth=years_ago(33)
        )
        referred_to_marac(
            police_officer, victim, partner, incident=days_ago(420), referred_on=days_ago(400)
        )
        referral = self.later(health_caseworker)
        assert marac_repeat(referral) is None

    def test_the_pair_index_is_the_same_across_agencies_and_ordered(
        self, police_officer, health_caseworker
    ):
        a = make_person(police_officer, family_name="Reid", date_of_birth=years_ago(30))
        b = make_person(police_officer, family_name="Hale", date_of_birth=years_ago(33))
        a2 = make_person(health_caseworker, family_name="reid", date_of_birth=years_ago(30))
        b2 = make_person(health_caseworker, family_name="HALE", date_of_birth=years_ago(33))
        assert pair_index(a, b) == pair_index(a2, b2)
        assert pair_index(a, b) != pair_index(b, a)

    def test_flag_and_tag_tells_every_agency_without_naming_the_perpetrator(
        self, first, health_caseworker
    ):
        referral = self.later(health_caseworker, perpetrator_family_name="Moss")
        flag = marac_flag(referral.person)
        assert flag.last_referred_on == first.referred_on
        assert flag.repeat_until > TODAY

    def test_the_flag_is_on_every_referral_of_the_victim_whatever_the_pathway(
        self, first, api, client, health_caseworker
    ):
        victim = make_person(
            health_caseworker,
            given_name="Dana",
            family_name="REID",
            date_of_birth=years_ago(30),
            gender="female",
        )
        other = make_referral(
            health_caseworker,
            person=victim,
            pathway="adult_18_35",
            area="durham",
            risk_factors=["victim_of_violence"],
            outside_focus_reason="A woman at risk of serious violence.",
        )

        flag = api(health_caseworker).get(f"/api/v1/referrals/{other.pk}/").json()["marac_flag"]
        client.force_login(health_caseworker)
        page = client.get(f"/referrals/{other.pk}/").content.decode()

        assert flag["last_referred_on"] == first.referred_on.isoformat()
        assert "is a MARAC repeat" in page
        assert "Hale" not in page
        assert "Durham Constabulary" not in page

    @staticmethod
    def created(api, actor, family_name: str, **extra):
        """A referral made through the API for a woman recorded afresh: its answer."""
        body = {
            "pathway": "adult_18_35",
            "area": "durham",
            "incident_date": days_ago(2).isoformat(),
            "narrative": "Seen at A&E with injuries.",
            "risk_factors": ["victim_of_violence"],
            "risk_level": "medium",
            "outside_focus_reason": "A woman at risk of serious violence.",
            "new_person": {
                "given_name": "Dana",
                "family_name": family_name,
                "date_of_birth": years_ago(30).isoformat(),
                "gender": "female",
            },
            **extra,
        }
        response = api(actor).post("/api/v1/referrals/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    def test_a_new_record_of_the_victim_carries_the_flag_from_its_creation(
        self, first, api, health_caseworker
    ):
        # Recorded afresh by another agency, confirmed as someone else: the answer of the
        # creation still looks the flag up under the shared indexes.
        answer = self.created(api, health_caseworker, "REID", allow_possible_duplicate=True)

        assert answer["marac_flag"]["last_referred_on"] == first.referred_on.isoformat()

    def test_someone_new_under_no_one_elses_index_has_no_flag(self, first, api, health_caseworker):
        answer = self.created(api, health_caseworker, "Nobody-Else")

        assert answer["marac_flag"] is None
        assert marac_flag(Referral.objects.get(pk=answer["id"]).person) is None

    def test_a_marac_repeat_is_recorded_as_one(self, first, health_caseworker):
        referral = self.later(health_caseworker)
        link = referral.perpetrator_links.get()
        marac = marac_refer(actor=health_caseworker, referral=referral, link_id=link.pk)
        assert marac.repeat
        assert marac.criteria == ["repeat"]


@pytest.mark.django_db
class TestLinksNeverExposeTheOtherParty:
    def test_a_viewer_who_cannot_see_the_perpetrator_sees_no_name_and_no_id(
        self, police_officer, coordinator
    ):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        perpetrator_link(actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk)
        give_consent(police_officer, referral, given_by="person")
        referral_submit(actor=police_officer, referral=referral)

        [as_police] = perpetrator_links_shown(police_officer, referral)
        [as_coordinator] = perpetrator_links_shown(coordinator, referral)

        assert as_police.perpetrator == perpetrator
        assert as_coordinator.perpetrator is None

    def test_only_people_the_actor_sees_can_be_linked(self, police_officer, health_caseworker):
        referral = da_referral(police_officer)
        elsewhere = make_person(health_caseworker, given_name="Sam", family_name="Hale")
        with pytest.raises(ValidationError) as refused:
            perpetrator_link(actor=police_officer, referral=referral, perpetrator_id=elsewhere.pk)
        assert [e.code for e in refused.value.error_dict["perpetrator"]] == ["does_not_exist"]
        assert not VictimPerpetratorLink.objects.exists()

    def test_the_victim_is_not_their_own_perpetrator(self, police_officer):
        referral = da_referral(police_officer)
        with pytest.raises(ValidationError) as refused:
            perpetrator_link(
                actor=police_officer, referral=referral, perpetrator_id=referral.person_id
            )
        assert [e.code for e in refused.value.error_dict["perpetrator"]] == ["same_person"]


@pytest.mark.django_db
class TestThePathwayRepeatIsRoleAware:
    def earlier(self, actor, person, role):
        referral = da_referral(actor, person, role=role, incident_date=days_ago(100))
        give_consent(actor, referral, given_by="person")
        return referral_submit(actor=actor, referral=referral)

    def later(self, actor, person, role):
        return make_referral(
            actor,
            person=person,
            pathway="da_knife_repeat",
            area="durham",
            incident_date=days_ago(1),
            domestic_abuse_incident=True,
            knife_or_sharp_instrument=True,
            domestic_abuse_role=role,
            risk_factors=[],
            risk_level="medium",
        )

    @pytest.mark.parametrize("role", ["victim", "perpetrator"])
    def test_an_earlier_referral_in_the_same_role_is_a_repeat(self, police_officer, role):
        person = make_person(police_officer, date_of_birth=years_ago(30))
        earlier = self.earlier(police_officer, person, role)
        referral = self.later(police_officer, person, role)
        assert referral.previous_incident_referral == earlier

    @pytest.mark.parametrize(
        ("before", "now"), [("victim", "perpetrator"), ("perpetrator", "victim")]
    )
    def test_an_earlier_referral_in_the_other_role_is_not(self, police_officer, before, now):
        person = make_person(police_officer, date_of_birth=years_ago(30))
        self.earlier(police_officer, person, before)
        with pytest.raises(ValidationError) as refused:
            self.later(police_officer, person, now)
        assert [e.code for e in refused.value.error_dict["pathway"]] == ["not_repeat"]
        assert Referral.objects.count() == 1


API = "/api/v1/referrals/"


@pytest.mark.django_db
class TestThroughTheApiAndThePages:
    def test_a_perpetrators_dash_is_a_400_naming_the_field(self, api, police_officer):
        referral = da_referral(police_officer, role="perpetrator")
        response = api(police_officer).post(
            f"{API}{referral.pk}/dash/",
            {"checklist": "safelives_ric_2009", "answers": answers(14)},
            format="json",
        )
        assert response.status_code == 400
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
            ("domestic_abuse_role", "not_victim")
        ]
        assert not DashRecord.objects.exists()

    @pytest.mark.parametrize(
        ("body", "attr"),
        [
            ({"checklist": "safelives_ric_2009", "answers": answers(14, total=23)}, "answers"),
            ({"checklist": "safelives_ric_2009", "answers": ["maybe"] * 24}, "answers.0"),
            ({"checklist": "dash", "answers": answers(14)}, "checklist"),
            (
                {
                    "checklist": "safelives_ric_2009",
                    "answers": answers(1),
                    "police_callouts_last_12_months": -1,
                },
                "police_callouts_last_12_months",
            ),
        ],
    )
    def test_bad_input_is_a_400_and_writes_nothing(self, api, police_officer, body, attr):
        referral = da_referral(police_officer)
        response = api(police_officer).post(f"{API}{referral.pk}/dash/", body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == attr
        assert not DashRecord.objects.exists()

    def test_another_organisation_is_refused_everywhere(
        self, api, client, police_officer, health_caseworker
    ):
        referral = da_referral(police_officer)
        other = api(health_caseworker)
        body = {"checklist": "safelives_ric_2009", "answers": answers(14)}
        assert other.post(f"{API}{referral.pk}/dash/", body, format="json").status_code == 404
        assert other.get(f"{API}{referral.pk}/perpetrator-links/").status_code == 404
        client.force_login(health_caseworker)
        assert client.get(f"/referrals/{referral.pk}/dash/").status_code == 404
        assert client.post(f"/referrals/{referral.pk}/marac/", {}).status_code == 404
        assert not DashRecord.objects.exists()

    def test_the_api_never_names_a_perpetrator_the_viewer_cannot_see(
        self, api, police_officer, coordinator
    ):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        perpetrator_link(actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk)
        give_consent(police_officer, referral, given_by="person")
        referral_submit(actor=police_officer, referral=referral)

        [own] = api(police_officer).get(f"{API}{referral.pk}/perpetrator-links/").json()
        response = api(coordinator).get(f"{API}{referral.pk}/perpetrator-links/")
        [seen] = response.json()

        assert (own["perpetrator"], own["perpetrator_name"]) == (str(perpetrator.pk), "Sam Hale")
        assert (seen["perpetrator"], seen["perpetrator_name"]) == (None, None)
        assert str(perpetrator.pk) not in response.content.decode()
        assert "Hale" not in response.content.decode()

    def test_the_referral_page_withholds_the_perpetrator_too(
        self, client, police_officer, coordinator
    ):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        perpetrator_link(actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk)
        ric(police_officer, referral, 15)
        give_consent(police_officer, referral, given_by="person")
        referral_submit(actor=police_officer, referral=referral)
        client.force_login(coordinator)

        page = client.get(f"/referrals/{referral.pk}/").content.decode()

        assert "A person recorded by another agency" in page
        assert "Hale" not in page
        assert str(perpetrator.pk) not in page
        assert "15 (High risk)" in page

    def test_the_dash_page_refuses_unanswered_questions_with_a_400(self, client, police_officer):
        referral = da_referral(police_officer)
        client.force_login(police_officer)
        response = client.post(f"/referrals/{referral.pk}/dash/", {"answer_1": "yes"})
        assert response.status_code == 400
        assert "Answer question 2" in response.content.decode()
        assert not DashRecord.objects.exists()

    def test_the_marac_endpoint_records_a_referral_and_its_meeting(self, api, police_officer):
        referral = da_referral(police_officer)
        perpetrator = make_person(police_officer, given_name="Sam", family_name="Hale")
        client = api(police_officer)
        [link] = client.post(
            f"{API}{referral.pk}/perpetrator-links/",
            {"perpetrator": str(perpetrator.pk)},
            format="json",
        ).json()
        refused = client.post(f"{API}{referral.pk}/marac/", {"link": link["id"]}, format="json")
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "not_eligible"
        ric(police_officer, referral, 0, escalation_reason="Callouts weekly and rising.")

        created = client.post(f"{API}{referral.pk}/marac/", {"link": link["id"]}, format="json")

        assert created.status_code == 201, created.json()
        assert created.json()["criteria"] == ["potential_escalation"]
        [marac] = created.json()["marac_referrals"]
        met = client.post(
            f"{API}{referral.pk}/marac/{marac['id']}/meeting/",
            {"meeting_date": TODAY.isoformat(), "outcome": "IDVA allocated"},
            format="json",
        )
        assert met.status_code == 200
        assert met.json()["marac_referrals"][0]["outcome"] == "IDVA allocated"


@pytest.mark.django_db
def test_the_victims_referral_page_costs_the_same_for_one_link_or_three(client, police_officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(police_officer)

    def cost(links: int) -> int:
        referral = da_referral(police_officer)
        ric(police_officer, referral, 15)
        for n in range(links):
            perpetrator = make_person(police_officer, given_name=f"P{n}", family_name=f"Hale{n}")
            link = perpetrator_link(
                actor=police_officer, referral=referral, perpetrator_id=perpetrator.pk
            )
            marac_refer(actor=police_officer, referral=referral, link_id=link.pk)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/referrals/{referral.pk}/").status_code == 200
        return len(queries)

    assert cost(1) == cost(3)


def test_a_subject_access_export_gives_the_dash_answers_in_words(police_officer):
    from referrals.personal_data import ReferralsPersonalData

    referral = da_referral(police_officer)
    ric(police_officer, referral, 14)

    (row,) = ReferralsPersonalData().export([referral.person_id])["dash_records"]

    assert row["answers"].startswith("1. Has the current incident resulted in injury?")
    assert row["answers"].count(" Yes;") == 14
    assert row["answers"].endswith(" No")
    assert "not_known" not in row["answers"]
    assert '"yes"' not in row["answers"]
    assert row["score"] == 14
