"""What a request costs in this process: requests/s through Django's test client (no
network, one thread), queries per request, and optionally a cProfile of each endpoint.

    DATABASE_URL=... FIELD_ENCRYPTION_KEYS=... BLIND_INDEX_KEY=... SECRET_KEY=... \\
        python scripts/measure_cost.py [--requests 200] [--profile] [--only create]

Runs against a database holding the demo partnership (``seed_demo``) or a generated one
(``benchmark --keep``): as the coordinator it reads a referral and matches a person by
family name and date of birth; as a school caseworker (or, on a generated database, a
referrer) it creates referrals for new people; as the lead professional it opens a case
page with a signed-in, two-factor session. DEBUG is off, as in production.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["SECURE_COOKIES"] = "0"
os.environ["API_THROTTLE_USER"] = "1000000000/hour"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ.setdefault("STATIC_MANIFEST", "0")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def _session_for(user):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from partners.middleware import SESSION_STARTED

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Measure", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_STARTED] = time.time()
    session.save()
    return session.session_key


def _user_with(role, *, username=None):
    from partners.models import User

    if username and User.objects.filter(username=username).exists():
        return User.objects.get(username=username)
    return (
        User.objects.filter(memberships__role=role, memberships__ended_at__isnull=True)
        .order_by("pk")
        .first()
    )


def _endpoints():
    from api.services import api_token_issue
    from cases.models import Case
    from partners.roles import Role
    from referrals.selectors import referrals_visible_to

    coordinator = _user_with(Role.COORDINATOR, username="coordinator")
    referrer = _user_with(Role.REFERRER, username="school-caseworker")
    _, coordinator_token = api_token_issue(user=coordinator, name="measure")
    _, referrer_token = api_token_issue(user=referrer, name="measure")
    referral = referrals_visible_to(coordinator).select_related("person").order_by("pk").first()
    person = referral.person
    case = Case.objects.filter(lead_professional=referrer).order_by("pk").first()
    lead = referrer
    if case is None:
        case = Case.objects.exclude(lead_professional=None).order_by("pk").first()
        lead = case.lead_professional if case else None
    endpoints = {
        "referral detail (coordinator)": (
            "get",
            f"/api/v1/referrals/{referral.pk}/",
            {"HTTP_AUTHORIZATION": f"Token {coordinator_token}"},
            None,
        ),
        "person match (coordinator)": (
            "get",
            "/api/v1/people/match/?"
            f"family_name={person.family_name}&date_of_birth={person.date_of_birth.isoformat()}",
            {"HTTP_AUTHORIZATION": f"Token {coordinator_token}"},
            None,
        ),
    }
    if case is not None:
        client_cookie = _session_for(lead)
        endpoints["web case page (lead)"] = ("get", f"/cases/{case.pk}/", {}, client_cookie)
    endpoints["create referral (new person)"] = (
        "post",
        "/api/v1/referrals/",
        {"HTTP_AUTHORIZATION": f"Token {referrer_token}"},
        None,
    )
    return endpoints, referrer


def _creation_body(n):
    return {
        "pathway": "u18_prevention",
        "area": "durham",
        "incident_date": "2026-06-01",
        "incident_place": "Outside the school gates",
        "narrative": "Threatened a pupil with a blade after school.",
        "risk_factors": ["knife_carrying"],
        "risk_level": "medium",
        "new_person": {
            "given_name": "Measure",
            "family_name": f"Person{uuid.uuid4().hex[:12]}",
            "date_of_birth": "2011-03-04",
            "gender": "male",
            "postcode": "DH1 3NP",
        },
    }


def _call(client, method, path, meta, n):
    if method == "get":
        return client.get(path, **meta)
    headers = dict(meta)
    headers["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
    return client.post(path, _creation_body(n), content_type="application/json", **headers)


def main():
    from django.conf import settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    endpoints, _ = _endpoints()
    for label, (method, path, meta, cookie) in endpoints.items():
        if args.only and args.only not in label:
            continue
        client = Client()
        if cookie:
            client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        first = _call(client, method, path, meta, 0)
        if first.status_code not in (200, 201):
            print(f"{label}: {first.status_code} {first.content[:300]!r}")
            continue
        for n in range(3):
            _call(client, method, path, meta, n)
        captured: list[str] = []

        def counting(execute, sql, params, many, context, captured=captured):
            captured.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            _call(client, method, path, meta, 0)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        started = time.perf_counter()
        cpu_started = time.process_time()
        if profiler:
            profiler.enable()
        for n in range(args.requests):
            response = _call(client, method, path, meta, n)
            assert response.status_code in (200, 201), (label, response.status_code)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(
            f"{label:34} {args.requests / elapsed:8.1f} req/s "
            f"{1000 * elapsed / args.requests:7.2f} ms/req "
            f"{1000 * cpu / args.requests:7.2f} ms CPU/req "
            f"{len(captured):3d} queries",
            flush=True,
        )
        if os.environ.get("SHOW_QUERIES"):
            for sql in captured:
                print("   ", sql[:240])
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(args.top)
            out.write("\n--- tottime ---\n")
            stats.sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
