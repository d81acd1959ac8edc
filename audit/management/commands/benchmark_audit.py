"""What auditing costs: requests per second for a case page, with and without it.

Runs on a throw-away test database (never the service's own), through the whole Django
stack, alternating rounds with auditing on and off so machine noise falls on both alike.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from django.test.utils import setup_databases, teardown_databases
from django.urls import reverse


class Command(BaseCommand):
    help = "Benchmark a case page with and without auditing; fails if auditing costs 20% or more."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="Requests per round")
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--budget", type=float, default=20.0, help="Largest cost allowed, %")

    def handle(self, *args, requests, rounds, budget, **options):
        from django.db import connections

        # Its own database, so it never disturbs the test suite's kept one.
        connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = "benchmark_svp"
        databases = setup_databases(verbosity=0, interactive=False)
        try:
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                rates = self._run(requests, rounds)
        finally:
            teardown_databases(databases, verbosity=0)
        with_audit = statistics.median(rates[True])
        without = statistics.median(rates[False])
        cost = 100 * (without - with_audit) / without
        self.stdout.write(
            f"case page, {rounds} rounds of {requests} requests (median):\n"
            f"  auditing off: {without:8.1f} requests/s\n"
            f"  auditing on:  {with_audit:8.1f} requests/s\n"
            f"  cost of auditing: {cost:.1f}% (budget {budget:.0f}%)"
        )
        if cost >= budget:
            raise CommandError(f"Auditing costs {cost:.1f}%, over the {budget:.0f}% budget")

    def _run(self, requests, rounds):
        from core.actors import SYSTEM
        from partners.roles import Role
        from partners.services import membership_create
        from tests.factories import UserFactory, make_organisation, opened_case

        school = make_organisation(name="Bench school", organisation_type="school")
        council = make_organisation(name="Bench council", organisation_type="local_authority")
        lead = UserFactory(username="bench-lead")
        membership_create(user=lead, organisation=school, role=Role.REFERRER, actor=SYSTEM)
        coordinator = UserFactory(username="bench-coordinator")
        membership_create(
            user=coordinator, organisation=council, role=Role.COORDINATOR, actor=SYSTEM
        )
        chair = UserFactory(username="bench-chair")
        membership_create(user=chair, organisation=council, role=Role.PANEL_CHAIR, actor=SYSTEM)
        case = opened_case(lead, coordinator, chair)
        client = Client()
        client.force_login(lead)
        url = reverse("cases:case", args=[case.pk])
        if client.get(url).status_code != 200:
            raise CommandError("The case page did not load; nothing to measure")
        rates = {True: [], False: []}
        for _ in range(rounds):
            for enabled in (False, True):
                with override_settings(AUDIT_ENABLED=enabled):
                    started = time.perf_counter()
                    for _ in range(requests):
                        client.get(url)
                    rates[enabled].append(requests / (time.perf_counter() - started))
        return rates
