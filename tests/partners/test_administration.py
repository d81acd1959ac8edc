"""The administrator's pages: people, the roles they hold, and resetting their second factor.

Each page calls the same service as the API, so the history and audit it writes are the
services' own; these tests check the pages reach them, and refuse everyone else.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core import navigation
from core.actors import SYSTEM
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_create
from tests.factories import UserFactory, make_member, make_organisation

REFUSED = ["school_caseworker", "coordinator", "ig_officer"]


def _page_urls(user, membership):
    return [
        reverse("users"),
        reverse("user", kwargs={"user_id": user.pk}),
        reverse("user-give-role", kwargs={"user_id": user.pk}),
        reverse("user-reset-two-factor", kwargs={"user_id": user.pk}),
        reverse("membership-end", kwargs={"membership_id": membership.pk}),
    ]


@pytest.mark.django_db
class TestWhoMayUseThem:
    @pytest.mark.parametrize("who", REFUSED)
    def test_anyone_but_an_administrator_is_refused_every_page(
        self, client, request, school_caseworker, who
    ):
        client.force_login(request.getfixturevalue(who))
        membership = Membership.objects.get(user=school_caseworker)
        for url in _page_urls(school_caseworker, membership):
            assert client.get(url).status_code == 403, url

    @pytest.mark.parametrize("who", REFUSED)
    def test_a_refused_post_changes_nothing(self, client, request, school_caseworker, police, who):
        client.force_login(request.getfixturevalue(who))
        membership = Membership.objects.get(user=school_caseworker)
        device = TOTPDevice.objects.create(user=school_caseworker, name="Phone", confirmed=True)

        give = client.post(
            reverse("user-give-role", kwargs={"user_id": school_caseworker.pk}),
            {"organisation": police.pk, "role": Role.ADMIN},
        )
        end = client.post(
            reverse("membership-end", kwargs={"membership_id": membership.pk}),
            {"reason": "Left"},
        )
        reset = client.post(
            reverse("user-reset-two-factor", kwargs={"user_id": school_caseworker.pk}),
            {"reason": "Lost phone"},
        )

        assert (give.status_code, end.status_code, reset.status_code) == (403, 403, 403)
        assert not Membership.objects.filter(role=Role.ADMIN, organisation=police).exists()
        assert Membership.objects.get(pk=membership.pk).ended_at is None
        assert TOTPDevice.objects.filter(pk=device.pk).exists()

    def test_only_administrators_see_the_administration_section(
        self, admin_user, school_caseworker
    ):
        def labels(user):
            return [s["label"] for s in navigation.sections_for(user, "/")]

        assert "Administration" in labels(admin_user)
        assert "Administration" not in labels(school_caseworker)

    def test_the_administrators_navigation_leads_to_the_people_page(self, client, admin_user):
        client.force_login(admin_user)
        nav = client.get("/").content.decode().split('id="navigation"', 1)[1]
        assert f'href="{reverse("users")}"' in nav.split("</ul>", 1)[0]


@pytest.mark.django_db
class TestThePeopleList:
    def test_it_lists_people_with_their_organisations_and_role_labels(
        self, client, admin_user, school_caseworker
    ):
        client.force_login(admin_user)
        content = client.get(reverse("users")).content.decode()
        assert "Referrer (partner caseworker) at Riverside Academy" in content
        assert reverse("user", kwargs={"user_id": school_caseworker.pk}) in content
        assert ">referrer<" not in content

    def test_a_search_finds_a_person_by_name(self, client, admin_user, school):
        make_member(school, Role.REFERRER, username="jo", first_name="Jo", last_name="Nkemelu")
        make_member(school, Role.REFERRER, username="al", first_name="Al", last_name="Barker")
        client.force_login(admin_user)
        content = client.get(reverse("users"), {"q": "nkemelu"}).content.decode()
        assert "Jo Nkemelu" in content
        assert "Al Barker" not in content

    def test_its_queries_do_not_grow_with_the_page(self, client, admin_user, school, police):
        client.force_login(admin_user)
        url = reverse("users")
        client.get(url)  # the session and the admin's own memberships, once

        with CaptureQueriesContext(connection) as one_row:
            client.get(url)
        for n in range(30):
            user = make_member(school, Role.REFERRER, username=f"many-{n}")
            membership_create(user=user, organisation=police, role=Role.PANEL_MEMBER, actor=SYSTEM)
        with CaptureQueriesContext(connection) as many_rows:
            response = client.get(url)

        assert len(response.context["page"].object_list) == 25
        assert len(many_rows) == len(one_row), [q["sql"] for q in many_rows.captured_queries]


@pytest.mark.django_db
class TestThePersonPage:
    def test_it_shows_their_roles_in_words_and_dates_in_gov_uk_style(
        self, client, admin_user, school_caseworker
    ):
        membership = Membership.objects.get(user=school_caseworker)
        client.force_login(admin_user)
        content = client.get(reverse("user", kwargs={"user_id": school_caseworker.pk})).content
        content = content.decode()
        assert "Riverside Academy" in content
        assert "Referrer (partner caseworker)" in content
        assert membership.started_at.strftime("%B %Y") in content
        assert reverse("membership-end", kwargs={"membership_id": membership.pk}) in content
        assert reverse("user-give-role", kwargs={"user_id": school_caseworker.pk}) in content
        assert reverse("user-reset-two-factor", kwargs={"user_id": school_caseworker.pk}) in content

    def test_an_unknown_person_is_not_found(self, client, admin_user):
        client.force_login(admin_user)
        assert client.get(reverse("user", kwargs={"user_id": 999999})).status_code == 404


@pytest.mark.django_db
class TestGivingARole:
    def test_the_form_offers_organisations_by_name_and_roles_in_words(
        self, client, admin_user, school_caseworker
    ):
        client.force_login(admin_user)
        url = reverse("user-give-role", kwargs={"user_id": school_caseworker.pk})
        content = client.get(url).content.decode()
        assert ">Riverside Academy<" in content
        assert ">Partnership coordinator<" in content
        assert ">coordinator<" not in content

    def test_the_role_is_held_and_its_history_says_who_gave_it(
        self, client, admin_user, police, django_capture_on_commit_callbacks
    ):
        person = UserFactory()
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("user-give-role", kwargs={"user_id": person.pk}),
                {"organisation": police.pk, "role": Role.PANEL_MEMBER},
            )

        assert response.status_code == 302
        assert response["Location"] == reverse("user", kwargs={"user_id": person.pk})
        membership = Membership.objects.get(user=person)
        assert (membership.organisation, membership.role, membership.ended_at) == (
            police,
            Role.PANEL_MEMBER,
            None,
        )
        history = membership.history.get()
        assert (history.history_type, history.history_user) == ("+", admin_user)
        assert AuditEvent.objects.filter(
            kind="change", object_type="partners.Membership", object_id=str(membership.pk)
        ).exists()
        assert person.groups.filter(name=f"role:{Role.PANEL_MEMBER}").exists()

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"role": Role.PANEL_MEMBER}, "organisation", "Choose the organisation"),
            ({"organisation": "ORG"}, "role", "Choose the role they will hold"),
            ({"organisation": "ORG", "role": "emperor"}, "role", "Choose a role from the list"),
            ({"organisation": "999999", "role": Role.ANALYST}, "organisation", "Choose an"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(
        self, client, admin_user, police, body, field, message
    ):
        person = UserFactory()
        body = {k: (police.pk if v == "ORG" else v) for k, v in body.items()}
        client.force_login(admin_user)

        response = client.post(reverse("user-give-role", kwargs={"user_id": person.pk}), body)

        assert response.status_code == 200
        content = response.content.decode()
        assert "There is a problem" in content
        assert f'href="#id_{field}"' in content
        assert message in content
        assert not Membership.objects.filter(user=person).exists()

    def test_an_organisation_that_has_left_is_not_offered(self, client, admin_user):
        left = make_organisation(name="Closed Academy")
        left.active = False
        left.save()
        person = UserFactory()
        client.force_login(admin_user)

        response = client.post(
            reverse("user-give-role", kwargs={"user_id": person.pk}),
            {"organisation": left.pk, "role": Role.REFERRER},
        )

        assert response.status_code == 200
        assert "Closed Academy" not in response.content.decode()
        assert not Membership.objects.filter(user=person).exists()


@pytest.mark.django_db
class TestEndingARole:
    def test_the_confirmation_page_says_what_will_end(self, client, admin_user, school_caseworker):
        membership = Membership.objects.get(user=school_caseworker)
        client.force_login(admin_user)
        response = client.get(reverse("membership-end", kwargs={"membership_id": membership.pk}))
        content = response.content.decode()
        assert "Are you sure you want to end this role?" in content
        assert "Referrer (partner caseworker)" in content
        assert "Riverside Academy" in content
        assert "govuk-button--warning" in content
        assert reverse("user", kwargs={"user_id": school_caseworker.pk}) in content  # Cancel

    def test_ending_keeps_the_record_with_the_reason_in_its_history(
        self, client, admin_user, school_caseworker, django_capture_on_commit_callbacks
    ):
        membership = Membership.objects.get(user=school_caseworker)
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("membership-end", kwargs={"membership_id": membership.pk}),
                {"reason": "Left the school"},
            )

        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.ended_at is not None
        latest = membership.history.latest("history_date")
        assert latest.history_change_reason == "Left the school"
        assert latest.history_user == admin_user
        assert AuditEvent.objects.filter(
            kind="change",
            action="~",
            object_type="partners.Membership",
            object_id=str(membership.pk),
        ).exists()
        assert not school_caseworker.groups.filter(name=f"role:{Role.REFERRER}").exists()

    @pytest.mark.parametrize(
        ("reason", "message"),
        [
            ("", "Enter the reason this role is ending"),
            ("   ", "Enter the reason this role is ending"),
            ("x" * 101, "The reason must be 100 characters or fewer"),
        ],
    )
    def test_a_missing_or_long_reason_names_the_field_and_ends_nothing(
        self, client, admin_user, school_caseworker, reason, message
    ):
        membership = Membership.objects.get(user=school_caseworker)
        client.force_login(admin_user)

        response = client.post(
            reverse("membership-end", kwargs={"membership_id": membership.pk}),
            {"reason": reason},
        )

        assert response.status_code == 200
        content = response.content.decode()
        assert "<title>Error: Are you sure" in content
        assert 'href="#id_reason"' in content
        assert message in content
        assert Membership.objects.get(pk=membership.pk).ended_at is None

    def test_an_ended_role_has_no_confirmation_page(self, client, admin_user, school_caseworker):
        membership = Membership.objects.get(user=school_caseworker)
        client.force_login(admin_user)
        url = reverse("membership-end", kwargs={"membership_id": membership.pk})
        client.post(url, {"reason": "Left"})
        assert client.get(url).status_code == 404


@pytest.mark.django_db
class TestResettingTwoFactor:
    def test_the_confirmation_page_warns_what_stops_working(
        self, client, admin_user, school_caseworker
    ):
        client.force_login(admin_user)
        url = reverse("user-reset-two-factor", kwargs={"user_id": school_caseworker.pk})
        content = client.get(url).content.decode()
        assert "Are you sure you want to reset" in content
        assert "recovery codes will stop working" in content
        assert "govuk-button--warning" in content

    def test_the_reset_clears_their_devices_and_is_audited_with_the_reason(
        self, client, admin_user, school_caseworker
    ):
        TOTPDevice.objects.create(user=school_caseworker, name="Lost phone", confirmed=True)
        client.force_login(admin_user)

        response = client.post(
            reverse("user-reset-two-factor", kwargs={"user_id": school_caseworker.pk}),
            {"reason": "Lost phone; identity checked by their manager"},
        )

        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=school_caseworker).exists()
        event = AuditEvent.objects.get(kind="security", action="reset_two_factor")
        assert (event.user, event.object_id) == (admin_user, str(school_caseworker.pk))

    @pytest.mark.parametrize(
        ("reason", "message"),
        [
            ("", "Enter the reason for resetting their two-factor sign-in"),
            ("x" * 501, "The reason must be 500 characters or fewer"),
        ],
    )
    def test_a_missing_reason_names_the_field_and_resets_nothing(
        self, client, admin_user, school_caseworker, reason, message
    ):
        device = TOTPDevice.objects.create(user=school_caseworker, name="Phone", confirmed=True)
        client.force_login(admin_user)

        response = client.post(
            reverse("user-reset-two-factor", kwargs={"user_id": school_caseworker.pk}),
            {"reason": reason},
        )

        assert response.status_code == 200
        content = response.content.decode()
        assert 'href="#id_reason"' in content
        assert message in content
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
        assert not AuditEvent.objects.filter(action="reset_two_factor").exists()
