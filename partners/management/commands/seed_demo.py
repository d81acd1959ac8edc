"""Create the County Durham and Darlington demo partnership: organisations, one user per
role, and a few fictional people. Safe to run again: it creates only what is missing."""

import datetime
import os
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from partners.models import Area, Organisation, OrganisationType, User
from partners.roles import Role
from partners.services import membership_create, organisation_create
from referrals.models import Person
from referrals.services import person_create

ORGANISATIONS = [
    (
        "svp-team",
        "Serious Violence Partnership team",
        OrganisationType.PARTNERSHIP,
        Area.COUNTYWIDE,
    ),
    ("riverside-academy", "Riverside Academy", OrganisationType.SCHOOL, Area.DURHAM),
    ("durham-police", "Durham Constabulary", OrganisationType.POLICE, Area.COUNTYWIDE),
    (
        "cdd-ed",
        "Emergency Department, County Durham and Darlington NHS Foundation Trust",
        OrganisationType.HEALTH,
        Area.COUNTYWIDE,
    ),
    ("durham-council", "Durham County Council", OrganisationType.LOCAL_AUTHORITY, Area.DURHAM),
    (
        "darlington-council",
        "Darlington Borough Council",
        OrganisationType.LOCAL_AUTHORITY,
        Area.DARLINGTON,
    ),
    (
        "cd-youth-justice",
        "County Durham Youth Justice Service",
        OrganisationType.YOUTH_JUSTICE,
        Area.DURHAM,
    ),
    (
        "probation-cdd",
        "Probation Service, County Durham and Darlington",
        OrganisationType.PROBATION,
        Area.COUNTYWIDE,
    ),
    ("northern-mentoring", "Northern Mentoring Trust", OrganisationType.VOLUNTARY, Area.COUNTYWIDE),
    (
        "safe-harbour",
        "Safe Harbour Domestic Abuse Service",
        OrganisationType.VOLUNTARY,
        Area.DARLINGTON,
    ),
]

# username, first name, last name, organisation code, role
USERS = [
    ("school-caseworker", "Sam", "Shaw", "riverside-academy", Role.REFERRER),
    ("police-officer", "Priya", "Patel", "durham-police", Role.REFERRER),
    ("coordinator", "Chris", "Collins", "svp-team", Role.COORDINATOR),
    ("panel-member", "Morgan", "Mills", "cdd-ed", Role.PANEL_MEMBER),
    ("panel-chair", "Harriet", "Hughes", "durham-council", Role.PANEL_CHAIR),
    ("provider-keyworker", "Kai", "Kerr", "northern-mentoring", Role.PROVIDER),
    ("ig-officer", "Isla", "Grant", "svp-team", Role.IG_OFFICER),
    ("analyst", "Ana", "Lyons", "svp-team", Role.ANALYST),
    ("admin", "Adrian", "Minto", "svp-team", Role.ADMIN),
]

# Fictional people, recorded by the two referrers.
PEOPLE = [
    (
        "school-caseworker",
        {
            "given_name": "Jordan",
            "family_name": "Fletcher",
            "date_of_birth": datetime.date(2011, 3, 14),
            "gender": "male",
            "postcode": "DH1 3LE",
            "unique_pupil_number": "A123456789012",
        },
    ),
    (
        "police-officer",
        {
            "given_name": "Leah",
            "family_name": "Ó Briain-Walsh",
            "date_of_birth": datetime.date(1994, 11, 2),
            "gender": "female",
            "postcode": "DL1 5AD",
            "police_reference": "DUR/24/118842",
        },
    ),
    (
        "police-officer",
        {
            "given_name": "Callum",
            "family_name": "Reid",
            "date_of_birth": datetime.date(2001, 7, 21),
            "gender": "male",
            "postcode": "DL3 6ST",
            "nhs_number": "9434765919",
        },
    ),
]


