"""Create the County Durham and Darlington demo partnership: organisations, one user per
role, a few fictional people, and a generated history of the partnership's last two years
(``demo.scale``) so the figures have something to show. Safe to run again: it creates only
what is missing."""

import datetime
import os
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, PanelMeeting
from cases.services import decision_record, meeting_close
from demo import builders, scale
from figures.measures import area_measures_import
from figures.models import AreaMeasure
from interventions.models import Intervention
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from partners.models import Area, Organisation, OrganisationType, User
from partners.roles import Role
from referrals.marac import dash_record, marac_refer, perpetrator_link
from referrals.models import DashRecord, Person, Referral
from sharing.models import InformationSharingAgreement

# The generated history: enough people that most month, area and pathway groups hold the
# figures' minimum group size (about 15 referrals each), few enough to seed in seconds.
HISTORY_PEOPLE = 1500
HISTORY_MONTHS = 24

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

# Who signed each partner's information sharing agreement (fictional); others: a DPO.
AGREEMENT_SIGNATORIES = {
    "svp-team": ("Helen Carr", "Partnership manager"),
    "durham-police": ("Superintendent Mark Dodds", "Head of information management"),
    "riverside-academy": ("Rachel Ibbotson", "Headteacher"),
}
DEFAULT_SIGNATORY = ("Alex Morgan", "Data protection officer")

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
            "ethnicity": "white_british",
            "disability": "no",
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
            "ethnicity": "white_irish",
            "disability": "yes",
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
            "ethnicity": "mixed_white_black_caribbean",
            "disability": "prefer_not_to_say",
        },
    ),
]


AREA_MEASURES = Path(__file__).resolve().parents[2] / "area_measures.csv"


