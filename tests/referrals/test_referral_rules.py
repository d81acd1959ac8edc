"""The rules of referrals and partners, asked directly: one rule per operation, services
that bound what they store and name their version, and the explicit system actor."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.actors import SYSTEM
from core.errors import ConflictError
from partners import permissions as partner_rules
from partners.models import Area, Membership
from partners.roles import Role
from partners.selectors import acting_organisation, areas_where
from partners.services import membership_create, membership_end, organisation_create
from referrals import consent
from referrals import permissions as referral_rules
from referrals.selectors import linked_referrals_visible_to, other_partners_referred
from referrals.services import (
    person_create,
    person_update,
    referral_answer,
    referral_screen,
    referral_update,
    referral_withdraw,
)
from tests.factories import (
    give_consent,
    make_member,
    make_organisation,
    make_person,
    make_referral,
    submitted_referral,
    years_ago,
)

TOO_LONG = "x" * 10001


def _field_error(excinfo, field: str) -> str:
    assert field in excinfo.value.error_dict, excinfo.value.error_dict
    return excinfo.value.error_dict[field][0].code


def child(actor):
    return make_person(actor, date_of_birth=years_ago(14))


@pytest.mark.django_db
class TestServicesBoundWhatTheyStore:
    """Every caller meets the service's limit, not only the API's serializer or the form."""

    def test_screening_note_and_questions(self, school_caseworker, coordinator):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        with pytest.raises(ValidationError) as excinfo:
            referral_screen(actor=coordinator, referral=referral, outcome="declined", note=TOO_LONG)
        assert _field_error(excinfo, "note") == "max_length"
        with pytest.raises(ValidationError) as excinfo:
            referral_screen(
                actor=coordinator, referral=referral, outcome="returned", questions=TOO_LONG
            )
        assert _field_error(excinfo, "questions") == "max_length"

    def test_answer_and_withdrawal_reason(self, school_caseworker, coordinator):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        referral_screen(
            actor=coordinator, referral=referral, outcome="returned", questions="Who knows?"
        )
        with pytest.raises(ValidationError) as excinfo:
            referral_answer(actor=school_caseworker, referral=referral, answer=TOO_LONG)
        assert _field_error(excinfo, "answer") == "max_length"
        with pytest.raises(ValidationError) as excinfo:
            referral_withdraw(actor=school_caseworker, referral=referral, reason=TOO_LONG)
        assert _field_error(excinfo, "reason") == "max_length"

    def test_consent_texts(self, school_caseworker, coordinator):
        referral = make_referral(school_caseworker, person=child(school_caseworker))
        with pytest.raises(ValidationError) as excinfo:
            consent.consent_record(
                actor=school_caseworker,
                referral=referral,
                purposes=["assessment"],
                given_by="parent_or_guardian",
                decision="given",
                decided_on=timezone.localdate(),
                method="written",
                giver_name="Alex Fletcher",
                note=TOO_LONG,
            )
        assert _field_error(excinfo, "note") == "max_length"
        with pytest.raises(ValidationError) as excinfo:
            consent.gillick_record(
                actor=school_caseworker,
                referral=referral,
                competent=True,
                assessed_on=timezone.localdate(),
                rationale=TOO_LONG,
            )
        assert _field_error(excinfo, "rationale") == "max_length"
        with pytest.raises(ValidationError) as excinfo:
            consent.lawful_basis_record(
                actor=school_caseworker,
                referral=referral,
                purpose="assessment",
                ground="child-safeguarding",
                justification=TOO_LONG,
            )
        assert _field_error(excinfo, "justification") == "max_length"

    def test_person_fields_and_reason(self, school_caseworker):
        with pytest.raises(ValidationError) as excinfo:
            make_person(school_caseworker, family_name="F" * 101)
        assert _field_error(excinfo, "family_name") == "max_length"
        person = make_person(school_caseworker)
        # Reasons go into the change history's 100-character column: 300 characters used to
        # pass the serializer (500) and fail in the database.
        with pytest.raises(ValidationError) as excinfo:
            person_update(
                actor=school_caseworker, person=person, expected_version=1, reason="r" * 300
            )
        assert _field_error(excinfo, "reason") == "max_length"

    def test_membership_end_reason(self, school_caseworker):
        membership = Membership.objects.get(user=school_caseworker)
        with pytest.raises(ValidationError) as excinfo:
            membership_end(membership=membership, actor=SYSTEM, reason="r" * 300)
        assert _field_error(excinfo, "reason") == "max_length"


@pytest.mark.django_db
class TestAChangeNamesItsVersion:
    """The service, not the serializer, says a change must name the version it read."""

    def test_person_update(self, school_caseworker):
        person = make_person(school_caseworker)
        with pytest.raises(ValidationError) as excinfo:
            person_update(actor=school_caseworker, person=person, expected_version=None)
        assert _field_error(excinfo, "version") == "required"
        with pytest.raises(ConflictError):
            person_update(actor=school_caseworker, person=person, expected_version=7)

    def test_referral_update(self, school_caseworker):
        referral = make_referral(school_caseworker, person=child(school_caseworker))
        with pytest.raises(ValidationError) as excinfo:
            referral_update(actor=school_caseworker, referral=referral, expected_version=None)
        assert _field_error(excinfo, "version") == "required"

    def test_the_api_says_so_too(self, api, school_caseworker):
        person = make_person(school_caseworker)
        response = api(school_caseworker).patch(
            f"/api/v1/people/{person.pk}/", {"given_name": "Jo"}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "version"


@pytest.mark.django_db
class TestTheSystemActsOnlyWhenNamed:
    def test_none_is_refused_where_it_once_meant_the_system(self, school):
        user = make_member(school, Role.REFERRER)
        with pytest.raises(PermissionDenied):
            organisation_create(
                name="Anon", code="anon", organisation_type="school", area="durham", actor=None
            )
        with pytest.raises(PermissionDenied):
            membership_create(user=user, organisation=school, role=Role.ANALYST, actor=None)
        with pytest.raises(PermissionDenied):
            membership_end(membership=Membership.objects.get(user=user), actor=None, reason="x")

    def test_the_system_may_administer(self, school):
        organisation = organisation_create(
            name="Seeded", code="seeded", organisation_type="school", area="durham", actor=SYSTEM
        )
        user = make_member(school, Role.REFERRER)
        membership = membership_create(
            user=user, organisation=organisation, role=Role.REFERRER, actor=SYSTEM
        )
        assert organisation.history.latest().history_user is None
        assert membership_end(membership=membership, actor=SYSTEM, reason="Left").ended_at

    def test_only_an_administrator_manages_the_partnership(self, admin_user, coordinator):
        for action in ("organisation.manage", "membership.manage", "two_factor.reset"):
            assert partner_rules.can(admin_user, action)
            assert not partner_rules.can(coordinator, action)
            assert not partner_rules.can(None, action)
            assert partner_rules.can(SYSTEM, action)

    def test_the_system_holds_no_role(self):
        assert areas_where(SYSTEM, {Role.COORDINATOR}) == set()


@pytest.mark.django_db
class TestWhoActsWhere:
    def test_a_countywide_coordinator_covers_every_area(self):
        county = make_organisation(organisation_type="local_authority", area=Area.COUNTYWIDE)
        user = make_member(county, Role.COORDINATOR)
        assert areas_where(user, {Role.COORDINATOR}) == {"durham", "darlington"}
        assert areas_where(user, {Role.PANEL_CHAIR}) == set()

    def test_acting_for_two_organisations_means_saying_which(self, school, police):
        user = make_member(school, Role.REFERRER)
        membership_create(user=user, organisation=police, role=Role.REFERRER, actor=SYSTEM)
        with pytest.raises(ValidationError) as excinfo:
            acting_organisation(user, "referrals.add_person")
        assert _field_error(excinfo, "organisation") == "required"
        assert acting_organisation(user, "referrals.add_person", police) == police
        person = person_create(
            actor=user,
            organisation=police,
            given_name="Sam",
            family_name="Reed",
            date_of_birth=years_ago(15),
        )
        assert person.created_by_organisation == police


@pytest.mark.django_db
class TestReferralRules:
    def test_a_page_offers_what_the_rule_and_the_status_allow(self, school_caseworker, coordinator):
        referral = make_referral(school_caseworker, person=child(school_caseworker))
        give_consent(school_caseworker, referral)
        actions = ("referral.submit", "referral.withdraw", "referral.screen")
        assert referral_rules.offered(school_caseworker, referral, actions) == {
            "submit": True,
            "withdraw": True,
            "screen": False,
        }
        referral = referral_withdraw(
            actor=school_caseworker, referral=referral, reason="Moved away"
        )
        # Still the referrer's to withdraw, but no longer open to it: offered nowhere.
        assert referral_rules.can(school_caseworker, "referral.withdraw", referral)
        assert not referral_rules.offered(school_caseworker, referral, actions)["withdraw"]

    def test_only_a_coordinator_sees_linked_referrals(
        self, school_caseworker, police_officer, coordinator
    ):
        person = child(school_caseworker)
        ours = submitted_referral(school_caseworker, person=person)
        theirs = submitted_referral(
            police_officer,
            person=make_person(police_officer, date_of_birth=person.date_of_birth),
        )
        assert linked_referrals_visible_to(school_caseworker, ours) is None
        assert other_partners_referred(ours)
        assert [r.pk for r in linked_referrals_visible_to(coordinator, ours)] == [theirs.pk]
        # A coordinator's page answers from the linked referrals it already read.
        seen = linked_referrals_visible_to(coordinator, ours)
        assert other_partners_referred(ours, linked=seen)
        assert not other_partners_referred(theirs, linked=[])

    def test_the_recorder_of_a_lawful_basis_may_not_decide_it(
        self, school_caseworker, coordinator, second_coordinator
    ):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        basis = consent.lawful_basis_record(
            actor=coordinator,
            referral=referral,
            purpose="information_sharing",
            ground="child-safeguarding",
            justification="A child at risk of serious harm; consent would increase it.",
        )
        assert not referral_rules.can(coordinator, "lawful_basis.decide", basis)
        assert referral_rules.can(second_coordinator, "lawful_basis.decide", basis)
        assert not referral_rules.can(school_caseworker, "lawful_basis.decide", basis)

    def test_the_screening_queue_is_for_coordinators(self, coordinator, school_caseworker):
        assert referral_rules.can(coordinator, "referral.screening_queue")
        assert not referral_rules.can(school_caseworker, "referral.screening_queue")

    def test_every_operation_has_its_rule(self):
        assert referral_rules.rules.actions >= {
            "person.create",
            "person.change",
            "person.match",
            "referral.create",
            "referral.change",
            "referral.submit",
            "referral.answer",
            "referral.withdraw",
            "referral.screen",
            "referral.screening_queue",
            "referral.record_consent",
            "referral.view_linked",
            "lawful_basis.decide",
            "lawful_basis.revoke",
        }
