"""Every disclosure asks the rule table: a case shared, an allocation offered to a provider,
an agenda item shown to another organisation, the minutes exported. What no rule permits is
refused (or withheld) with the reason and nothing is written; what one permits is in the
ledger with that rule's id and citations."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent, EventKind
from cases.models import CaseShare
from cases.services import decision_record, meeting_close
from interventions.services import allocation_create, allocation_offer
from partners.roles import Role
from tests.factories import (
    accepted_referral,
    give_consent,
    make_intervention,
    make_member,
    make_person,
    opened_case,
    panel_meeting,
    years_ago,
)

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
ADULT = {"pathway": "adult_18_35", "risk_factors": ["knife_carrying"]}


def adult(referrer):
    return make_person(referrer, given_name="Sam", date_of_birth=years_ago(25, days=-30))


def disclosures(recipient, **filters):
    return AuditEvent.objects.filter(
        kind=EventKind.DISCLOSURE, recipient_organisation=recipient, **filters
    ).order_by("id")


def details(event) -> dict:
    return event.details


@pytest.fixture
def adult_case(police_officer, coordinator, panel_chair):
    """An adult's case, referred and led by the police."""
    return opened_case(
        police_officer, coordinator, panel_chair, person=adult(police_officer), **ADULT
    )


class TestCaseShare:
    def test_a_share_no_rule_permits_is_refused_with_the_reason_and_nothing_written(
        self, api, adult_case, police_officer, charity
    ):
        shares = CaseShare.objects.count()
        response = api(police_officer).post(
            f"{CASES}{adult_case.pk}/shares/",
            {"organisation": charity.pk, "purpose": "information_sharing"},
            format="json",
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["attr"], error["code"]) == ("disclosure", "no_sharing_rule")
        assert "s.16(1) permits disclosure only to another person named" in error["detail"]
        assert "s.115 permits disclosure only to a relevant authority" in error["detail"]
        assert CaseShare.objects.count() == shares
        assert not disclosures(charity).exists()

    def test_the_share_page_says_why_it_is_refused(
        self, client, adult_case, police_officer, charity
    ):
        client.force_login(police_officer)
        response = client.post(
            f"/cases/{adult_case.pk}/share/",
            {"organisation": charity.pk, "purpose": "information_sharing"},
        )
        assert response.status_code == 400
        assert "No sharing rule permits" in response.content.decode()
        assert not CaseShare.objects.filter(organisation=charity).exists()

    def test_the_ledger_records_the_rule_that_permitted_it_and_its_end(
        self, api, adult_case, police_officer, school
    ):
        client = api(police_officer)
        shared = client.post(
            f"{CASES}{adult_case.pk}/shares/",
            {"organisation": school.pk, "purpose": "information_sharing"},
            format="json",
        )
        assert shared.status_code == 201, shared.json()
        event = disclosures(school, action="disclose").get()
        assert (event.object_type, event.basis) == ("case", "svd-s16")
        assert "criminal offence" in event.data_categories
        assert any("s.16(1)" in c for c in details(event)["citations"])

        ended = client.post(
            f"{CASES}{adult_case.pk}/shares/{shared.json()['id']}/end/",
            {"reason": "School support finished"},
            format="json",
        )
        assert ended.status_code == 200
        end = disclosures(school, action="end_disclosure").get()
        assert (end.object_type, end.object_id) == ("case", str(adult_case.pk))
        assert details(end)["reason"] == "School support finished"