class Command(BaseCommand):
    help = "Create the demo partnership (idempotent). Password from --password or DEMO_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user")

    def handle(self, *args, password=None, **options):
        password, source = self._password(password)
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("Demo password refused: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            organisations = self._organisations()
            users = self._users(organisations, password)
            created_people = self._people(users)
            self._referrals(users)
            self._panel(users)
            self._catalogue(organisations)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready: {len(organisations)} organisations, {len(users)} users, "
                f"{created_people} new demo people."
            )
        )
        self.stdout.write("Users: " + ", ".join(users))
        self.stdout.write(f"Password: {source}")

    def _password(self, given):
        if given:
            return given, "as given with --password"
        if os.environ.get("DEMO_PASSWORD"):
            return os.environ["DEMO_PASSWORD"], "from DEMO_PASSWORD"
        path = settings.VAR_DIR / "demo-password.txt"
        if path.exists():
            return path.read_text().strip(), f"in {path}"
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        path.touch(mode=0o600)
        path.write_text(password + "\n")
        return password, f"generated into {path}: {password}"

    def _organisations(self):
        organisations = {}
        for code, name, organisation_type, area in ORGANISATIONS:
            organisation = Organisation.objects.filter(code=code).first()
            if organisation is None:
                organisation = organisation_create(
                    name=name,
                    code=code,
                    organisation_type=organisation_type,
                    area=area,
                    # Both councils run children's and adult social care.
                    provides_social_care=organisation_type == OrganisationType.LOCAL_AUTHORITY,
                    actor=None,
                    reason="Demo data",
                )
            organisations[code] = organisation
        return organisations

    def _users(self, organisations, password):
        users = {}
        for username, first_name, last_name, organisation_code, role in USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@demo.invalid",
                },
            )
            user.set_password(password)
            # The administrator also manages organisations and users in the Django admin,
            # which holds no personal data of the people referred.
            user.is_staff = role == Role.ADMIN
            user.save(update_fields=["password", "is_staff"])
            membership_create(
                user=user,
                organisation=organisations[organisation_code],
                role=role,
                actor=None,
                reason="Demo data",
            )
            users[username] = user
        return users

    def _referrals(self, users):
        """One submitted referral from each referrer, so the screening queue has work."""
        from referrals.consent import consent_record
        from referrals.models import Referral
        from referrals.services import referral_create, referral_submit

        today = timezone.localdate()
        plans = [
            (
                "school-caseworker",
                "Fletcher",
                "parent_or_guardian",
                {
                    "pathway": "u18_prevention",
                    "area": "durham",
                    "narrative": "Seen carrying a knife near the school gates; older boys are "
                    "collecting him after school.",
                    "risk_factors": ["knife_carrying", "criminal_exploitation"],
                    "risk_level": "high",
                },
            ),
            (
                "police-officer",
                "Reid",
                "person",
                {
                    "pathway": "adult_18_35",
                    "area": "darlington",
                    "narrative": "Stabbed in the arm outside a takeaway; known to a group involved "
                    "in street robbery.",
                    "incident_place": "Skinnergate, Darlington",
                    "risk_factors": ["victim_of_violence", "gang_association"],
                    "risk_level": "medium",
                },
            ),
        ]
        for username, family_name, given_by, details in plans:
            actor = users[username]
            person = next(
                p for p in Person.objects.filter(created_by=actor) if p.family_name == family_name
            )
            if Referral.objects.filter(person=person).exists():
                continue
            referral = referral_create(
                actor=actor, person_id=person.pk, incident_date=today, **details
            )
            consent_record(
                actor=actor,
                referral=referral,
                purposes=["assessment", "panel_discussion", "information_sharing"],
                given_by=given_by,
                decision="given",
                decided_on=today,
                method="written",
                giver_name="Demo parent" if given_by == "parent_or_guardian" else "",
            )
            referral_submit(actor=actor, referral=referral)

    def _panel(self, users):
        """Accept the school's referral for panel and arrange the next Durham panel."""
        import datetime

        from cases.models import PanelMeeting
        from cases.services import meeting_create
        from referrals.models import Referral
        from referrals.services import referral_screen

        if PanelMeeting.objects.exists():
            return
        coordinator = users["coordinator"]
        for referral in Referral.objects.filter(status="submitted", area="durham"):
            referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")
        next_week = timezone.localdate() + datetime.timedelta(days=7)
        meeting_create(
            actor=coordinator,
            area="durham",
            meets_at=timezone.make_aware(datetime.datetime.combine(next_week, datetime.time(10))),
            chair=users["panel-chair"],
            members=[users["panel-member"]],
        )

    def _catalogue(self, organisations):
        from core.actors import SYSTEM
        from interventions.models import Intervention
        from interventions.services import intervention_create

        offers = [
            (
                "northern-mentoring",
                "Mentoring for young people",
                "mentoring",
                ["u18_prevention"],
                10,
                17,
                10,
                "Serious Violence Duty grant",
            ),
            (
                "cdd-ed",
                "Hospital navigators",
                "hospital_navigator",
                ["u18_prevention", "adult_18_35", "nte_alcohol"],
                11,
                35,
                12,
                "Violence Reduction Unit",
            ),
            (
                "probation-cdd",
                "Custody navigators",
                "custody_navigator",
                ["adult_18_35"],
                18,
                35,
                8,
                "Police and Crime Commissioner",
            ),
            (
                "safe-harbour",
                "Independent domestic violence advocacy",
                "idva",
                ["da_knife_repeat"],
                16,
                99,
                20,
                "Domestic abuse grant",
            ),
        ]
        for code, name, kind, pathways, low, high, capacity, funding in offers:
            provider = organisations[code]
            if Intervention.objects.filter(provider=provider, name=name).exists():
                continue
            intervention_create(
                actor=SYSTEM,
                provider=provider,
                name=name,
                intervention_type=kind,
                description=f"{name}, delivered by {provider.name}.",
                pathways=pathways,
                min_age=low,
                max_age=high,
                capacity=capacity,
                funding_stream=funding,
            )

    def _people(self, users):
        created = 0
        for username, details in PEOPLE:
            actor = users[username]
            if Person.objects.filter(created_by=actor).count() >= sum(
                1 for name, _ in PEOPLE if name == username
            ):
                continue
            person_create(actor=actor, reason="Demo data", **details)
            created += 1
        return created
