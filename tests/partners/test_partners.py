"""Organisations, memberships and the groups that roles and organisations map to."""

import pytest
from django.contrib.auth.models import Group

from partners.models import Membership, Organisation
from partners.roles import ROLE_PERMISSIONS, Role, role_group_name
from tests.factories import UserFactory

ORGANISATIONS_URL = "/api/v1/organisations/"
MEMBERSHIPS_URL = "/api/v1/memberships/"
NEW_ORGANISATION = {
    "name": "Darlington Youth Project",
    "code": "darlington-youth",
    "organisation_type": "voluntary",
    "area": "darlington",
}


@pytest.mark.django_db
def test_each_role_group_holds_exactly_its_permissions():
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role_group_name(role))
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(permissions), role


@pytest.mark.django_db
class TestOrganisations:
    def test_an_administrator_adds_an_organisation_with_its_own_group(self, api, admin_user):
        response = api(admin_user).post(ORGANISATIONS_URL, NEW_ORGANISATION, format="json")

        assert response.status_code == 201, response.json()
        organisation = Organisation.objects.get(code="darlington-youth")
        assert organisation.group.name == "organisation:darlington-youth"
        assert organisation.history.get().history_user == admin_user

    @pytest.mark.parametrize(
        ("field", "value", "code"),
        [
            ("organisation_type", "spaceship", "invalid_choice"),
            ("area", "narnia", "invalid_choice"),
            ("code", "not a slug!", "invalid"),
            ("name", "x" * 201, "max_length"),
        ],
    )
    def test_bad_input_is_a_400_and_writes_nothing(self, api, admin_user, field, value, code):
        before = (Organisation.objects.count(), Group.objects.count())

        response = api(admin_user).post(
            ORGANISATIONS_URL, {**NEW_ORGANISATION, field: value}, format="json"
        )

        assert response.status_code == 400
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
        assert (Organisation.objects.count(), Group.objects.count()) == before

    def test_a_duplicate_code_is_a_400_not_a_500(self, api, admin_user):
        client = api(admin_user)
        assert client.post(ORGANISATIONS_URL, NEW_ORGANISATION, format="json").status_code == 201
        again = client.post(
            ORGANISATIONS_URL, {**NEW_ORGANISATION, "name": "Another"}, format="json"
        )
        assert again.status_code == 400
        assert [e["attr"] for e in again.json()["errors"]] == ["code"]

    @pytest.mark.parametrize("who", ["school_caseworker", "ig_officer", "provider_keyworker"])
    def test_only_administrators_add_organisations(self, api, request, who):
        response = api(request.getfixturevalue(who)).post(
            ORGANISATIONS_URL, NEW_ORGANISATION, format="json"
        )
        assert response.status_code == 403
        assert not Organisation.objects.filter(code="darlington-youth").exists()

    def test_everyone_signed_in_can_list_partner_organisations(
        self, api, school_caseworker, police
    ):
        names = [o["name"] for o in api(school_caseworker).get(ORGANISATIONS_URL).json()["results"]]
        assert names == ["Durham Constabulary", "Riverside Academy"]


@pytest.mark.django_db
class TestMemberships:
    def test_a_membership_puts_the_user_in_the_role_and_organisation_groups(
        self, api, admin_user, school
    ):
        user = UserFactory()

        response = api(admin_user).post(
            MEMBERSHIPS_URL,
            {"user": user.pk, "organisation": school.pk, "role": "referrer"},
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert set(user.groups.values_list("name", flat=True)) == {
            "role:referrer",
            school.group.name,
        }

    def test_ending_a_membership_removes_the_groups_and_keeps_the_record(
        self, api, admin_user, school_caseworker
    ):
        membership = Membership.objects.get(user=school_caseworker)

        response = api(admin_user).post(
            f"{MEMBERSHIPS_URL}{membership.pk}/end/", {"reason": "Left the school"}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["ended_at"] is not None
        assert school_caseworker.groups.count() == 0
        assert membership.history.latest("history_date").history_change_reason == "Left the school"

    def test_ending_needs_a_reason(self, api, admin_user, school_caseworker):
        membership = Membership.objects.get(user=school_caseworker)
        response = api(admin_user).post(f"{MEMBERSHIPS_URL}{membership.pk}/end/", {}, format="json")
        assert response.status_code == 400
        assert Membership.objects.get(pk=membership.pk).ended_at is None

    def test_an_unknown_role_is_a_400(self, api, admin_user, school):
        response = api(admin_user).post(
            MEMBERSHIPS_URL,
            {"user": UserFactory().pk, "organisation": school.pk, "role": "overlord"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "role"

    @pytest.mark.parametrize("who", ["school_caseworker", "ig_officer"])
    def test_only_administrators_manage_memberships(self, api, request, school, who):
        client = api(request.getfixturevalue(who))
        created = client.post(
            MEMBERSHIPS_URL,
            {"user": UserFactory().pk, "organisation": school.pk, "role": Role.ADMIN},
            format="json",
        )
        listed = client.get(MEMBERSHIPS_URL)
        assert created.status_code == 403
        assert listed.status_code == 403
        assert not Membership.objects.filter(role=Role.ADMIN).exists()