class TestOffer:
    def test_an_offer_no_rule_permits_is_refused_and_the_allocation_stays_proposed(
        self, health_caseworker, coordinator, panel_chair, charity
    ):
        """A health referral's case carries health data: no rule gives it to a voluntary
        provider for an adult's delivery (the Article 9 condition is missing)."""
        case = opened_case(
            health_caseworker, coordinator, panel_chair, person=adult(health_caseworker), **ADULT
        )
        give_consent(health_caseworker, case.referrals.get(), purposes=["intervention_delivery"])
        intervention = make_intervention(
            charity, pathways=["adult_18_35"], min_age=18, max_age=35, name="Adult mentoring"
        )
        allocation = allocation_create(
            actor=health_caseworker, case=case, intervention=intervention, request="Mentoring"
        )
        with pytest.raises(ValidationError) as refused:
            allocation_offer(actor=health_caseworker, allocation=allocation)
        assert "health data" in refused.value.message_dict["disclosure"][0]
        allocation.refresh_from_db()
        assert allocation.status == "proposed"
        assert not disclosures(charity).exists()
        assert not CaseShare.objects.filter(case=case, organisation=charity).exists()

    def test_an_offer_records_the_rule_for_the_identity_and_the_case(
        self, adult_case, police_officer, charity
    ):
        give_consent(police_officer, adult_case.referrals.get(), purposes=["intervention_delivery"])
        intervention = make_intervention(
            charity, pathways=["adult_18_35"], min_age=18, max_age=35, name="Adult mentoring"
        )
        allocation = allocation_create(
            actor=police_officer, case=adult_case, intervention=intervention, request="Mentoring"
        )
        allocation_offer(actor=police_officer, allocation=allocation)
        by_object = {e.object_type: e for e in disclosures(charity, action="disclose")}
        assert by_object["allocation"].basis == "intervention-delivery"
        assert by_object["allocation"].data_categories == "identity"
        assert by_object["case"].basis == "intervention-delivery"
        assert any("PCSC Act 2022 s.13" in c for c in details(by_object["case"])["citations"])


@pytest.fixture
def charity_member(charity):
    return make_member(charity, Role.PANEL_MEMBER, username="charity-member")


@pytest.fixture
def meeting_on_an_adult(police_officer, coordinator, panel_chair, panel_member, charity_member):
    referral = accepted_referral(police_officer, coordinator, person=adult(police_officer), **ADULT)
    meeting = panel_meeting(coordinator, panel_chair, members=[panel_member, charity_member])
    return meeting, referral


class TestAgendaAndMinutes:
    def test_an_item_no_rule_permits_is_withheld_from_that_viewer_with_the_reason(
        self, api, meeting_on_an_adult, charity, charity_member, hospital, panel_member
    ):
        meeting, referral = meeting_on_an_adult
        withheld = api(charity_member).get(f"/api/v1/panels/{meeting.pk}/agenda/").json()["results"]
        shown = api(panel_member).get(f"/api/v1/panels/{meeting.pk}/agenda/").json()["results"]

        assert withheld[0]["details_withheld"] is True
        assert withheld[0]["person"] is None
        assert withheld[0]["narrative"] is None
        assert "No sharing rule permits" in withheld[0]["withheld_reason"]
        assert not disclosures(charity).exists()
        assert shown[0]["details_withheld"] is False
        assert shown[0]["withheld_reason"] == ""
        event = disclosures(hospital, object_type="referral").get()
        assert (event.object_id, event.basis) == (str(referral.pk), "svd-s16")

    def test_the_web_agenda_says_why_an_item_is_withheld(
        self, client, meeting_on_an_adult, charity_member
    ):
        meeting, referral = meeting_on_an_adult
        client.force_login(charity_member)
        page = client.get(f"/panels/{meeting.pk}/").content.decode()
        assert "Details withheld" in page
        assert "Why withheld" in page
        assert referral.narrative not in page

    def test_minutes_withhold_the_rationale_from_a_reader_no_rule_permits(
        self,
        api,
        meeting_on_an_adult,
        coordinator,
        panel_chair,
        charity,
        charity_member,
        hospital,
        panel_member,
    ):
        meeting, referral = meeting_on_an_adult
        rationale = "No further action: the police are already working with him."
        decision_record(
            actor=panel_chair,
            meeting=meeting,
            referral=referral,
            outcome="no_further_action",
            rationale=rationale,
        )
        meeting_close(actor=panel_chair, meeting=meeting)

        withheld = api(charity_member).get(f"/api/v1/panels/{meeting.pk}/minutes/").json()
        csv = api(charity_member).get(f"/api/v1/panels/{meeting.pk}/minutes/csv/").content
        shown = api(panel_member).get(f"/api/v1/panels/{meeting.pk}/minutes/").json()

        assert withheld["items"][0]["rationale"] == ""
        assert "No sharing rule permits" in withheld["items"][0]["withheld_reason"]
        assert rationale.encode() not in csv
        assert b"Withheld: No sharing rule permits" in csv
        assert not disclosures(charity).exists()
        assert shown["items"][0]["rationale"] == rationale
        assert disclosures(hospital, object_type="minutes").first().basis == "svd-s16"