class Command(BaseCommand):
    help = "Create the demo partnership (idempotent). Password from --password or DEMO_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user")
        parser.add_argument(
            "--history-people",
            type=int,
            default=HISTORY_PEOPLE,
            help="People in the generated history (0: none)",
        )

    def handle(self, *args, password=None, history_people=HISTORY_PEOPLE, **options):
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
            self._agreements(organisations)
            self._case_in_delivery(users)
            self._domestic_abuse(users)
            self._area_measures(users)
        history = self._history(history_people)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready: {len(organisations)} organisations, {len(users)} users, "
                f"{created_people} new demo people, {history} people in the generated history."
            )
        )
        self.stdout.write("Users: " + ", ".join(users))
        self.stdout.write(f"Password: {source}")

    def _area_measures(self, users):
        """The Serious Violence Duty's area measures (sources in demo/area_measures.md),
        imported by the analyst through the upload's own service, once."""
        if AreaMeasure.objects.exists():
            return
        with AREA_MEASURES.open("rb") as csv_file:
            area_measures_import(actor=users["analyst"], csv_file=csv_file)

    def _history(self, people: int) -> int:
        """Two years of a partnership's work, generated apart from the named people: its own
        organisations and users (``scale-...``), ending two months ago so that every referral
        has been screened and heard, and nothing lands in the demo users' queues."""
        generated = Person.objects.filter(
            created_by_organisation__code__startswith=scale.CODE_PREFIX
        )
        if people <= 0 or generated.exists():
            return generated.count()
        this_month = timezone.localdate().replace(day=1)
        until = (this_month - datetime.timedelta(days=32)).replace(day=1)
        until -= datetime.timedelta(days=1)
        scale.generate_partnership(
            people=people, months=HISTORY_MONTHS, seed=2026, until=until, balanced=True
        )
        return people

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
                organisation = builders.make_organisation(
                    name=name,
                    code=code,
                    organisation_type=organisation_type,
                    area=area,
                    # Both councils run children's and adult social care.
                    provides_social_care=organisation_type == OrganisationType.LOCAL_AUTHORITY,
                    reason="Demo data",
                )
            organisations[code] = organisation
        return organisations

    def _agreements(self, organisations):
        """Every partner's information sharing agreement, in force and signed; the police's
        falls due for review in a fortnight, so IG's home page has one to review."""
        today = timezone.localdate()
        for code, organisation in organisations.items():
            if InformationSharingAgreement.objects.filter(organisation=organisation).exists():
                continue
            soon = code == "durham-police"
            builders.make_agreement(
                organisation=organisation,
                reference=f"SVP-ISA-{code}".upper()[:50],
                title=f"{organisation.name}: Serious Violence Partnership information sharing",
                starts_on=today - datetime.timedelta(days=350 if soon else 120),
                review_on=today + datetime.timedelta(days=14 if soon else 245),
                signatory=AGREEMENT_SIGNATORIES.get(code, DEFAULT_SIGNATORY),
            )

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
            users[username] = builders.make_member(
                user=user,
                organisation=organisations[organisation_code],
                role=role,
                reason="Demo data",
            )
        return users

    def _referrals(self, users):
        """One submitted referral from each referrer, so the screening queue has work."""
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
            builders.submitted_referral(
                actor=actor,
                person=person,
                given_by=given_by,
                giver_name="Demo parent" if given_by == "parent_or_guardian" else "",
                **details,
            )

    def _panel(self, users):
        """Accept the school's referral for panel and arrange the next Durham panel."""
        if PanelMeeting.objects.exists():
            return
        coordinator = users["coordinator"]
        for referral in Referral.objects.filter(status="submitted", area="durham"):
            builders.accept_for_panel(coordinator=coordinator, referral=referral)
        next_week = timezone.localdate() + datetime.timedelta(days=7)
        builders.panel_meeting(
            coordinator=coordinator,
            chair=users["panel-chair"],
            members=[users["panel-member"]],
            area="durham",
            meets_at=timezone.make_aware(datetime.datetime.combine(next_week, datetime.time(10))),
        )

    def _domestic_abuse(self, users):
        """A victim of domestic abuse referred by the police: the SafeLives Dash checklist
        with 15 "yes" answers (high risk), the perpetrator linked, and a MARAC referral."""
        if DashRecord.objects.exists():
            return
        police = users["police-officer"]
        victim = next(
            p for p in Person.objects.filter(created_by=police) if p.family_name == "Ó Briain-Walsh"
        )
        today = timezone.localdate()
        referral = builders.submitted_referral(
            actor=police,
            person=victim,
            given_by="person",
            pathway="da_knife_repeat",
            area="darlington",
            incident_date=today - datetime.timedelta(days=3),
            narrative="Threatened with a kitchen knife by her former partner at her home.",
            domestic_abuse_incident=True,
            knife_or_sharp_instrument=True,
            domestic_abuse_role="victim",
            previous_incident_date=today - datetime.timedelta(days=70),
            previous_incident_source="Police log DUR/24/118842",
            risk_factors=["domestic_abuse_history", "previous_violence"],
            risk_level="high",
        )
        dash_record(
            actor=police,
            referral=referral,
            checklist="safelives_ric_2009",
            answers=["yes"] * 15 + ["no"] * 6 + ["not_known"] * 3,
            professional_judgement_reason="Threats to kill since she ended the relationship.",
        )
        perpetrator = builders.make_person(
            actor=police,
            reason="Demo data",
            given_name="Kieran",
            family_name="Doyle",
            date_of_birth=datetime.date(1990, 5, 9),
            gender="male",
        )
        link = perpetrator_link(actor=police, referral=referral, perpetrator_id=perpetrator.pk)
        marac_refer(actor=police, referral=referral, link_id=link.pk)

    def _case_in_delivery(self, users):
        """A case the panel opened last week with mentoring under way, so the lead
        professional, the chair, the keyworker and IG each have a record to work on."""
        if Case.objects.exists():
            return
        school, coordinator, chair = (
            users["school-caseworker"],
            users["coordinator"],
            users["panel-chair"],
        )
        keyworker = users["provider-keyworker"]
        person = builders.make_person(
            actor=school,
            reason="Demo data",
            given_name="Tyler",
            family_name="Ashworth",
            date_of_birth=builders.years_ago(14, days=40),
            gender="male",
            postcode="DH1 4RT",
        )
        referral = builders.accepted_referral(
            referrer=school,
            coordinator=coordinator,
            person=person,
            given_by="parent_or_guardian",
            giver_name="Demo parent",
            pathway="u18_prevention",
            area="durham",
            incident_date=timezone.localdate() - datetime.timedelta(days=21),
            narrative="Excluded twice this term after fights; an older cousin is known to "
            "carry a knife and collects him from school.",
            risk_factors=["school_exclusion", "gang_association"],
            risk_level="medium",
        )
        meeting = builders.panel_meeting(
            coordinator=coordinator,
            chair=chair,
            members=[users["panel-member"]],
            area="durham",
            meets_at=timezone.now() - datetime.timedelta(days=7),
            start=True,
        )
        decision = decision_record(
            actor=chair,
            meeting=meeting,
            referral=referral,
            outcome="open_case",
            rationale="Mentoring and school support; the school leads.",
            lead_professional=school,
            lead_organisation=school.memberships.first().organisation,
            actions=[
                {
                    "description": "Ask the school's pastoral lead to join the next review",
                    "owner": school,
                    "due_date": timezone.localdate() + datetime.timedelta(days=14),
                }
            ],
        )
        meeting_close(actor=chair, meeting=meeting)
        builders.agree_to_take_part(
            actor=school,
            referral=referral,
            given_by="parent_or_guardian",
            giver_name="Demo parent",
        )
        mentoring = Intervention.objects.get(name="Mentoring for young people")
        allocation = allocation_create(
            actor=school, case=decision.case, intervention=mentoring, request="Weekly mentoring"
        )
        allocation_offer(actor=school, allocation=allocation)
        allocation_transition(actor=keyworker, allocation=allocation, action="accept")
        allocation_transition(actor=keyworker, allocation=allocation, action="start")
        contact_record(
            actor=keyworker,
            allocation=allocation,
            contact_date=timezone.localdate() - datetime.timedelta(days=2),
            contact_type="face_to_face",
            outcome="attended",
            duration_minutes=60,
        )

    def _catalogue(self, organisations):
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
                "48000",
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
                "96000",
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
                None,
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
                "120000",
            ),
        ]
        for code, name, kind, pathways, low, high, capacity, funding, amount in offers:
            provider = organisations[code]
            if Intervention.objects.filter(provider=provider, name=name).exists():
                continue
            builders.make_intervention(
                provider=provider,
                name=name,
                intervention_type=kind,
                description=f"{name}, delivered by {provider.name}.",
                pathways=pathways,
                min_age=low,
                max_age=high,
                capacity=capacity,
                funding_stream=funding,
                annual_funding=Decimal(amount) if amount else None,
            )

    def _people(self, users):
        created = 0
        for username, details in PEOPLE:
            actor = users[username]
            if Person.objects.filter(created_by=actor).count() >= sum(
                1 for name, _ in PEOPLE if name == username
            ):
                continue
            builders.make_person(actor=actor, reason="Demo data", **details)
            created += 1
        return created
