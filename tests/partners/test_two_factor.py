"""Every web user signs in with a second factor; an administrator's reset is audited."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

PASSWORD = "correct horse battery staple"


def code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


@pytest.mark.django_db
class TestSecondFactor:
    def test_a_password_alone_reaches_no_page_but_the_second_factor(self, school_caseworker):
        client = Client()
        client.post(reverse("sign-in"), {"username": "school-caseworker", "password": PASSWORD})

        for url in ("/", "/referrals/", "/cases/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/two-factor/")

    def test_enrolment_confirms_the_device_and_issues_ten_recovery_codes(self, school_caseworker):
        client = Client()
        client.post(reverse("sign-in"), {"username": "school-caseworker", "password": PASSWORD})
        page = client.get("/two-factor/")
        assert b"<svg" in page.content
        device = TOTPDevice.objects.get(user=school_caseworker, confirmed=False)

        wrong = client.post(
            "/two-factor/", {"token": "123456" if code(device) != "123456" else "654321"}
        )
        right = client.post("/two-factor/", {"token": code(device)})

        assert b"That code is not right" in wrong.content
        assert b"Your recovery codes" in right.content
        device.refresh_from_db()
        assert device.confirmed
        assert StaticDevice.objects.get(user=school_caseworker).token_set.count() == 10
        assert client.get("/").status_code == 200

    def test_an_unsafe_next_address_is_ignored(self, school_caseworker):
        device = TOTPDevice.objects.create(user=school_caseworker, name="Phone", confirmed=True)
        client = Client()
        client.post(reverse("sign-in"), {"username": "school-caseworker", "password": PASSWORD})
        response = client.post(
            "/two-factor/", {"token": code(device), "next": "https://evil.example/steal"}
        )
        assert response["Location"] == "/"

    def test_the_api_uses_tokens_not_the_web_second_factor(self, api, school_caseworker):
        assert api(school_caseworker).get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_an_administrator_resets_two_factor_and_it_is_audited(api, admin_user, school_caseworker):
    TOTPDevice.objects.create(user=school_caseworker, name="Lost phone", confirmed=True)

    refused = api(admin_user).post(
        f"/api/v1/users/{school_caseworker.pk}/two-factor/reset/", {}, format="json"
    )
    reset = api(admin_user).post(
        f"/api/v1/users/{school_caseworker.pk}/two-factor/reset/",
        {"reason": "Phone lost; identity checked by their manager"},
        format="json",
    )

    assert refused.status_code == 400
    assert reset.status_code == 204
    assert not TOTPDevice.objects.filter(user=school_caseworker).exists()
    event = AuditEvent.objects.get(kind="security", action="reset_two_factor")
    assert event.object_id == str(school_caseworker.pk)
    assert event.user == admin_user
