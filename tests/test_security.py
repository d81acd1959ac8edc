"""Sign-in, sessions, headers and logs held to the standards partners are held to."""

import datetime
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from config.keys import generate_key, generate_secret_key
from partners.middleware import SESSION_STARTED

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
class TestHeaders:
    def test_every_page_has_a_strict_content_security_policy_and_framing_refused(self, client):
        response = client.get(reverse("sign-in"))
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_hsts_over_https(self, client, settings):
        settings.SECURE_HSTS_SECONDS = 31536000
        response = client.get(reverse("sign-in"), secure=True)
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")

    def test_session_and_csrf_cookies_are_httponly_samesite_and_secure_in_production(self):
        from django.conf import settings

        assert settings.SESSION_COOKIE_HTTPONLY
        assert settings.CSRF_COOKIE_HTTPONLY
        assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    # The browser tests' conftest allows async-unsafe calls in this process; not in production.
    unwanted = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        DEBUG="0",
        SECRET_KEY=generate_secret_key(),
        FIELD_ENCRYPTION_KEYS=generate_key(),
        BLIND_INDEX_KEY=generate_key(),
        ALLOWED_HOSTS="referrals.example.org",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/unused",
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
class TestLockout:
    def test_repeated_failures_pause_sign_in_for_that_account_with_one_message(
        self, client, school_caseworker, settings
    ):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("sign-in"), {"username": "school-caseworker", "password": "wrong!"})

        locked = client.post(
            reverse("sign-in"), {"username": "school-caseworker", "password": PASSWORD}
        )

        assert locked.status_code == 429
        assert b"signing in is paused" in locked.content
        lockouts = AuditEvent.objects.filter(kind="lockout")
        assert "school-caseworker" in {event.object_id for event in lockouts}
        assert all("wrong!" not in event.content for event in lockouts)

    def test_an_unknown_account_gets_the_same_answer(self, client, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            response = client.post(reverse("sign-in"), {"username": "nobody-here", "password": "x"})
        assert response.status_code == 429
        assert b"signing in is paused" in response.content

    def test_many_accounts_from_one_address_are_paused_too(
        self, client, school_caseworker, settings
    ):
        for n in range(settings.AXES_FAILURE_LIMIT):
            client.post(
                reverse("sign-in"),
                {"username": f"guess{n}", "password": "x"},
                REMOTE_ADDR="10.9.9.9",
            )
        response = client.post(
            reverse("sign-in"),
            {"username": "school-caseworker", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        assert response.status_code == 429

    def test_the_api_says_so_with_a_429(self, api, school_caseworker, settings):
        client = api()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(
                "/api/v1/auth/token/",
                {"username": "school-caseworker", "password": "no"},
                format="json",
            )
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "school-caseworker", "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == "throttled"
        assert "signing in is paused" in response.json()["errors"][0]["detail"]


@pytest.mark.django_db
class TestSessions:
    def test_a_session_idles_out_after_30_minutes(self, settings):
        assert settings.SESSION_COOKIE_AGE == 30 * 60

    def test_use_renews_the_idle_timeout_once_a_minute(self, client, school_caseworker):
        from django.contrib.sessions.models import Session

        from core.middleware import SESSION_RENEWED

        client.force_login(school_caseworker)
        assert client.get("/").status_code == 200
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        renewed = Session.objects.get(pk=key).expire_date
        assert client.get("/").status_code == 200
        assert Session.objects.get(pk=key).expire_date == renewed  # within the minute: no write

        session = client.session
        session[SESSION_RENEWED] = time.time() - 61
        session.save()
        stale = Session.objects.get(pk=key).expire_date
        assert client.get("/").status_code == 200

        assert Session.objects.get(pk=key).expire_date > stale
        assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60

    def test_a_session_unused_for_30_minutes_is_gone(self, client, school_caseworker):
        from django.contrib.sessions.models import Session

        client.force_login(school_caseworker)
        assert client.get("/").status_code == 200
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        Session.objects.filter(pk=key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )

        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))

    def test_no_session_outlives_10_hours(self, client, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get("/").status_code == 200
        session = client.session
        session[SESSION_STARTED] = time.time() - 10 * 60 * 60 - 1
        session.save()

        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))


@pytest.mark.django_db
def test_no_personal_data_reaches_the_logs(
    api, client, caplog, school_caseworker, coordinator, panel_chair, police_officer
):
    from tests.factories import opened_case

    secrets = ["Quennell", "Ysolde", "2012-02-29", "29/02/2012", "9434765919", "DUR/26/777001"]
    caplog.set_level(logging.DEBUG)
    person_body = {
        "given_name": "Ysolde",
        "family_name": "Quennell",
        "date_of_birth": "2012-02-29",
        "nhs_number": "943 476 5919",
        "police_reference": "DUR/26/777001",
    }
    lead = api(school_caseworker)
    created = lead.post("/api/v1/people/", person_body, format="json")
    person_id = created.json()["id"]
    lead.post("/api/v1/people/", {**person_body, "nhs_number": "123"}, format="json")  # a 400
    lead.get("/api/v1/people/match/", {"family_name": "quennell", "date_of_birth": "2012-02-29"})
    lead.get("/api/v1/people/match/", {"nhs_number": "9434765919"})
    api(police_officer).get(f"/api/v1/people/{person_id}/")  # a 404
    from referrals.models import Person

    case = opened_case(
        school_caseworker, coordinator, panel_chair, person=Person.objects.get(pk=person_id)
    )
    lead.get(f"/api/v1/cases/{case.pk}/timeline/")
    client.force_login(school_caseworker)
    client.get(reverse("cases:case", args=[case.pk]))
    client.post(
        reverse("referrals:new"),
        {
            "family_name": "Quennell",
            "date_of_birth_0": "29",
            "date_of_birth_1": "2",
            "date_of_birth_2": "2012",
        },
    )

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged, "the journeys should have logged something (requests, warnings)"
    for secret in secrets:
        assert secret.lower() not in logged.lower(), secret
