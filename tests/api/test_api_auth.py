"""Signing in to the API with tokens: issued, hashed at rest, expiring and revocable."""

import datetime

import pytest
from django.utils import timezone

from api.models import ApiToken, hash_token
from core.actors import SYSTEM
from partners.roles import Role

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
class TestIssuingTokens:
    def test_a_user_exchanges_username_and_password_for_a_token(self, api, school_caseworker):
        response = api().post(
            TOKEN_URL, {"username": "school-caseworker", "password": PASSWORD}, format="json"
        )

        assert response.status_code == 201
        raw = response.json()["token"]
        stored = ApiToken.objects.get(user=school_caseworker)
        assert stored.key_hash == hash_token(raw)
        assert raw not in {stored.key_hash, stored.prefix}
        me = api().get(ME_URL, HTTP_AUTHORIZATION=f"Token {raw}")
        assert me.status_code == 200

    @pytest.mark.parametrize(
        ("username", "password"),
        [("school-caseworker", "wrong password!"), ("nobody-at-all", PASSWORD)],
    )
    def test_wrong_details_get_one_message_whoever_they_name(
        self, api, school_caseworker, username, password
    ):
        response = api().post(
            TOKEN_URL, {"username": username, "password": password}, format="json"
        )

        assert response.status_code == 401
        assert response.json()["errors"][0]["detail"] == (
            "Those details did not match an active account"
        )
        assert ApiToken.objects.count() == 0

    def test_a_deactivated_user_gets_no_token(self, api, school_caseworker):
        school_caseworker.is_active = False
        school_caseworker.save()
        response = api().post(
            TOKEN_URL, {"username": "school-caseworker", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 401

    def test_missing_fields_are_a_400_naming_them(self, api):
        response = api().post(TOKEN_URL, {}, format="json")
        assert response.status_code == 400
        assert {e["attr"] for e in response.json()["errors"]} == {"username", "password"}


@pytest.mark.django_db
class TestUsingTokens:
    def test_no_token_is_401(self, api):
        response = api().get(ME_URL)
        assert response.status_code == 401
        assert response.json()["type"] == "client_error"

    def test_an_unknown_token_is_401(self, api):
        response = api().get(ME_URL, HTTP_AUTHORIZATION="Token not-a-real-token")
        assert response.status_code == 401

    def test_a_revoked_token_is_401(self, api, school_caseworker):
        client = api(school_caseworker)
        assert client.delete(TOKEN_URL).status_code == 204

        assert client.get(ME_URL).status_code == 401
        assert ApiToken.objects.get().revoked_by == school_caseworker

    def test_an_expired_token_is_401(self, api, school_caseworker):
        client = api(school_caseworker)
        ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        assert client.get(ME_URL).status_code == 401

    def test_use_is_recorded(self, api, school_caseworker):
        api(school_caseworker).get(ME_URL)
        assert ApiToken.objects.get().last_used_at is not None

    def test_users_list_and_revoke_only_their_own_tokens(
        self, api, school_caseworker, police_officer
    ):
        mine = api(school_caseworker)
        api(police_officer)  # issues the officer a token
        theirs = ApiToken.objects.get(user=police_officer)

        listed = mine.get("/api/v1/auth/tokens/").json()["results"]
        refused = mine.post(f"/api/v1/auth/tokens/{theirs.pk}/revoke/")

        assert len(listed) == 1
        assert refused.status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None


@pytest.mark.django_db
def test_me_lists_organisations_and_roles(api, school_caseworker, school, police):
    from partners.services import membership_create

    membership_create(
        user=school_caseworker, organisation=police, role=Role.PANEL_MEMBER, actor=SYSTEM
    )

    body = api(school_caseworker).get(ME_URL).json()

    assert body["username"] == "school-caseworker"
    assert body["roles"] == ["panel_member", "referrer"]
    assert {(m["organisation"]["name"], m["role"]) for m in body["memberships"]} == {
        ("Riverside Academy", "referrer"),
        ("Durham Constabulary", "panel_member"),
    }


@pytest.mark.django_db
def test_an_administrator_lists_and_revokes_anyones_token_and_it_is_audited(
    api, admin_user, school_caseworker
):
    from audit.models import AuditEvent

    api(school_caseworker)  # the caseworker has a token
    token = ApiToken.objects.get(user=school_caseworker)
    admin = api(admin_user)

    listed = admin.get("/api/v1/auth/tokens/", {"user": school_caseworker.pk}).json()["results"]
    revoked = admin.post(f"/api/v1/auth/tokens/{token.pk}/revoke/")

    assert [t["id"] for t in listed] == [token.pk]
    assert revoked.status_code == 200
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert AuditEvent.objects.filter(kind="security", action="revoke_api_token").count() == 1
