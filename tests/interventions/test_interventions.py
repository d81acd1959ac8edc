"""The catalogue, allocations with their places and waiting list, contacts and outcomes,
and what a provider keyworker can and cannot see."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import CaseShare
from interventions.models import Allocation, Intervention
from interventions.services import allocation_create, allocation_offer, allocation_transition
from tests.factories import (
    case_ready_for_delivery,
    give_consent,
    make_intervention,
    make_member,
    make_organisation,
    make_person,
    years_ago,
)

INTERVENTIONS = "/api/v1/interventions/"
ALLOCATIONS = "/api/v1/allocations/"


@pytest.fixture
def mentoring(charity):
    return make_intervention(charity)


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)


def another_case(referrer, coordinator, chair, family_name):
    person = make_person(referrer, family_name=family_name, date_of_birth=years_ago(14))
    return case_ready_for_delivery(referrer, coordinator, chair, person=person)


def allocate(actor, case, intervention, request="Weekly mentoring"):
    return allocation_create(actor=actor, case=case, intervention=intervention, request=request)


@pytest.mark.django_db
class TestCatalogue:
    BODY = {
        "name": "Hospital navigators",
        "description": "Youth workers in the emergency department.",
        "intervention_type": "hospital_navigator",
        "pathways": ["u18_prevention", "adult_18_35"],
        "min_age": 11,
        "max_age": 25,
        "capacity": 12,
        "funding_stream": "Violence Reduction grant",
    }

    def test_a_coordinator_adds_an_intervention_and_everyone_with_a_role_browses(
        self, api, coordinator, charity, provider_keyworker, ig_officer
    ):
        created = api(coordinator).post(
            INTERVENTIONS, {**self.BODY, "provider": charity.pk}, format="json"
        )
        assert created.status_code == 201, created.json()
        for user in (provider_keyworker, ig_officer):
            listed = api(user).get(INTERVENTIONS).json()["results"]
            assert [i["name"] for i in listed] == ["Hospital navigators"]
            assert (listed[0]["places_taken"], listed[0]["waiting"]) == (0, 0)

    @pytest.mark.parametrize("who", ["school_caseworker", "provider_keyworker", "panel_chair"])
    def test_only_coordinators_manage_the_catalogue(self, api, request, charity, who):
        response = api(request.getfixturevalue(who)).post(
            INTERVENTIONS, {**self.BODY, "provider": charity.pk}, format="json"
        )
        assert response.status_code == 403
        assert Intervention.objects.count() == 0

    def test_someone_with_no_role_cannot_browse(self, api):
        from tests.factories import UserFactory

        assert api(UserFactory()).get(INTERVENTIONS).status_code == 403

    @pytest.mark.parametrize(
        ("override", "field"),
        [
            ({"min_age": 30, "max_age": 20}, "max_age"),
            ({"pathways": ["knife_crime"]}, "pathways.0"),
            ({"pathways": []}, "pathways"),
            ({"capacity": -1}, "capacity"),
            ({"intervention_type": "magic"}, "intervention_type"),
        ],
    )
    def test_bad_input_is_a_400(self, api, coordinator, charity, override, field):
        response = api(coordinator).post(
            INTERVENTIONS, {**self.BODY, "provider": charity.pk, **override}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == field
        assert Intervention.objects.count() == 0

    def test_export_then_import_gives_back_the_same_catalogue(
        self, api, coordinator, charity, police
    ):
        make_intervention(charity)
        make_intervention(
            police,
            name="Custody navigators",
            intervention_type="custody_navigator",
            pathways=["adult_18_35"],
            min_age=18,
            max_age=35,
            capacity=5,
            funding_stream="",
        )
        client = api(coordinator)
        exported = client.get(f"{INTERVENTIONS}export/").json()
        Intervention.objects.all().delete()

        imported = client.post(f"{INTERVENTIONS}import/", exported, format="json")
        again = client.get(f"{INTERVENTIONS}export/").json()

        assert imported.json() == {"created": 2, "updated": 0}
        assert again == exported
        assert {s["name"] for o in exported["organizations"] for s in o["services"]} == {
            "Mentoring for young people",
            "Custody navigators",
        }

    def test_an_import_with_a_bad_service_writes_nothing(self, api, coordinator, charity):
        data = {
            "organizations": [
                {
                    "id": charity.code,
                    "services": [
                        {
                            "name": "Good",
                            "eligibility": {
                                "pathways": ["u18_prevention"],
                                "minimum_age": 10,
                                "maximum_age": 17,
                            },
                            "capacity": 3,
                        },
                        {
                            "name": "Bad",
                            "eligibility": {"pathways": ["u18_prevention"]},
                            "capacity": 3,
                        },
                    ],
                }
            ]
        }
        response = api(coordinator).post(f"{INTERVENTIONS}import/", data, format="json")
        assert response.status_code == 400
        assert Intervention.objects.count() == 0

    @pytest.mark.parametrize(
        ("organizations", "attr"),
        [
            ([[None, None]], "organizations.0"),
            ([{"id": "X", "services": 7}], "organizations.0.services"),
            ([{"id": "X", "services": [["not", "a", "service"]]}], "organizations.0.services.0"),
        ],
    )
    def test_an_import_of_the_wrong_shape_is_a_400_naming_where(
        self, api, coordinator, charity, organizations, attr
    ):
        for entry in organizations:
            if isinstance(entry, dict):
                entry["id"] = charity.code
        response = api(coordinator).post(
            f"{INTERVENTIONS}import/", {"organizations": organizations}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == attr
        assert Intervention.objects.count() == 0


@pytest.mark.django_db
class TestAllocating:
    def test_the_case_is_shared_with_the_provider_for_delivery_only_from_offer_to_end(
        self, api, case, mentoring, school_caseworker, charity
    ):
        response = api(school_caseworker).post(
            ALLOCATIONS,
            {"case": str(case.pk), "intervention": mentoring.pk, "request": "Weekly mentoring"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "proposed"
        # Shared with the provider from the offer (issue 12): not for a proposal.
        assert not CaseShare.objects.filter(case=case, organisation=charity).exists()
        allocation = Allocation.objects.get()
        allocation_offer(actor=school_caseworker, allocation=allocation)
        share = CaseShare.objects.get(case=case, organisation=charity)
        # Delivery rests on the person's agreement to take part, not on consent to sharing.
        assert (share.purpose, share.basis) == ("intervention_delivery", "participation")
        allocation_transition(
            actor=school_caseworker, allocation=allocation, action="cancel", reason="Moved"
        )
        share.refresh_from_db()
        assert share.ended_at is not None

    def test_eligibility_is_enforced_with_reasons(self, api, case, charity, school_caseworker):
        adults_only = make_intervention(
            charity, name="Adults", pathways=["adult_18_35"], min_age=18, max_age=35
        )
        response = api(school_caseworker).post(
            ALLOCATIONS,
            {"case": str(case.pk), "intervention": adults_only.pk, "request": "x"},
            format="json",
        )
        assert response.status_code == 400
        assert {e["code"] for e in response.json()["errors"]} == {
            "wrong_pathway",
            "outside_age_range",
        }
        assert Allocation.objects.count() == 0

    def test_consent_for_delivery_is_required(
        self, api, school_caseworker, coordinator, panel_chair, mentoring
    ):
        from tests.factories import opened_case

        case = opened_case(school_caseworker, coordinator, panel_chair)
        response = api(school_caseworker).post(
            ALLOCATIONS,
            {"case": str(case.pk), "intervention": mentoring.pk, "request": "x"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "intervention_delivery_not_permitted"
        assert not CaseShare.objects.filter(purpose="intervention_delivery").exists()

    @pytest.mark.parametrize("who", ["provider_keyworker", "panel_member"])
    def test_others_cannot_allocate(self, api, request, case, mentoring, who):
        response = api(request.getfixturevalue(who)).post(
            ALLOCATIONS,
            {"case": str(case.pk), "intervention": mentoring.pk, "request": "x"},
            format="json",
        )
        assert response.status_code in {403, 404}
        assert Allocation.objects.count() == 0


@pytest.mark.django_db
class TestPlacesAndTheWaitingList:
    def test_a_full_intervention_waitlists_and_offers_the_freed_place_in_order(
        self, case, mentoring, school_caseworker, coordinator, panel_chair, provider_keyworker
    ):
        second_case = another_case(school_caseworker, coordinator, panel_chair, "Second")
        third_case = another_case(school_caseworker, coordinator, panel_chair, "Third")
        first = allocation_offer(
            actor=school_caseworker, allocation=allocate(school_caseworker, case, mentoring)
        )
        second = allocation_offer(
            actor=school_caseworker, allocation=allocate(school_caseworker, second_case, mentoring)
        )
        third = allocation_offer(
            actor=school_caseworker, allocation=allocate(school_caseworker, third_case, mentoring)
        )
        assert [a.status for a in (first, second, third)] == ["offered", "waitlisted", "waitlisted"]

        allocation_transition(
            actor=provider_keyworker, allocation=first, action="decline", reason="Too far to travel"
        )

        statuses = dict(Allocation.objects.values_list("pk", "status"))
        assert statuses == {first.pk: "declined", second.pk: "offered", third.pk: "waitlisted"}
        second.refresh_from_db()
        assert (
            second.history.latest("history_date").history_change_reason
            == "Offered from the waiting list"
        )

    def test_the_full_lifecycle(self, api, case, mentoring, school_caseworker, provider_keyworker):
        allocation = allocate(school_caseworker, case, mentoring)
        lead, provider = api(school_caseworker), api(provider_keyworker)
        steps = [
            (lead, "offer", {}, "offered"),
            (provider, "accept", {}, "accepted"),
            (provider, "start", {}, "active"),
            (provider, "complete", {}, "completed"),
        ]
        for client, action, body, expected in steps:
            response = client.post(f"{ALLOCATIONS}{allocation.pk}/{action}/", body, format="json")
            assert response.status_code == 200, (action, response.json())
            assert response.json()["status"] == expected
        assert response.json()["keyworker"]["id"] == provider_keyworker.pk
        again = provider.post(f"{ALLOCATIONS}{allocation.pk}/complete/")
        assert again.status_code == 409

    @pytest.mark.parametrize(
        ("who", "action", "code"),
        [
            ("provider_keyworker", "offer", 403),
            ("school_caseworker", "start", 403),
            ("provider_keyworker", "cancel", 403),
            ("school_caseworker", "decline", 400),  # needs a reason
        ],
    )
    def test_who_may_move_an_allocation(
        self, api, request, case, mentoring, school_caseworker, who, action, code
    ):
        allocation = allocate(school_caseworker, case, mentoring)
        if action in {"start", "decline"}:
            allocation_offer(actor=school_caseworker, allocation=allocation)
        response = api(request.getfixturevalue(who)).post(f"{ALLOCATIONS}{allocation.pk}/{action}/")
        assert response.status_code == code


@pytest.mark.django_db(transaction=True)
def test_two_offers_racing_for_the_last_place_one_waits(
    school_caseworker, coordinator, panel_chair, charity
):
    intervention = make_intervention(charity, capacity=1)
    cases = [
        another_case(school_caseworker, coordinator, panel_chair, name) for name in ("One", "Two")
    ]
    allocations = [allocate(school_caseworker, c, intervention) for c in cases]
    barrier = threading.Barrier(2)
    errors = []

    def offer(allocation):
        try:
            barrier.wait(timeout=10)
            allocation_offer(actor=school_caseworker, allocation=allocation)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=offer, args=(a,)) for a in allocations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(Allocation.objects.values_list("status", flat=True)) == ["offered", "waitlisted"]


@pytest.mark.django_db
def test_withdrawing_agreement_to_take_part_withdraws_allocations_at_once(
    case, mentoring, school_caseworker, provider_keyworker
):
    from referrals.participation import participation_withdraw

    allocation = allocate(school_caseworker, case, mentoring)
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="start")

    participation_withdraw(
        actor=school_caseworker,
        referral=case.referrals.get(),
        given_by="parent_or_guardian",
        reason="Family no longer wants mentoring",
    )

    allocation.refresh_from_db()
    assert allocation.status == "withdrawn"
    assert not CaseShare.objects.filter(
        case=case, purpose="intervention_delivery", ended_at__isnull=True
    ).exists()


@pytest.mark.django_db
class TestWhatProvidersSee:
    def test_the_provider_sees_name_age_contact_risk_and_the_request_but_not_the_narrative(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = allocate(school_caseworker, case, mentoring, request="Mentor twice a week")
        # Who it is for is disclosed from the offer (tests/interventions/test_provider_visibility).
        allocation_offer(actor=school_caseworker, allocation=allocation)
        client = api(provider_keyworker)

        body = client.get(f"{ALLOCATIONS}{allocation.pk}/").json()

        assert body["person"]["given_name"] == "Jordan"
        assert body["person"]["age"] == 14
        assert body["request"] == "Mentor twice a week"
        assert body["risk_level"] == "medium"
        referral = case.referrals.get()
        assert referral.narrative not in str(body)
        assert client.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/timeline/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/notes/").status_code == 404
        assert client.get(f"/api/v1/people/{case.person_id}/").status_code == 404

    def test_another_provider_sees_nothing(self, api, case, mentoring, school_caseworker):
        other = make_organisation(name="Other charity", organisation_type="voluntary")
        other_keyworker = make_member(other, "provider")
        allocation = allocate(school_caseworker, case, mentoring)
        client = api(other_keyworker)
        assert client.get(f"{ALLOCATIONS}{allocation.pk}/").status_code == 404
        assert client.get(ALLOCATIONS).json()["count"] == 0
        assert client.post(f"{ALLOCATIONS}{allocation.pk}/accept/").status_code == 404

    def test_the_allocation_list_has_a_constant_query_budget(
        self,
        api,
        school_caseworker,
        coordinator,
        panel_chair,
        charity,
        provider_keyworker,
        django_assert_max_num_queries,
    ):
        intervention = make_intervention(charity, capacity=50)
        for name in ("A", "B", "C", "D"):
            allocate(
                school_caseworker,
                another_case(school_caseworker, coordinator, panel_chair, name),
                intervention,
            )
        client = api(provider_keyworker)
        # ...plus the one INSERT that writes the request's audit events.
        with django_assert_max_num_queries(7):
            response = client.get(ALLOCATIONS, {"page_size": 100})
        assert response.json()["count"] == 4


@pytest.mark.django_db
class TestContacts:
    def started(self, case, mentoring, school_caseworker, provider_keyworker):
        allocation = allocate(school_caseworker, case, mentoring)
        allocation_offer(actor=school_caseworker, allocation=allocation)
        allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
        return allocation_transition(
            actor=provider_keyworker, allocation=allocation, action="start"
        )

    def contact(self, client, allocation, outcome, day):
        return client.post(
            f"{ALLOCATIONS}{allocation.pk}/contacts/",
            {
                "contact_date": (timezone.localdate() - datetime.timedelta(days=day)).isoformat(),
                "contact_type": "face_to_face",
                "outcome": outcome,
                "duration_minutes": 45,
                "notes": "Talked about school",
            },
            format="json",
        )

    def test_three_missed_contacts_in_a_row_flag_the_allocation_and_attending_clears_it(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = self.started(case, mentoring, school_caseworker, provider_keyworker)
        client = api(provider_keyworker)
        self.contact(client, allocation, "did_not_attend", 9)
        self.contact(client, allocation, "attended", 7)
        self.contact(client, allocation, "did_not_attend", 5)
        self.contact(client, allocation, "did_not_attend", 3)
        allocation.refresh_from_db()
        assert not allocation.missed_contacts_flag

        self.contact(client, allocation, "did_not_attend", 1)
        allocation.refresh_from_db()
        assert allocation.missed_contacts_flag
        flagged = api(school_caseworker).get(ALLOCATIONS, {"missed_contacts_flag": "true"}).json()
        assert flagged["count"] == 1

        self.contact(client, allocation, "attended", 0)
        allocation.refresh_from_db()
        assert not allocation.missed_contacts_flag

    def test_only_the_provider_records_contacts_and_bad_ones_are_400s(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = self.started(case, mentoring, school_caseworker, provider_keyworker)
        assert self.contact(api(school_caseworker), allocation, "attended", 1).status_code == 403
        future = self.contact(api(provider_keyworker), allocation, "attended", -2)
        assert future.status_code == 400
        assert future.json()["errors"][0]["attr"] == "contact_date"
        assert allocation.contacts.count() == 0

    def test_contact_notes_are_encrypted(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = self.started(case, mentoring, school_caseworker, provider_keyworker)
        self.contact(api(provider_keyworker), allocation, "attended", 1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM interventions_contact")
            assert "school" not in cursor.fetchone()[0]


@pytest.mark.django_db
class TestOutcomes:
    def record(self, client, case, **body):
        return client.post(f"/api/v1/cases/{case.pk}/outcomes/", body, format="json")

    def test_distance_travelled_from_baseline_to_follow_up(self, api, case, school_caseworker):
        client = api(school_caseworker)
        today = timezone.localdate().isoformat()
        assert (
            self.record(
                client, case, measure="feeling_safe", kind="baseline", value="3", recorded_on=today
            ).status_code
            == 201
        )
        assert (
            self.record(
                client, case, measure="feeling_safe", kind="follow_up", value="7", recorded_on=today
            ).status_code
            == 201
        )
        self.record(
            client, case, measure="school_exclusion", kind="baseline", value="1", recorded_on=today
        )
        self.record(
            client, case, measure="school_exclusion", kind="follow_up", value="0", recorded_on=today
        )

        distance = {
            d["measure"]: d
            for d in client.get(f"/api/v1/cases/{case.pk}/outcomes/").json()["distance_travelled"]
        }

        assert (distance["feeling_safe"]["change"], distance["feeling_safe"]["improved"]) == (
            "4.00",
            True,
        )
        assert (
            distance["school_exclusion"]["change"],
            distance["school_exclusion"]["improved"],
        ) == ("-1.00", True)
        assert distance["re_referral_12_months"]["latest"] == "0.00"

    @pytest.mark.parametrize(
        ("measure", "value"),
        [
            ("feeling_safe", "11"),
            ("feeling_safe", "0"),
            ("audit_c", "13"),
            ("school_attendance", "101"),
        ],
    )
    def test_values_out_of_range_are_refused(self, api, case, school_caseworker, measure, value):
        response = self.record(
            api(school_caseworker),
            case,
            measure=measure,
            kind="baseline",
            value=value,
            recorded_on=timezone.localdate().isoformat(),
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "out_of_range"
        assert case.outcomes.count() == 0

    def test_derived_measures_and_follow_ups_without_baseline_are_refused(
        self, api, case, school_caseworker
    ):
        client = api(school_caseworker)
        today = timezone.localdate().isoformat()
        derived = self.record(
            client,
            case,
            measure="re_referral_12_months",
            kind="baseline",
            value="0",
            recorded_on=today,
        )
        orphan = self.record(
            client, case, measure="audit_c", kind="follow_up", value="4", recorded_on=today
        )
        assert derived.json()["errors"][0]["code"] == "derived"
        assert orphan.json()["errors"][0]["code"] == "baseline_required"

    def test_a_re_referral_within_a_year_is_derived(
        self, api, case, school_caseworker, police_officer
    ):
        from referrals.services import referral_submit
        from tests.factories import make_referral

        person = make_person(police_officer, date_of_birth=case.person.date_of_birth)
        later = make_referral(police_officer, person=person)
        give_consent(police_officer, later)
        from cases.models import Case

        Case.objects.filter(pk=case.pk).update(
            opened_at=timezone.now() - datetime.timedelta(days=30)
        )
        referral_submit(actor=police_officer, referral=later)

        distance = (
            api(school_caseworker)
            .get(f"/api/v1/cases/{case.pk}/outcomes/")
            .json()["distance_travelled"]
        )
        re_referral = next(d for d in distance if d["measure"] == "re_referral_12_months")
        assert (re_referral["latest"], re_referral["improved"]) == ("1.00", False)

    def test_a_provider_records_outcomes_through_its_allocation_only(
        self, api, case, mentoring, school_caseworker, provider_keyworker, charity
    ):
        today = timezone.localdate().isoformat()
        body = {"measure": "feeling_safe", "kind": "baseline", "value": "4", "recorded_on": today}
        client = api(provider_keyworker)
        allocation = allocate(school_caseworker, case, mentoring)

        through_case = self.record(client, case, **body)
        through_allocation = client.post(
            f"{ALLOCATIONS}{allocation.pk}/outcomes/", body, format="json"
        )

        assert through_case.status_code == 404
        assert through_allocation.status_code == 201, through_allocation.json()
        assert through_allocation.json()["organisation"]["id"] == charity.pk
        assert case.outcomes.get().allocation == allocation


@pytest.mark.django_db
def test_the_chair_allocates_at_panel_through_the_decision(
    api, case, mentoring, panel_chair, panel_member
):
    from cases.models import PanelDecision

    decision = PanelDecision.objects.get(case=case)
    body = {
        "case": str(case.pk),
        "intervention": mentoring.pk,
        "request": "Mentor",
        "decision": decision.pk,
    }

    by_chair = api(panel_chair).post(ALLOCATIONS, body, format="json")
    by_member = api(panel_member).post(ALLOCATIONS, body, format="json")

    assert by_chair.status_code == 201, by_chair.json()
    assert by_member.status_code == 403
    assert Allocation.objects.get().decision == decision
