"""A realistic partnership at scale, written fast: the benchmark's and the demo's history.

``generate_partnership`` builds the small fixed part (organisations of each type in Durham
and Darlington, their users and roles, the catalogue of interventions) through the demo
builders, so it passes the same checks as a page; then it writes the people and everything
that happened to them with PostgreSQL ``COPY``, a few thousand people per transaction.

What it writes is what the services would have written:

- identity and free text really sealed (``core.encryption.bulk_sealer`` writes exactly what
  ``EncryptedCharField`` does) and real blind indexes (``Person.refresh_blind_indexes``'s
  domains and normalisation), so matching, pages and the API work on it;
- each referral follows the lifecycle (draft; submitted; screened: accepted for panel,
  returned, declined, signposted; withdrawn; panel decision: case opened, no further action,
  signposted, deferred), with ``referral_date`` <= ``submitted_at`` <= ``screened_at`` <= the
  panel's decision <= the case, its allocations, contacts and outcome records, and nothing
  after now: recent referrals are still waiting where they would be;
- each referral meets its pathway's eligibility (``referrals.pathways``): ages, the
  night-time economy's time, place and alcohol, the adult pathway's reason for someone
  other than a man, domestic abuse's knife, role and repeat within 12 months;
- consent from whoever decides at that age, agreement to take part for a case with
  allocations, an approved lawful basis where information-sharing consent was refused,
  the case shared with its lead organisation, and the organisations' object permissions;
- plausible shares of gender, age, postcode district (DH1-DH9, DL1-DL17; DL1-DL3 are
  Darlington, the rest County Durham), and, where ``Person`` has the fields, ethnicity and
  disability (``referrals.equality``'s codes, sealed).

With ``audit=True`` (the benchmark), the audit events the records' lives would have left,
already sealed onto the chain (``_AuditTrail``), and the consents' history rows their change
events vouch for. Not written: other simple-history rows and, without ``audit``, any audit
event for the generated records (the fixed part goes through the services and is audited as
usual, so the audit chain stays valid either way), Dash records, MARAC referrals and
victim-perpetrator links; an allocation's panel decision is left blank.

The figures' stale-person triggers are switched off inside each batch's transaction (and
so back on at its end, whatever happens) and the batch's people are marked stale in one
statement instead, so the reporting store folds them in (or ``rebuild_figures`` does).
"""

import contextlib
import datetime
import hashlib
import itertools
import json
import math
import queue
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, ChainHead, EventKind
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseShare,
    PanelAttendance,
    PanelDecision,
    PanelMeeting,
)
from core.encryption import blind_index, bulk_sealer, normalise_identifier, normalise_name
from demo import builders
from interventions.models import Allocation, Contact, Intervention, OutcomeMeasure, OutcomeRecord
from partners.models import Area, Organisation, OrganisationType, User
from partners.roles import Role
from referrals.disclosure import OFFENCE_PATHWAYS, OFFENCE_RISK_FACTORS
from referrals.models import (
    BlindIndex,
    Consent,
    LawfulBasis,
    Participation,
    Person,
    PersonGroupObjectPermission,
    Referral,
)
from referrals.pathways import RISK_CHECKLIST, Pathway, RiskFactor, age_on
from sharing.services import DisclosureRefused, rule_permit
from sharing.vocabulary import DataCategory, Purpose, in_words

CODE_PREFIX = "scale-"
MEETING_NAMESPACE = uuid.UUID("5b0d4c8e-6a43-4f57-9d53-0c6f2f1a7e21")
BATCH_PEOPLE = 5000
# Tables whose figures trigger is switched off while a batch loads (see the module text).
MARKED_TABLES = [
    model._meta.db_table
    for model in (
        Person,
        Referral,
        Consent,
        LawfulBasis,
        Participation,
        PanelDecision,
        Case,
        CaseShare,
        Allocation,
        Contact,
        OutcomeRecord,
    )
]

# --- The fixed part ----------------------------------------------------------------------

AREAS = (Area.DURHAM, Area.DARLINGTON)
LOCAL_TYPES = (
    OrganisationType.SCHOOL,
    OrganisationType.POLICE,
    OrganisationType.HEALTH,
    OrganisationType.LOCAL_AUTHORITY,
    OrganisationType.YOUTH_JUSTICE,
    OrganisationType.PROBATION,
    OrganisationType.HOUSING,
    OrganisationType.VOLUNTARY,
)
ORGANISATION_NAMES = {
    OrganisationType.SCHOOL: "{area} Community Academy",
    OrganisationType.POLICE: "{area} Neighbourhood Policing Team",
    OrganisationType.HEALTH: "{area} Urgent Care Service",
    OrganisationType.LOCAL_AUTHORITY: "{area} Council Early Help",
    OrganisationType.YOUTH_JUSTICE: "{area} Youth Justice Team",
    OrganisationType.PROBATION: "{area} Probation Delivery Unit",
    OrganisationType.HOUSING: "{area} Homes",
    OrganisationType.VOLUNTARY: "{area} Youth and Families Trust",
}
REFERRING_TYPES = {
    Pathway.U18_PREVENTION: (
        (OrganisationType.SCHOOL, 40),
        (OrganisationType.POLICE, 20),
        (OrganisationType.YOUTH_JUSTICE, 15),
        (OrganisationType.LOCAL_AUTHORITY, 15),
        (OrganisationType.HEALTH, 10),
    ),
    Pathway.NTE_ALCOHOL: ((OrganisationType.POLICE, 60), (OrganisationType.HEALTH, 40)),
    Pathway.ADULT_18_35: (
        (OrganisationType.POLICE, 45),
        (OrganisationType.PROBATION, 30),
        (OrganisationType.HEALTH, 15),
        (OrganisationType.HOUSING, 10),
    ),
    Pathway.DA_KNIFE_REPEAT: (
        (OrganisationType.POLICE, 60),
        (OrganisationType.HEALTH, 15),
        (OrganisationType.LOCAL_AUTHORITY, 15),
        (OrganisationType.HOUSING, 10),
    ),
}
REFERRERS_PER_ORGANISATION = 3
# provider type, name, type of intervention, pathways, ages, share of all places
CATALOGUE = (
    (
        OrganisationType.VOLUNTARY,
        "Mentoring",
        "mentoring",
        [Pathway.U18_PREVENTION],
        (10, 18),
        3,
    ),
    (
        OrganisationType.VOLUNTARY,
        "Sport and diversionary activities",
        "sport_diversionary",
        [Pathway.U18_PREVENTION, Pathway.ADULT_18_35],
        (10, 25),
        2,
    ),
    (
        OrganisationType.YOUTH_JUSTICE,
        "Family support",
        "family_support",
        [Pathway.U18_PREVENTION],
        (10, 18),
        2,
    ),
    (
        OrganisationType.HEALTH,
        "Hospital navigators",
        "hospital_navigator",
        [Pathway.U18_PREVENTION, Pathway.ADULT_18_35, Pathway.NTE_ALCOHOL],
        (11, 99),
        2,
    ),
    (
        OrganisationType.HEALTH,
        "Alcohol brief intervention",
        "alcohol_brief_intervention",
        [Pathway.NTE_ALCOHOL],
        (18, 99),
        2,
    ),
    (
        OrganisationType.PROBATION,
        "Custody navigators",
        "custody_navigator",
        [Pathway.ADULT_18_35],
        (18, 35),
        2,
    ),
    (
        OrganisationType.PROBATION,
        "Domestic abuse perpetrator programme",
        "da_perpetrator_programme",
        [Pathway.DA_KNIFE_REPEAT],
        (18, 99),
        1,
    ),
    (
        OrganisationType.LOCAL_AUTHORITY,
        "Education and employment support",
        "education_employment",
        [Pathway.ADULT_18_35, Pathway.NTE_ALCOHOL],
        (16, 35),
        2,
    ),
    (
        OrganisationType.HOUSING,
        "Independent domestic violence advocacy",
        "idva",
        [Pathway.DA_KNIFE_REPEAT],
        (16, 99),
        2,
    ),
)
FUNDING = (
    "Serious Violence Duty grant",
    "Violence Reduction Unit",
    "Police and Crime Commissioner",
    "Domestic abuse grant",
)
# Outcome measures each pathway's cases record, by code (those the database has).
MEASURES_BY_PATHWAY = {
    Pathway.U18_PREVENTION: ("school_attendance", "feeling_safe", "further_violence_offence"),
    Pathway.NTE_ALCOHOL: ("audit_c", "ed_assault_attendance", "feeling_safe"),
    Pathway.ADULT_18_35: ("eet", "further_violence_offence", "feeling_safe"),
    Pathway.DA_KNIFE_REPEAT: ("da_incidents", "feeling_safe"),
}


@dataclass
class Fixed:
    """The fixed part, as plain ids: who refers, screens, chairs and delivers where."""

    organisations: dict  # (area, type) -> (id, group id)
    partnership: int
    referrers: dict  # organisation id -> [user ids]
    coordinator: int
    analyst: int
    ig_officer: int
    chairs: dict  # area -> user id
    members: dict  # area -> [(user id, organisation id)]
    keyworkers: dict  # provider organisation id -> [user ids]
    interventions: list  # (id, pathways, min age, max age, area, provider id)
    measures: dict  # code -> (id, min, max, higher is better, recorded by type)
    permissions: dict  # codename -> permission id


def _username(*parts) -> str:
    return CODE_PREFIX + "-".join(parts).replace("_", "-")


def _user(username: str, first: str, last: str, organisation: Organisation, role: str) -> User:
    user = User.objects.filter(username=username).first() or builders.make_user(
        username=username, first_name=first, last_name=last
    )
    return builders.make_member(
        user=user, organisation=organisation, role=role, reason="Generated partnership"
    )


def ensure_fixed_partnership(*, places: int = 20) -> Fixed:
    """The organisations, users and catalogue (created once, through the services)."""
    from django.contrib.auth.models import Permission

    def organisation(code, name, kind, area):
        existing = Organisation.objects.filter(code=code).first()
        return existing or builders.make_organisation(
            name=name,
            code=code,
            organisation_type=kind,
            area=area,
            provides_social_care=kind == OrganisationType.LOCAL_AUTHORITY,
            reason="Generated partnership",
        )

    partnership = organisation(
        f"{CODE_PREFIX}partnership",
        "Generated Violence Reduction Partnership",
        OrganisationType.PARTNERSHIP,
        Area.COUNTYWIDE,
    )
    organisations, referrers, keyworkers, members, chairs = {}, {}, {}, {}, {}
    for area in AREAS:
        label = Area(area).label
        for kind in LOCAL_TYPES:
            org = organisation(
                f"{CODE_PREFIX}{kind}-{area}".replace("_", "-"),
                "Generated: " + ORGANISATION_NAMES[kind].format(area=label),
                kind,
                area,
            )
            organisations[(area, kind)] = (org.pk, org.group_id)
            referrers[org.pk] = [
                _user(
                    _username(kind, area, "referrer", str(n)),
                    "Referrer",
                    str(n),
                    org,
                    Role.REFERRER,
                ).pk
                for n in range(1, REFERRERS_PER_ORGANISATION + 1)
            ]
        council = Organisation.objects.get(
            pk=organisations[(area, OrganisationType.LOCAL_AUTHORITY)][0]
        )
        chairs[area] = _user(_username("chair", area), "Chair", label, council, Role.PANEL_CHAIR).pk
        members[area] = [(chairs[area], council.pk)]
        for kind in (OrganisationType.POLICE, OrganisationType.HEALTH, OrganisationType.SCHOOL):
            org = Organisation.objects.get(pk=organisations[(area, kind)][0])
            user = _user(_username("panel", kind, area), "Panel", label, org, Role.PANEL_MEMBER)
            members[area].append((user.pk, org.pk))
    coordinator = _user(
        _username("coordinator"), "Casey", "Coordinator", partnership, Role.COORDINATOR
    )
    analyst = _user(_username("analyst"), "Alex", "Analyst", partnership, Role.ANALYST)
    ig_officer = _user(
        _username("ig-officer"), "Imogen", "Governance", partnership, Role.IG_OFFICER
    )

    interventions = []
    for area in AREAS:
        for n, (kind, name, itype, pathways, (low, high), share) in enumerate(CATALOGUE):
            provider = Organisation.objects.get(pk=organisations[(area, kind)][0])
            keyworkers.setdefault(
                provider.pk,
                [
                    _user(
                        _username("keyworker", kind, area, str(k)),
                        "Keyworker",
                        str(k),
                        provider,
                        Role.PROVIDER,
                    ).pk
                    for k in (1, 2)
                ],
            )
            full_name = f"{name} ({Area(area).label})"
            existing = Intervention.objects.filter(provider=provider, name=full_name).first()
            capacity = max(2, places * share)
            if existing is None:
                existing = builders.make_intervention(
                    provider=provider,
                    name=full_name,
                    description=f"{name}, delivered by {provider.name}.",
                    intervention_type=itype,
                    pathways=list(pathways),
                    min_age=low,
                    max_age=high,
                    capacity=capacity,
                    funding_stream=FUNDING[n % len(FUNDING)],
                )
            elif existing.capacity < capacity:
                Intervention.objects.filter(pk=existing.pk).update(capacity=capacity)
            interventions.append((existing.pk, tuple(pathways), low, high, area, provider.pk))

    # Every partner signs the partnership's information sharing agreement.
    codes = [f"{CODE_PREFIX}partnership"] + [
        f"{CODE_PREFIX}{kind}-{area}".replace("_", "-") for area in AREAS for kind in LOCAL_TYPES
    ]
    for org in Organisation.objects.filter(code__in=codes, sharing_agreements__isnull=True):
        builders.make_agreement(
            organisation=org,
            reference=f"ISA-{org.code}".upper()[:50],
            signatory=("Alex Morgan", "Data protection officer"),
        )
    measures = {
        m.code: (m.pk, m.min_value, m.max_value, m.higher_is_better, m.recorded_by_type)
        for m in OutcomeMeasure.objects.filter(derived=False)
    }
    permissions = dict(
        Permission.objects.filter(
            codename__in=["view_person", "change_person", "view_case"]
        ).values_list("codename", "pk")
    )
    return Fixed(
        organisations=organisations,
        partnership=partnership.pk,
        referrers=referrers,
        coordinator=coordinator.pk,
        analyst=analyst.pk,
        ig_officer=ig_officer.pk,
        chairs=chairs,
        members=members,
        keyworkers=keyworkers,
        interventions=interventions,
        measures=measures,
        permissions=permissions,
    )


# --- Writing with COPY -------------------------------------------------------------------

_MISSING = object()
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is list:
        return "{" + ",".join(value) + "}"
    return str(value)


class _Table:
    """Rows of one table in ``COPY`` text format, every column named: a field the caller does
    not give takes the model's plain default, or blank / NULL where the model allows it."""

    def __init__(self, model, *, with_id: bool = False, **fixed):
        self.model = model
        # Serial ids come from the table's sequence, unless the caller reserved its own.
        fields = [
            f
            for f in model._meta.concrete_fields
            if with_id or not (f.primary_key and f.get_internal_type().endswith("AutoField"))
        ]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.attnames = [f.attname for f in fields]
        defaults = {}
        for f in fields:
            if f.attname in fixed:
                defaults[f.attname] = _copy_text(fixed[f.attname])
            elif f.has_default() and not callable(f.default):
                defaults[f.attname] = _copy_text(f.default)
            elif f.has_default() and f.default is list:
                defaults[f.attname] = "{}"
            elif f.null:
                defaults[f.attname] = "\\N"
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                defaults[f.attname] = ""
            else:
                defaults[f.attname] = _MISSING
        self.defaults = defaults
        self.lines: list[str] = []

    def add(self, **values) -> None:
        defaults = self.defaults
        row = [_copy_text(values[a]) if a in values else defaults[a] for a in self.attnames]
        if _MISSING in row:
            missing = [a for a, v in zip(self.attnames, row, strict=True) if v is _MISSING]
            raise ValueError(f"{self.table}: no value for {', '.join(missing)}")
        self.lines.append("\t".join(row))

    def flush(self, cursor) -> int:
        if not self.lines:
            return 0
        count = len(self.lines)
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for start in range(0, count, 5000):
                copy.write("\n".join(self.lines[start : start + 5000]) + "\n")
        self.lines = []
        return count


# --- Plausible values --------------------------------------------------------------------

GIVEN_NAMES = {
    "male": [
        "Jack",
        "Harry",
        "Oliver",
        "Charlie",
        "George",
        "Noah",
        "Leo",
        "Alfie",
        "Jacob",
        "Thomas",
        "Oscar",
        "James",
        "William",
        "Joshua",
        "Liam",
        "Callum",
        "Kyle",
        "Connor",
        "Ryan",
        "Daniel",
        "Lewis",
        "Jordan",
        "Mason",
        "Tyler",
        "Ethan",
        "Kian",
        "Reece",
        "Aaron",
        "Adam",
        "Mohammed",
        "Dylan",
        "Bradley",
        "Jamie",
        "Luke",
        "Nathan",
        "Owen",
        "Sean",
        "Kai",
        "Ben",
        "Sam",
    ],
    "female": [
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Ivy",
        "Lily",
        "Freya",
        "Grace",
        "Ella",
        "Sophie",
        "Chloe",
        "Emily",
        "Jessica",
        "Leah",
        "Megan",
        "Holly",
        "Courtney",
        "Amber",
        "Paige",
        "Abbie",
        "Katie",
        "Lauren",
        "Shannon",
        "Jade",
        "Kayleigh",
        "Niamh",
        "Aisha",
        "Zara",
        "Hannah",
        "Rebecca",
        "Gemma",
        "Lucy",
        "Erin",
        "Millie",
        "Ellie",
        "Evie",
        "Poppy",
        "Maisie",
    ],
    "other": [
        "Alex",
        "Charlie",
        "Jordan",
        "Sam",
        "Robin",
        "Jamie",
        "Riley",
        "Morgan",
        "Taylor",
        "Casey",
        "Frankie",
    ],
}
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Robson",
    "Johnson",
    "Walker",
    "Wood",
    "Thompson",
    "White",
    "Hall",
    "Watson",
    "Wright",
    "Robinson",
    "Jackson",
    "Green",
    "Harrison",
    "Thomson",
    "Clark",
    "Bell",
    "Scott",
    "Young",
    "Hughes",
    "Turner",
    "Dixon",
    "Hutchinson",
    "Armstrong",
    "Atkinson",
    "Graham",
    "Moore",
    "Lee",
    "Martin",
    "Kelly",
    "Davison",
    "Henderson",
    "Allan",
    "Nicholson",
    "Ridley",
    "Charlton",
    "Milburn",
    "Liddle",
    "Ó'Neill",
    "Nowak",
    "Kowalski",
    "Khan",
    "Ahmed",
    "Ali",
    "Begum",
    "Hussain",
    "Patel",
    "Singh",
    "Okafor",
    "Mensah",
    "Chen",
    "Wang",
    "Nguyen",
    "Murphy",
    "O'Brien",
    "McDonald",
    "Fletcher-Reid",
    "Stoddart",
    "Pattinson",
    "Heslop",
    "Bainbridge",
    "Dunn",
    "Forster",
    "Gibson",
    "Brannigan",
    "Marley",
]
STREETS = [
    "Front Street",
    "Station Road",
    "Durham Road",
    "North Road",
    "Victoria Terrace",
    "Church Lane",
    "Park View",
    "Woodland Crescent",
    "Coniscliffe Road",
    "Yarm Road",
    "Skinnergate",
    "Elvet Bridge",
    "Gilesgate",
    "Claypath",
    "Neville Street",
    "High Street",
    "Chester Road",
    "The Green",
    "Mill Lane",
    "Bondgate",
    "Newgate",
    "Commercial Street",
    "Albert Street",
    "Queen Street",
]
# Postcode districts with weights roughly as many people live there; Darlington borough is
# DL1 to DL3, the rest of DL (and all of DH) is County Durham.
DISTRICTS = (
    ("DH1", 8), ("DH2", 5), ("DH3", 5), ("DH4", 5), ("DH5", 4), ("DH6", 5), ("DH7", 6),
    ("DH8", 5), ("DH9", 5), ("DL1", 9), ("DL2", 3), ("DL3", 7), ("DL4", 3), ("DL5", 4),
    ("DL12", 2), ("DL13", 2), ("DL14", 5), ("DL15", 3), ("DL16", 3), ("DL17", 3),
)  # fmt: skip
DARLINGTON_DISTRICTS = {"DL1", "DL2", "DL3"}
BALANCED_DISTRICTS = tuple(
    (district, weight * (4 if district in DARLINGTON_DISTRICTS else 1))
    for district, weight in DISTRICTS
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
GENDERS = (("male", 70), ("female", 26), ("non_binary", 1), ("not_known", 2), ("not_stated", 1))
AGE_BANDS = (((10, 15), 26), ((16, 17), 16), ((18, 25), 30), ((26, 35), 17), ((36, 64), 11))
BALANCED_AGE_BANDS = (
    ((10, 15), 20),
    ((16, 17), 10),
    ((18, 25), 30),
    ((26, 35), 22),
    ((36, 64), 18),
)
ETHNICITY = (
    ("white_british", 860), ("white_irish", 5), ("white_gypsy_or_irish_traveller", 6),
    ("white_roma", 2), ("white_other", 25), ("mixed_white_black_caribbean", 6),
    ("mixed_white_black_african", 4), ("mixed_white_asian", 5), ("mixed_other", 4),
    ("asian_indian", 4), ("asian_pakistani", 5), ("asian_bangladeshi", 3),
    ("asian_chinese", 3), ("asian_other", 3), ("black_caribbean", 2), ("black_african", 8),
    ("black_other", 2), ("other_arab", 2), ("other_any", 3), ("prefer_not_to_say", 15),
    ("not_known", 20), ("", 12),
)  # fmt: skip
DISABILITY = (("no", 68), ("yes", 15), ("prefer_not_to_say", 3), ("not_known", 9), ("", 5))
NARRATIVES = {
    Pathway.U18_PREVENTION: (
        "Seen carrying a knife near the school gates; friends say older boys collect him.",
        "Excluded twice this term after fights; an older cousin is known to carry a knife.",
        "Missing from home three times in a month and found in another town with adults.",
        "Assaulted at the bus station and now says he carries a blade for protection.",
        "Picked up by police with cash and two phones; signs of criminal exploitation.",
    ),
    Pathway.NTE_ALCOHOL: (
        "Arrested after a fight outside a bar on a Saturday night; heavily intoxicated.",
        "Attended the emergency department with a glassing injury after a night out.",
        "Third alcohol-related assault in the town centre this year, as victim and aggressor.",
    ),
    Pathway.ADULT_18_35: (
        "Stabbed in the arm outside a takeaway; known to a group involved in street robbery.",
        "Released from custody after a wounding conviction; says he wants to stay away.",
        "Threatened with a machete over a drug debt; has been carrying a knife since.",
    ),
    Pathway.DA_KNIFE_REPEAT: (
        "Threatened with a kitchen knife by a former partner at home; second incident.",
        "Police called to the address again; a knife was produced during the argument.",
        "Cut on the hand while a partner waved a knife; earlier incident in the spring.",
    ),
}
NTE_PLACES = (
    "Outside a bar, Saddler Street, Durham",
    "Taxi rank, North Road, Durham",
    "Nightclub queue, Northgate, Darlington",
    "Skinnergate, Darlington",
    "Market Place, Bishop Auckland",
)
SIGNPOSTS = (
    "childrens_social_care",
    "substance_misuse_service",
    "idva_service",
    "other",
    "channel",
)
CLOSURES = (
    ("goals_met", 55), ("disengaged", 20), ("moved_out_of_area", 5),
    ("escalated_to_statutory_services", 9), ("custody", 5), ("other", 6),
)  # fmt: skip


def _weights(pairs):
    values = [v for v, _ in pairs]
    cumulative, total = [], 0
    for _, w in pairs:
        total += w
        cumulative.append(total)
    return values, cumulative


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


# --- The partnership over time ----------------------------------------------------------


@dataclass
class Result:
    people: int = 0
    seconds: float = 0.0
    rows: Counter = field(default_factory=Counter)
    timings: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], first
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class _Generator:
    def __init__(
        self,
        *,
        fixed: Fixed,
        months: int,
        seed: int,
        until: datetime.date | None,
        balanced: bool = False,
        audit: bool = False,
    ):
        self.balanced = balanced
        self.audit = audit
        if audit:
            self._prepare_audit(fixed)
        self.fixed = fixed
        # Fictional data, repeatable from its seed: not for anything secret.
        self.rng = random.Random(seed)  # noqa: S311
        # The audit trail's own (``_AuditTrail``): the partnership is the same without it.
        self.trail_rng = random.Random(seed + 104729)  # noqa: S311
        self.seal = bulk_sealer()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now()
        today = timezone.localdate()
        self.today = today
        last_day = min(until or today, today)
        self.last_day = last_day
        first_month = _add_months(last_day.replace(day=1), -(months - 1))
        self.months = _month_starts(first_month, last_day.replace(day=1))
        # More referrals as the partnership becomes known, and more in summer.
        weights = []
        for n, month in enumerate(self.months):
            growth = 1 + 0.6 * n / max(1, len(self.months) - 1)
            season = 1 + 0.15 * math.sin((month.month - 4) / 12 * 2 * math.pi)
            weights.append(growth * season)
        self.month_cum = list(_cumulative(weights))
        self.districts = _weights(BALANCED_DISTRICTS if balanced else DISTRICTS)
        self.genders = _weights(GENDERS)
        self.age_bands = _weights(BALANCED_AGE_BANDS if balanced else AGE_BANDS)
        self.ethnicity = _weights(ETHNICITY)
        self.disability = _weights(DISABILITY)
        self.closures = _weights(CLOSURES)
        self.family_index = {
            name: normalise_name(name) for name in FAMILY_NAMES
        }  # normalising is the slow part of the index
        self.meetings = self._meetings()
        self.open_cases: dict = {}
        fields = {f.name for f in Person._meta.get_fields()}
        self.has_equality = {"ethnicity", "disability"} <= fields
        if self.has_equality:
            self.ethnicity, self.disability = _equality_answers(self.ethnicity, self.disability)
        self.by_pathway_area = {}
        for iid, pathways, low, high, area, provider in fixed.interventions:
            for pathway in pathways:
                self.by_pathway_area.setdefault((pathway, area), []).append(
                    (iid, low, high, provider)
                )

    def _prepare_audit(self, fixed: Fixed) -> None:
        """Who acts as whom (organisation, role, a workstation address), the organisations
        the sharing rules are asked about, and the chain's head to seal after."""
        acting = {}

        def act(user, organisation, role):
            acting[user] = (
                organisation,
                role,
                f"10.{organisation % 250}.{user % 250}.{user % 7 + 10}",
            )

        for organisation, users in fixed.referrers.items():
            for user in users:
                act(user, organisation, Role.REFERRER.value)
        for area in AREAS:
            for n, (user, organisation) in enumerate(fixed.members[area]):
                act(user, organisation, (Role.PANEL_CHAIR if n == 0 else Role.PANEL_MEMBER).value)
        act(fixed.coordinator, fixed.partnership, Role.COORDINATOR.value)
        self.acting = acting
        ids = {org for org, _ in fixed.organisations.values()} | {fixed.partnership}
        self.organisations = Organisation.objects.in_bulk(ids)
        self.organisation_types = {pk: o.organisation_type for pk, o in self.organisations.items()}
        self.permits: dict = {}
        head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
        self.chain = tuple(head) if head else (0, "")

    def permit(self, discloser: int, recipient: int, categories: frozenset, age: int):
        """The sharing rule that lets ``discloser`` show the agenda item (None: none does);
        the rule table only, held in memory (the generated partners all sign the ISA)."""
        key = (discloser, recipient, categories, age)
        if key not in self.permits:
            try:
                self.permits[key] = rule_permit(
                    discloser=self.organisations[discloser],
                    recipient=self.organisations[recipient],
                    data_categories=categories,
                    purpose=Purpose.PANEL_DISCUSSION,
                    person_age=age,
                )
            except DisclosureRefused:
                self.permits[key] = None
        return self.permits[key]

    def pick(self, table):
        values, cumulative = table
        return values[_bisect(cumulative, self.rng.random() * cumulative[-1])]

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def referral_day(self) -> datetime.date:
        index = _bisect(self.month_cum, self.rng.random() * self.month_cum[-1])
        month = self.months[index]
        next_month = _add_months(month, 1)
        span = (min(next_month - datetime.timedelta(days=1), self.last_day) - month).days
        return month + datetime.timedelta(days=self.rng.randint(0, max(0, span)))

    def _meetings(self):
        """A panel every Tuesday at 10:00 in each area, through the window up to now."""
        first = self.months[0]
        tuesday = first + datetime.timedelta(days=(1 - first.weekday()) % 7)
        meetings = {area: [] for area in AREAS}
        day = tuesday
        while True:
            when = self.at(day, 10)
            # Only meetings over (decisions taken by 13:00) by now.
            if when + datetime.timedelta(hours=3) > self.now:
                break
            for area in AREAS:
                # Named by area and day, so a second run meets at the same meetings.
                meeting_id = uuid.uuid5(MEETING_NAMESPACE, f"{area}:{day.isoformat()}")
                meetings[area].append((meeting_id, when))
            day += datetime.timedelta(days=7)
        return meetings

    def next_meeting(self, area, after: datetime.datetime):
        meetings = self.meetings[area]
        lo, hi = 0, len(meetings)
        while lo < hi:
            mid = (lo + hi) // 2
            if meetings[mid][1] < after:
                lo = mid + 1
            else:
                hi = mid
        return meetings[lo] if lo < len(meetings) else None

    def write_meetings(self, cursor, rows: Counter) -> None:
        meetings = _Table(PanelMeeting)
        attendance = _Table(PanelAttendance)
        wanted = [meeting_id for listed in self.meetings.values() for meeting_id, _ in listed]
        existing = set(PanelMeeting.objects.filter(id__in=wanted).values_list("id", flat=True))
        for area, listed in self.meetings.items():
            for meeting_id, when in listed:
                if meeting_id in existing:
                    continue
                meetings.add(
                    id=meeting_id,
                    area=area,
                    meets_at=when,
                    chair_id=self.fixed.chairs[area],
                    status="closed",
                    created_by_id=self.fixed.coordinator,
                    created_at=when - datetime.timedelta(days=14),
                    closed_at=when + datetime.timedelta(hours=3),
                )
                for user_id, organisation_id in self.fixed.members[area]:
                    attendance.add(
                        meeting_id=meeting_id,
                        user_id=user_id,
                        organisation_id=organisation_id,
                        attended=True,
                        recorded_by_id=self.fixed.chairs[area],
                    )
        rows["panel meetings"] += meetings.flush(cursor)
        rows["panel attendance"] += attendance.flush(cursor)


# --- The audit trail ------------------------------------------------------------------


# ``audit.recorder.canonical``'s encoding, made once (``json.dumps`` with these options builds
# an encoder on every call).
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
_AUDIT_COLUMNS = (
    "seq",
    "kind",
    "occurred_at",
    "user_id",
    "organisation_id",
    "role",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "channel",
    "ip_address",
    "purpose",
    "recipient_organisation_id",
    "data_categories",
    "basis",
    "content",
    "prev_hash",
    "hash",
)


class _AuditTrail:
    """The audit events a batch's people would have left, sealed as the chain seals them.

    Per referral: a change (a history row and its digest) for each consent recorded with it,
    a referrer's look at what they sent (three in ten), the coordinator's when screening it, a panel
    member of another organisation reading it on the agenda (an access and the disclosure
    the sharing rules allowed, with the rule and its citations), and the lead
    professional's first look at a case opened for it: about 6 a referral, 11 or 12 a
    person at the default 2 referrals a person, spread over the months as the referrals
    are. Nothing after now.

    ``seal`` numbers a batch's events (in time order within the batch) after the chain's
    head and hashes them with ``audit.recorder.canonical`` content and the trigger's
    formula, ``sha256(f"{prev_hash}|{seq}|{content}")``; the writer checks the head has not
    moved, copies them in with triggers off and moves the head to the last one.
    """

    HISTORY_MODEL = Consent.history.model._meta.label

    def __init__(self, gen: "_Generator", batch: "_Batch"):
        self.gen = gen
        self.batch = batch
        # Its own random numbers: the partnership is the same with or without its trail.
        self.rng = gen.trail_rng
        self.events: list = []

    def _event(self, *, at, kind, user, action, object_type, object_id, person_id, **more):
        if at >= self.gen.now:
            return
        self.events.append((at, kind, user, action, object_type, str(object_id), person_id, more))

    def consent_recorded(
        self, *, consent_id, referral_id, giver_name, sealed_giver_name, org, **consent
    ) -> None:
        history_id = self.batch.next_id("consent history")
        at = consent["recorded_at"]
        user = consent["recorded_by_id"]
        row = {
            "id": consent_id,
            "referral_id": referral_id,
            "giver_name": giver_name,
            "history_id": history_id,
            "history_date": at,
            "history_change_reason": None,
            "history_type": "+",
            "history_user_id": user,
            **consent,
        }
        self.batch.consent_history.add(**{**row, "giver_name": sealed_giver_name})
        # As ``audit.chain.history_digest`` reads the row back: decrypted, times in UTC.
        values = {
            **row,
            "recorded_at": at.astimezone(datetime.UTC),
            "history_date": at.astimezone(datetime.UTC),
        }
        digest = hashlib.sha256(_canonical(values).encode()).hexdigest()
        self._event(
            at=at,
            kind=EventKind.CHANGE,
            user=user,
            action="+",
            object_type=Consent._meta.label,
            object_id=consent_id,
            person_id=None,
            details={
                "history_model": self.HISTORY_MODEL,
                "history_id": history_id,
                "digest": digest,
            },
        )

    def referral_viewed(self, *, referral_id, person_id, org, referrer, at) -> None:
        # Most referrers do not open what they sent again; some check it the same day.
        if self.rng.random() >= 0.3:
            return
        self._event(
            at=at,
            kind=EventKind.ACCESS,
            user=referrer,
            action="view",
            object_type="referral",
            object_id=referral_id,
            person_id=person_id,
        )

    def referral_screened(self, *, referral_id, person_id, at) -> None:
        self._event(
            at=at,
            kind=EventKind.ACCESS,
            user=self.gen.fixed.coordinator,
            action="view",
            object_type="referral",
            object_id=referral_id,
            person_id=person_id,
        )

    def agenda_viewed(self, *, referral_id, person_id, dob, area, pathway, org, factors, at):
        gen = self.gen
        others = [m for m in gen.fixed.members[area][1:] if m[1] != org[0]]
        if not others:
            return
        user, recipient = self.rng.choice(others)
        categories = {DataCategory.IDENTITY, DataCategory.SAFEGUARDING_NARRATIVE}
        if pathway in OFFENCE_PATHWAYS or OFFENCE_RISK_FACTORS & set(factors):
            categories.add(DataCategory.CRIMINAL_OFFENCE)
        if gen.organisation_types[org[0]] == OrganisationType.HEALTH:
            categories.add(DataCategory.HEALTH)
        permit = gen.permit(org[0], recipient, frozenset(categories), age_on(dob, at.date()))
        if permit is None:
            return  # withheld from this member: only the chair and coordinator see it
        self._event(
            at=at,
            kind=EventKind.DISCLOSURE,
            user=user,
            action="disclose",
            object_type="referral",
            object_id=referral_id,
            person_id=person_id,
            purpose=Purpose.PANEL_DISCUSSION.value,
            recipient=recipient,
            data_categories=in_words(DataCategory, categories),
            basis=permit.basis,
            details=permit.details,
        )
        self._event(
            at=at,
            kind=EventKind.ACCESS,
            user=user,
            action="view_agenda",
            object_type="referral",
            object_id=referral_id,
            person_id=person_id,
        )

    def case_viewed(self, *, case_id, person_id, org, user, at) -> None:
        self._event(
            at=at,
            kind=EventKind.ACCESS,
            user=user,
            action="view",
            object_type="case",
            object_id=case_id,
            person_id=person_id,
        )

    def seal(self, table: "_Table", head: tuple) -> tuple:
        """Number and hash the events after ``head`` (seq, hash) into ``table``; the new head."""
        seq, previous = head
        acting = self.gen.acting
        utc = datetime.UTC
        sha256 = hashlib.sha256
        encode = _canonical
        copy_text = _copy_text
        # Rows straight into COPY's text, in the table's own column order (a column added to
        # the model since takes its default through ``add``).
        fast = table.attnames == list(_AUDIT_COLUMNS)
        lines = table.lines
        self.events.sort(key=lambda e: e[0])
        for at, kind, user, action, object_type, object_id, person_id, more in self.events:
            organisation, role, ip = acting[user]
            occurred_at = at.astimezone(utc)
            recipient = more.get("recipient")
            fields = {
                "kind": kind.value,
                "occurred_at": occurred_at.isoformat(),
                "user": user,
                "organisation": organisation,
                "role": role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "person_id": str(person_id) if person_id else None,
                "channel": "web",
                "ip_address": ip,
                "purpose": more.get("purpose", ""),
                "recipient_organisation": recipient,
                "data_categories": more.get("data_categories", ""),
                "basis": more.get("basis", ""),
            }
            content = encode(fields | {"details": more.get("details") or {}})
            seq += 1
            digest = sha256(f"{previous}|{seq}|{content}".encode()).hexdigest()
            values = (
                seq,
                fields["kind"],
                occurred_at,
                user,
                organisation,
                role,
                action,
                object_type,
                object_id,
                person_id,
                "web",
                ip,
                fields["purpose"],
                recipient,
                fields["data_categories"],
                fields["basis"],
                content,
                previous,
                digest,
            )
            if fast:
                lines.append("\t".join([copy_text(v) for v in values]))
            else:
                table.add(**dict(zip(_AUDIT_COLUMNS, values, strict=True)))
            previous = digest
        self.events = []
        return seq, previous


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def _bisect(cumulative, x) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _days(rng: random.Random, median: float, spread: float = 0.7) -> float:
    """A waiting time in days: log-normal, as waits are (a few long ones, most short)."""
    return rng.lognormvariate(math.log(median), spread)


class _Batch:
    """The rows of one batch of people, table by table."""

    def __init__(self, gen: _Generator):
        self.gen = gen
        self.people = _Table(Person, version=1)
        self.person_permissions = _Table(PersonGroupObjectPermission)
        self.referrals = _Table(Referral, version=1)
        self.consents = _Table(Consent, with_id=gen.audit)
        self.consent_history = _Table(Consent.history.model, with_id=True)
        self.audit_events = _Table(AuditEvent)
        self.trail = _AuditTrail(gen, self) if gen.audit else None
        self.chain_from = self.chain_to = None
        self.lawful_bases = _Table(LawfulBasis, with_id=True)
        self.participations = _Table(Participation)
        self.decisions = _Table(PanelDecision, version=1)
        self.cases = _Table(Case, version=1)
        self.case_permissions = _Table(CaseGroupObjectPermission)
        self.shares = _Table(CaseShare)
        self.allocations = _Table(Allocation, with_id=True, version=1)
        self.contacts = _Table(Contact)
        self.outcomes = _Table(OutcomeRecord)
        self.person_ids: list = []

    def tables(self):
        return [
            ("people", self.people),
            ("person permissions", self.person_permissions),
            ("cases", self.cases),
            ("case permissions", self.case_permissions),
            ("referrals", self.referrals),
            ("consents", self.consents),
            ("consent history", self.consent_history),
            ("lawful bases", self.lawful_bases),
            ("agreements to take part", self.participations),
            ("panel decisions", self.decisions),
            ("case shares", self.shares),
            ("allocations", self.allocations),
            ("contacts", self.contacts),
            ("outcome records", self.outcomes),
        ]

    # -- people ---------------------------------------------------------------------------

    def person(self, referrals_per_person: float) -> None:
        gen, rng, seal = self.gen, self.gen.rng, self.gen.seal
        # How many referrals: one, and more with a geometric tail, averaging the target.
        extra = max(0.0, referrals_per_person - 1)
        count = 1
        p = extra / (1 + extra)
        while rng.random() < p and count < 12:
            count += 1
        days = sorted(gen.referral_day() for _ in range(count))
        gender = gen.pick(gen.genders)
        (low, high) = gen.pick(gen.age_bands)
        first_age = rng.randint(low, high)
        dob = _years_before(days[0], first_age) - datetime.timedelta(days=rng.randint(0, 364))
        district = gen.pick(gen.districts)
        area = Area.DARLINGTON if district in DARLINGTON_DISTRICTS else Area.DURHAM
        unit = "".join(rng.choices(POSTCODE_LETTERS, k=2))
        postcode = f"{district} {rng.randint(1, 9)}{unit}"
        names = GIVEN_NAMES.get(gender, GIVEN_NAMES["other"])
        given = rng.choice(names)
        family = rng.choice(FAMILY_NAMES)
        nhs = _nhs_number(rng) if rng.random() < 0.6 else ""
        upn = (
            f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}{rng.randrange(10**11):011d}{rng.randrange(10)}"
            if first_age < 17 and rng.random() < 0.7
            else ""
        )
        police = (
            f"DUR/{days[0].year % 100:02d}/{rng.randrange(10**6):06d}" if rng.random() < 0.5 else ""
        )
        person_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.person_ids.append(person_id)
        gen.open_cases = {}
        plan = [self.plan_referral(day, dob, gender, area) for day in days]
        plan = [p for p in plan if p is not None]
        if not plan:
            return
        first_org, first_referrer, first_at = plan[0][1], plan[0][2], plan[0][3]
        equality = {}
        if gen.has_equality:
            ethnicity = gen.pick(gen.ethnicity)
            disability = gen.pick(gen.disability)
            equality = {
                "ethnicity": seal(ethnicity) if ethnicity else "",
                "disability": seal(disability) if disability else "",
            }
        self.people.add(
            id=person_id,
            given_name=seal(given),
            family_name=seal(family),
            date_of_birth=seal(dob.isoformat()),
            address=seal(f"{rng.randint(1, 180)} {rng.choice(STREETS)}"),
            postcode=seal(postcode),
            nhs_number=seal(nhs) if nhs else "",
            police_reference=seal(police) if police else "",
            unique_pupil_number=seal(upn) if upn else "",
            gender=gender,
            postcode_district=district,
            family_name_dob_index=blind_index(
                BlindIndex.FAMILY_NAME_AND_DATE_OF_BIRTH,
                f"{gen.family_index[family]}|{dob.isoformat()}",
            ),
            nhs_number_index=blind_index(BlindIndex.NHS_NUMBER, nhs) if nhs else "",
            police_reference_index=(
                blind_index(BlindIndex.POLICE_REFERENCE, normalise_identifier(police))
                if police
                else ""
            ),
            unique_pupil_number_index=(
                blind_index(BlindIndex.UNIQUE_PUPIL_NUMBER, upn) if upn else ""
            ),
            created_by_id=first_referrer,
            created_by_organisation_id=first_org[0],
            created_at=first_at - datetime.timedelta(minutes=rng.randint(5, 90)),
            updated_at=first_at,
            **equality,
        )
        for codename in ("view_person", "change_person"):
            self.person_permissions.add(
                content_object_id=person_id,
                group_id=first_org[1],
                permission_id=gen.fixed.permissions[codename],
            )
        previous_da = None
        for pathway, org, referrer, submitted_at, day in plan:
            previous_da = self.referral(
                person_id=person_id,
                dob=dob,
                gender=gender,
                area=area,
                family=family,
                pathway=pathway,
                org=org,
                referrer=referrer,
                submitted_at=submitted_at,
                day=day,
                previous_da=previous_da,
            )

    def plan_referral(self, day, dob, gender, area):
        gen, rng = self.gen, self.gen.rng
        age = age_on(dob, day)
        roll = rng.random()
        if age < 10:
            return None
        if age <= 15:
            pathway = Pathway.U18_PREVENTION
        elif age <= 17:
            pathway = Pathway.U18_PREVENTION if roll < 0.9 else Pathway.DA_KNIFE_REPEAT
        elif age == 18:
            pathway = (
                Pathway.U18_PREVENTION
                if roll < 0.45
                else Pathway.ADULT_18_35
                if roll < 0.75
                else Pathway.NTE_ALCOHOL
                if roll < 0.92
                else Pathway.DA_KNIFE_REPEAT
            )
        elif age <= 35:
            if gen.balanced:
                adult = 0.55 if gender == "male" else 0.25
            else:
                adult = 0.5 if gender == "male" else 0.15
            pathway = (
                Pathway.ADULT_18_35
                if roll < adult
                else Pathway.NTE_ALCOHOL
                if roll < adult + 0.3
                else Pathway.DA_KNIFE_REPEAT
            )
        else:
            pathway = Pathway.NTE_ALCOHOL if roll < 0.55 else Pathway.DA_KNIFE_REPEAT
        kind = gen.pick(_REFERRING[pathway])
        org = gen.fixed.organisations[(area, kind)]
        referrer = rng.choice(gen.fixed.referrers[org[0]])
        submitted_at = gen.at(day, rng.randint(8, 17), rng.randint(0, 59))
        return pathway, org, referrer, submitted_at, day

    # -- referrals ------------------------------------------------------------------------

    def referral(
        self,
        *,
        person_id,
        dob,
        gender,
        area,
        family,
        pathway,
        org,
        referrer,
        submitted_at,
        day,
        previous_da,
    ):
        gen, rng, seal, now = self.gen, self.gen.rng, self.gen.seal, self.gen.now
        referral_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        age = age_on(dob, day)
        incident = max(day - datetime.timedelta(days=int(_days(rng, 3, 1.0))), dob)
        checklist = RISK_CHECKLIST[pathway]
        factors = set(rng.sample(checklist, rng.randint(1, min(3, len(checklist)))))
        risk_level = rng.choices(("standard", "medium", "high"), (40, 40, 20))[0]
        fields = {
            "incident_date": incident,
            "narrative": seal(rng.choice(NARRATIVES[pathway])),
        }
        if pathway == Pathway.NTE_ALCOHOL:
            factors.add(RiskFactor.ALCOHOL)
            fields.update(
                night_time_economy=True,
                incident_time=datetime.time(rng.choice((21, 22, 23, 0, 1, 2)), rng.randint(0, 59)),
                incident_place=seal(rng.choice(NTE_PLACES)),
            )
        elif pathway == Pathway.ADULT_18_35 and gender != "male":
            fields.update(
                outside_focus_reason=seal(
                    "Involved in the same group's violence as the men referred."
                ),
                outside_focus_flag=True,
            )
        elif pathway == Pathway.DA_KNIFE_REPEAT:
            role = "victim" if (gender == "female") == (rng.random() < 0.85) else "perpetrator"
            previous = incident - datetime.timedelta(days=rng.randint(14, 330))
            fields.update(
                domestic_abuse_incident=True,
                knife_or_sharp_instrument=True,
                domestic_abuse_role=role,
                previous_incident_date=previous,
                previous_incident_source=seal(
                    f"Police log DUR/{previous.year % 100:02d}/{rng.randrange(10**6):06d}"
                ),
            )
            if (
                previous_da is not None
                and previous_da[1] == role
                and incident - datetime.timedelta(days=364) <= previous_da[2] < incident
            ):
                fields["previous_incident_referral_id"] = previous_da[0]
            if role == "victim" and risk_level == "high" and rng.random() < 0.6:
                fields["marac_referral_required"] = True
        base = dict(
            id=referral_id,
            person_id=person_id,
            pathway=pathway,
            area=area,
            referrer_id=referrer,
            organisation_id=org[0],
            referral_date=day,
            age_at_referral=age,
            risk_factors=sorted(factors),
            risk_level=risk_level,
            **fields,
        )
        da_here = (
            (referral_id, fields["domestic_abuse_role"], incident)
            if pathway == Pathway.DA_KNIFE_REPEAT
            else previous_da
        )
        created_at = submitted_at - datetime.timedelta(minutes=rng.randint(10, 240))
        # A few drafts never sent, started in the last weeks.
        if (gen.today - day).days < 21 and rng.random() < 0.05:
            self.referrals.add(
                status="draft",
                created_at=created_at,
                status_changed_at=created_at,
                updated_at=created_at,
                **base,
            )
            return previous_da

        # Consent from whoever decides: the person from 16, a parent or guardian under 16.
        giver = "person" if age >= 16 else "parent_or_guardian"
        giver_plain = f"{rng.choice(GIVEN_NAMES['female'])} {family}" if giver != "person" else ""
        giver_name = seal(giver_plain) if giver_plain else ""
        trail = self.trail
        permitted = {"assessment", "panel_discussion", "information_sharing"}
        sharing_refused = rng.random() < 0.06
        lawful_basis_id = None
        for purpose in ("assessment", "panel_discussion", "information_sharing"):
            decision = (
                "refused" if purpose == "information_sharing" and sharing_refused else "given"
            )
            consent = dict(
                purpose=purpose,
                given_by=giver,
                decision=decision,
                decided_on=day,
                method=rng.choice(("written", "verbal", "electronic")),
                note="",
                recorded_by_id=referrer,
                recorded_at=created_at,
            )
            if trail is None:
                self.consents.add(referral_id=referral_id, giver_name=giver_name, **consent)
            else:
                consent_id = self.next_id("consent")
                self.consents.add(
                    id=consent_id, referral_id=referral_id, giver_name=giver_name, **consent
                )
                trail.consent_recorded(
                    consent_id=consent_id,
                    referral_id=referral_id,
                    giver_name=giver_plain,
                    sealed_giver_name=giver_name,
                    org=org,
                    **consent,
                )
        if trail is not None:
            trail.referral_viewed(
                referral_id=referral_id, person_id=person_id, org=org, referrer=referrer,
                at=created_at + datetime.timedelta(minutes=trail.rng.randint(1, 20)),
            )  # fmt: skip
        if sharing_refused:
            permitted.discard("information_sharing")
            if rng.random() < 0.6:
                ground = "child-safeguarding" if age < 18 else "svd-s16"
                decided = created_at + datetime.timedelta(hours=rng.randint(2, 48))
                if decided < now:
                    lawful_basis_id = self._lawful_basis(
                        referral_id, ground, referrer, created_at, decided
                    )
                    permitted.add("information_sharing")

        status, changed = "submitted", submitted_at
        extra = {"submitted_at": submitted_at}
        screened_at = submitted_at + datetime.timedelta(days=_days(rng, 2.5, 0.8))
        roll = rng.random()
        if roll < 0.02:
            withdrawn = submitted_at + datetime.timedelta(days=_days(rng, 2, 0.5))
            if withdrawn < now:
                status, changed = "withdrawn", withdrawn
                extra["withdrawal_reason"] = seal("The family moved out of the area.")
        elif screened_at < now:
            extra.update(screened_by_id=gen.fixed.coordinator, screened_at=screened_at)
            status, changed = self._screen(roll, extra, screened_at)
        if status == "accepted_for_panel":
            status, changed = self._panel(
                referral_id=referral_id,
                person_id=person_id,
                dob=dob,
                area=area,
                pathway=pathway,
                org=org,
                referrer=referrer,
                risk_level=risk_level,
                accepted_at=extra["screened_at"],
                permitted=permitted,
                lawful_basis_id=lawful_basis_id,
                giver=giver,
                giver_name=giver_name,
                extra=extra,
                status=status,
                changed=changed,
                factors=factors,
            )
        self.referrals.add(
            status=status,
            created_at=created_at,
            status_changed_at=changed,
            updated_at=changed,
            permitted_purposes=sorted(permitted),
            **base,
            **extra,
        )
        if trail is not None and extra.get("screened_at"):
            trail.referral_screened(
                referral_id=referral_id,
                person_id=person_id,
                at=extra["screened_at"] - datetime.timedelta(minutes=trail.rng.randint(2, 30)),
            )
        return da_here

    def _lawful_basis(self, referral_id, ground, referrer, recorded_at, decided_at) -> int:
        # Ids for this table come from its sequence, reserved in one statement per batch.
        basis_id = self.next_id("lawful basis")
        self.lawful_bases.add(
            id=basis_id,
            referral_id=referral_id,
            purpose="information_sharing",
            ground=ground,
            justification=self.gen.seal(
                "Sharing is needed to protect the person and others from serious violence; "
                "consent was refused and the risk is current."
            ),
            status="approved",
            recorded_by_id=referrer,
            recorded_at=recorded_at,
            decided_by_id=self.gen.fixed.ig_officer,
            decided_at=decided_at,
            decision_note="",
        )
        return basis_id

    def _screen(self, roll, extra, screened_at):
        rng, seal = self.gen.rng, self.gen.seal
        if roll < 0.72:
            return "accepted_for_panel", screened_at
        if roll < 0.79:
            extra["return_questions"] = seal(
                "Is the family aware, and who else is working with them?"
            )
            answered = screened_at + datetime.timedelta(days=_days(rng, 4, 0.6))
            if rng.random() < 0.5 and answered < self.gen.now:
                # Answered, resubmitted and accepted on the second look.
                extra["referrer_answer"] = seal("Yes, the family know; early help is involved.")
                again = answered + datetime.timedelta(days=_days(rng, 1.5, 0.5))
                if again < self.gen.now:
                    extra["screened_at"] = again
                    return "accepted_for_panel", again
                return "submitted", answered
            return "returned", screened_at
        if roll < 0.87:
            extra["screening_note"] = seal("Already known to children's social care, who lead.")
            return "declined", screened_at
        extra["signpost_service"] = rng.choice(SIGNPOSTS)
        extra["screening_note"] = seal("Better met by a specialist service.")
        return "signposted", screened_at

    def _panel(
        self,
        *,
        referral_id,
        person_id,
        dob,
        area,
        pathway,
        org,
        referrer,
        risk_level,
        accepted_at,
        permitted,
        lawful_basis_id,
        giver,
        giver_name,
        extra,
        status,
        changed,
        factors,
    ):
        gen, rng, seal, _now = self.gen, self.gen.rng, self.gen.seal, self.gen.now
        meeting = gen.next_meeting(area, accepted_at + datetime.timedelta(days=1))
        if meeting is None:
            return status, changed
        chair = gen.fixed.chairs[area]
        roll = rng.random()
        if roll < 0.07:
            decided = meeting[1] + datetime.timedelta(minutes=rng.randint(5, 170))
            self.decisions.add(
                meeting_id=meeting[0],
                referral_id=referral_id,
                outcome="defer",
                rationale=seal("Waiting for the school's report; back at the next meeting."),
                decided_by_id=chair,
                decided_at=decided,
            )
            meeting = gen.next_meeting(area, meeting[1] + datetime.timedelta(days=1))
            if meeting is None:
                return status, decided
            roll = rng.random()
        decided = meeting[1] + datetime.timedelta(minutes=rng.randint(5, 170))
        if roll < 0.17:
            outcome, status = "no_further_action", "no_further_action"
        elif roll < 0.30:
            outcome, status = "signpost", "signposted"
            extra["signpost_service"] = rng.choice(SIGNPOSTS)
        else:
            outcome, status = "open_case", "case_opened"
        decision = {}
        if outcome == "signpost":
            decision["signpost_service"] = extra["signpost_service"]
            if extra["signpost_service"] == "other":
                decision["signpost_service_name"] = "Community Recovery Service"
        if outcome == "open_case":
            case_id = self._case(
                person_id=person_id,
                dob=dob,
                area=area,
                pathway=pathway,
                org=org,
                referrer=referrer,
                risk_level=risk_level,
                opened_at=decided,
                referral_id=referral_id,
                permitted=permitted,
                lawful_basis_id=lawful_basis_id,
                giver=giver,
                giver_name=giver_name,
                decision_id=None,
            )
            decision["case_id"] = case_id
            extra["case_id"] = case_id
        if self.trail is not None:
            self.trail.agenda_viewed(
                referral_id=referral_id,
                person_id=person_id,
                dob=dob,
                area=area,
                pathway=pathway,
                org=org,
                factors=factors,
                at=meeting[1] - datetime.timedelta(hours=self.trail.rng.randint(1, 40)),
            )
        self.decisions.add(
            meeting_id=meeting[0],
            referral_id=referral_id,
            outcome=outcome,
            rationale=seal("Discussed by the panel; partners agreed the plan."),
            decided_by_id=chair,
            decided_at=decided,
            **decision,
        )
        return status, decided

    # -- cases and delivery ---------------------------------------------------------------

    def _case(
        self,
        *,
        person_id,
        dob,
        area,
        pathway,
        org,
        referrer,
        risk_level,
        opened_at,
        referral_id,
        permitted,
        lawful_basis_id,
        giver,
        giver_name,
        decision_id,
    ):
        gen, rng, seal, now = self.gen, self.gen.rng, self.gen.seal, self.gen.now
        # A person with a case still open joins it rather than opening another.
        current = gen.open_cases.get(person_id)
        if current is not None and (current[1] is None or current[1] > opened_at):
            return current[0]
        case_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        closes = opened_at + datetime.timedelta(days=rng.randint(70, 300))
        closed = closes < now
        reason = gen.pick(gen.closures) if closed else ""
        gen.open_cases[person_id] = (case_id, closes if closed else None)
        review = (opened_at + datetime.timedelta(days=28 * rng.randint(1, 3))).date()
        self.cases.add(
            id=case_id,
            person_id=person_id,
            pathway=pathway,
            area=area,
            status="closed" if closed else "open",
            lead_professional_id=referrer,
            lead_organisation_id=org[0],
            risk_level=risk_level,
            next_review_date=None if closed else max(review, gen.today),
            opened_at=opened_at,
            closed_at=closes if closed else None,
            closure_reason=reason,
            closure_summary=seal("Plan reviewed with the family; support ended.") if closed else "",
        )
        if self.trail is not None:
            self.trail.case_viewed(
                case_id=case_id,
                person_id=person_id,
                org=org,
                user=referrer,
                at=opened_at + datetime.timedelta(hours=self.trail.rng.randint(2, 120)),
            )
        self.case_permissions.add(
            content_object_id=case_id,
            group_id=org[1],
            permission_id=gen.fixed.permissions["view_case"],
        )
        if "information_sharing" in permitted:
            self.shares.add(
                case_id=case_id,
                organisation_id=org[0],
                purpose="information_sharing",
                basis="lawful_basis" if lawful_basis_id else "consent",
                lawful_basis_id=lawful_basis_id,
                shared_by_id=gen.fixed.chairs[area],
                shared_at=opened_at,
                ended_at=closes if closed else None,
                ended_by_id=referrer if closed else None,
                end_reason="Case closed" if closed else "",
            )
        options = gen.by_pathway_area.get((pathway, area), [])
        start_day = opened_at.date()
        if not options or rng.random() < 0.08:
            return case_id
        agreed = opened_at + datetime.timedelta(days=rng.randint(0, 5))
        if agreed >= now:
            return case_id
        self.participations.add(
            referral_id=referral_id,
            given_by=giver,
            decision="agreed",
            decided_on=agreed.date(),
            method=rng.choice(("written", "verbal")),
            giver_name=giver_name,
            note="",
            recorded_by_id=referrer,
            recorded_at=agreed,
        )
        permitted.add("intervention_delivery")
        baselines: set = set()
        for _ in range(1 if rng.random() < 0.7 else 2):
            created = agreed + datetime.timedelta(hours=rng.randint(1, 72))
            age = age_on(dob, created.astimezone(gen.tz).date())
            fits = [o for o in options if o[1] <= age <= o[2]]
            if not fits or created >= now:
                continue
            self._allocation(
                case_id=case_id,
                choice=rng.choice(fits),
                age=age,
                created=created,
                case_end=closes if closed else None,
                referrer=referrer,
                pathway=pathway,
                area=area,
                baselines=baselines,
                start_day=start_day,
            )
        return case_id

    def _allocation(
        self,
        *,
        case_id,
        choice,
        age,
        created,
        case_end,
        referrer,
        pathway,
        area,
        baselines,
        start_day,
    ):
        gen, rng, seal, now = self.gen, self.gen.rng, self.gen.seal, self.gen.now
        intervention_id, _, _, provider = choice
        allocation_id = self.next_id("allocation")
        keyworker = rng.choice(gen.fixed.keyworkers[provider])
        status, changed, waitlisted_at, reason = "proposed", created, None, ""
        steps = []
        t = created
        if rng.random() < 0.25:
            waitlisted_at = t + datetime.timedelta(hours=rng.randint(1, 24))
            steps.append(("waitlisted", waitlisted_at))
            t = waitlisted_at + datetime.timedelta(days=_days(rng, 18, 0.7))
        else:
            t = t + datetime.timedelta(days=rng.uniform(0.2, 4))
        steps.append(("offered", t))
        roll = rng.random()
        started = None
        if roll < 0.06:
            steps.append(("declined", t + datetime.timedelta(days=rng.uniform(1, 7))))
        elif roll < 0.09:
            steps.append(("withdrawn", t + datetime.timedelta(days=rng.uniform(1, 10))))
        elif roll < 0.11:
            steps.append(("cancelled", t + datetime.timedelta(days=rng.uniform(1, 10))))
        else:
            accepted = t + datetime.timedelta(days=rng.uniform(0.5, 5))
            started = accepted + datetime.timedelta(days=rng.uniform(1, 10))
            steps += [("accepted", accepted), ("active", started)]
            ends = started + datetime.timedelta(weeks=rng.randint(6, 20))
            steps.append(("disengaged" if rng.random() < 0.2 else "completed", ends))
        for step, when in steps:
            if when >= now:
                break
            status, changed = step, when
        if status in ("declined", "withdrawn", "cancelled", "disengaged"):
            reason = seal(
                "Stopped coming after the first few sessions."
                if status == "disengaged"
                else "Did not want to take part."
            )
        missed = False
        contacts_until = None
        if started is not None and started < now:
            contacts_until = changed if status in ("completed", "disengaged") else now
            missed = self._contacts(
                allocation_id=allocation_id,
                start=started,
                until=contacts_until,
                keyworker=keyworker,
                disengaged=status == "disengaged",
            )
            self._outcomes(
                case_id=case_id,
                allocation_id=allocation_id,
                pathway=pathway,
                area=area,
                start=started,
                end=changed if status in ("completed", "disengaged") else None,
                improved=status == "completed",
                baselines=baselines,
            )
        self.allocations.add(
            id=allocation_id,
            case_id=case_id,
            intervention_id=intervention_id,
            keyworker_id=None if status in ("proposed", "waitlisted") else keyworker,
            status=status,
            request=seal("Weekly sessions agreed at panel; please make contact this week."),
            age_at_allocation=age,
            proposed_by_id=referrer,
            waitlisted_at=waitlisted_at,
            status_reason=reason,
            missed_contacts_flag=missed,
            created_at=created,
            status_changed_at=changed,
        )

    def _contacts(self, *, allocation_id, start, until, keyworker, disengaged) -> bool:
        gen, rng = self.gen, self.gen.rng
        day = start.astimezone(gen.tz).date()
        last = min(until, gen.now).astimezone(gen.tz).date()
        misses = 0
        while day <= last and day <= gen.today:
            tail = disengaged and (last - day).days < 21
            roll = rng.random()
            outcome = (
                "did_not_attend"
                if roll < (0.6 if tail else 0.12)
                else "cancelled_by_person"
                if roll < (0.7 if tail else 0.16)
                else "cancelled_by_provider"
                if roll < (0.72 if tail else 0.19)
                else "attended"
            )
            misses = misses + 1 if outcome == "did_not_attend" else 0
            recorded = gen.at(day, 17, rng.randint(0, 59))
            self.contacts.add(
                allocation_id=allocation_id,
                contact_date=day,
                contact_type=rng.choice(
                    ("face_to_face", "face_to_face", "phone", "outreach", "video")
                ),
                outcome=outcome,
                duration_minutes=rng.choice((30, 45, 60, 90)) if outcome == "attended" else None,
                notes=gen.seal("Talked about school and friends; plans for next week.")
                if rng.random() < 0.3
                else "",
                recorded_by_id=keyworker,
                recorded_at=min(recorded, gen.now),
            )
            day += datetime.timedelta(days=rng.choice((7, 7, 7, 14)))
        return misses >= 2

    def _outcomes(self, *, case_id, allocation_id, pathway, area, start, end, improved, baselines):
        gen, rng = self.gen, self.gen.rng
        for code in MEASURES_BY_PATHWAY[pathway]:
            measure = gen.fixed.measures.get(code)
            if measure is None or (case_id, code) in baselines:
                continue
            measure_id, low, high, higher_better, by_type = measure
            kind = by_type or OrganisationType.POLICE
            org = (
                gen.fixed.organisations.get((area, kind))
                or gen.fixed.organisations[(area, OrganisationType.POLICE)]
            )
            recorder = gen.fixed.referrers[org[0]][0]
            span = float(high - low)
            base = float(low) + span * rng.uniform(0.15, 0.6)
            baselines.add((case_id, code))
            when = start.astimezone(gen.tz).date()
            self.outcomes.add(
                case_id=case_id,
                measure_id=measure_id,
                kind="baseline",
                value=_value(base, low, high),
                recorded_on=when,
                organisation_id=org[0],
                recorded_by_id=recorder,
                allocation_id=allocation_id,
                created_at=start,
            )
            if end is None:
                continue
            step = span * rng.uniform(0.02, 0.25) * (1 if improved else rng.choice((-1, 0, 1)))
            follow = base + step if higher_better else base - step
            follow_at = end + datetime.timedelta(days=rng.randint(0, 14))
            if follow_at >= gen.now:
                continue
            self.outcomes.add(
                case_id=case_id,
                measure_id=measure_id,
                kind="follow_up",
                value=_value(follow, low, high),
                recorded_on=follow_at.astimezone(gen.tz).date(),
                organisation_id=org[0],
                recorded_by_id=recorder,
                allocation_id=allocation_id,
                created_at=follow_at,
            )

    # -- ids from sequences ---------------------------------------------------------------

    def next_id(self, name: str) -> int:
        block = self.gen.id_blocks[name]
        value = next(block["ids"])
        if value > block["last"]:
            raise RuntimeError(f"ran out of reserved {name} ids")
        return value


def _equality_answers(ethnicity, disability):
    """The weighted answers, kept to the codes the person's fields accept (ethnicity and
    disability are sealed on ``Person`` where ``referrals.equality`` defines them)."""
    from importlib import import_module

    equality = import_module("referrals.equality")
    known_ethnicity = set(equality.Ethnicity.values) | {""}
    known_disability = set(equality.Disability.values) | {""}
    return (
        _weights([(c, w) for c, w in ETHNICITY if c in known_ethnicity]),
        _weights([(c, w) for c, w in DISABILITY if c in known_disability]),
    )


_REFERRING = {pathway: _weights(types) for pathway, types in REFERRING_TYPES.items()}


def _value(value: float, low: Decimal, high: Decimal) -> Decimal:
    clipped = min(max(value, float(low)), float(high))
    if high - low <= 1:
        return Decimal(round(clipped))
    return Decimal(round(clipped)).quantize(Decimal("0.01"))


def _set_figures_triggers(cursor, *, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    for table in MARKED_TABLES:
        cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER figures_mark")


def _raw_cursor():
    connection.ensure_connection()
    return connection.connection.cursor()


def _reserve_ids(cursor, model, count: int, column: str = "id") -> dict:
    """Take ``count`` ids from the table's sequence in one statement (rows of other tables
    point at them, so they are chosen before the rows are written)."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, %s),"
        " nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
        [model._meta.db_table, column, model._meta.db_table, column, count],
    )
    last = cursor.fetchone()[0]
    return {"ids": itertools.count(last - count + 1), "last": last}


def _can_skip_triggers(cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def generate_partnership(
    *,
    people: int,
    referrals_per_person: float = 2.0,
    months: int = 36,
    seed: int = 1,
    progress=None,
    until: datetime.date | None = None,
    batch: int = BATCH_PEOPLE,
    check_foreign_keys: bool = True,
    balanced: bool = False,
    mark_stale: bool = True,
    audit: bool = False,
) -> Result:
    """Write ``people`` people and their referrals over the ``months`` months ending with
    ``until``'s month (this month unless told) into the current database; ``progress(n)`` is
    told as each batch of people lands. Returns what was written and how long it took.

    A thread makes the next batch's rows while the database writes this one, so Python and
    PostgreSQL work on the two cores at once. ``check_foreign_keys=False`` (the benchmark's
    own database, as a superuser) loads with ``session_replication_role = replica``, which
    skips the foreign-key checks and every trigger for the batch's transaction: the rows are
    the same (the tests load with the checks on), the load is faster.

    ``balanced`` evens out areas, ages and so pathways (Darlington as many as Durham), so that
    a small partnership (the demo's) still has most month, area and pathway groups above the
    figures' minimum group size.

    ``mark_stale`` marks every person written for the reporting store to fold in; a caller
    that rebuilds the store straight after (the benchmark) can skip it.

    ``audit`` writes the audit events the people's records would have left (``_AuditTrail``,
    about 6 a referral), already sealed onto the chain, and the consents' history rows their
    change events vouch for, so ``audit_verify`` passes. It needs a superuser (the events
    are copied in with triggers off); otherwise it is refused.
    """
    started = time.perf_counter()
    result = Result()
    with transaction.atomic():
        fixed = ensure_fixed_partnership(places=max(4, people // 400))
    gen = _Generator(
        fixed=fixed, months=months, seed=seed, until=until, balanced=balanced, audit=audit
    )
    with transaction.atomic(), _raw_cursor() as cursor:
        gen.write_meetings(cursor, result.rows)
        # At most two allocations and one lawful basis per referral, twelve referrals each.
        gen.id_blocks = {
            "lawful basis": _reserve_ids(cursor, LawfulBasis, people * 12 + 10),
            "allocation": _reserve_ids(cursor, Allocation, people * 24 + 10),
        }
        superuser = _can_skip_triggers(cursor)
        replica = not check_foreign_keys and superuser
        if audit:
            if not superuser:
                raise RuntimeError("Sealed audit events are copied in by a superuser only")
            # Three consents a referral, each with its history row.
            gen.id_blocks["consent"] = _reserve_ids(cursor, Consent, people * 36 + 10)
            gen.id_blocks["consent history"] = _reserve_ids(
                cursor, Consent.history.model, people * 36 + 10, column="history_id"
            )

    batches: queue.Queue = queue.Queue(maxsize=2)
    failure: list = []

    def make_batches():
        try:
            done = 0
            while done < people:
                size = min(batch, people - done)
                t0 = time.perf_counter()
                chunk = _Batch(gen)
                for _ in range(size):
                    chunk.person(referrals_per_person)
                if chunk.trail is not None:
                    chunk.chain_from = gen.chain
                    gen.chain = chunk.chain_to = chunk.trail.seal(chunk.audit_events, gen.chain)
                result.timings["python"] += time.perf_counter() - t0
                batches.put(chunk)
                done += size
        except BaseException as exc:  # handed to the writer, which raises it
            failure.append(exc)
        finally:
            batches.put(None)

    maker = threading.Thread(target=make_batches, name="generate-partnership", daemon=True)
    maker.start()
    try:
        while (chunk := batches.get()) is not None:
            _write_batch(chunk, result, replica=replica, mark_stale=mark_stale)
            if progress is not None:
                progress(len(chunk.person_ids))
    finally:
        while maker.is_alive():  # let it finish if the writer failed
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        maker.join()
    if failure:
        raise failure[0]
    result.people = people
    result.seconds = time.perf_counter() - started
    return result


def _write_batch(chunk: "_Batch", result: Result, *, replica: bool, mark_stale: bool) -> None:
    with transaction.atomic(), _raw_cursor() as cursor:
        if replica:
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            # A table with foreign-key checks pending (rows the caller wrote earlier in the
            # same transaction) cannot be altered: they are checked first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            _set_figures_triggers(cursor, enabled=False)
        for name, table in chunk.tables():
            t0 = time.perf_counter()
            result.rows[name] += table.flush(cursor)
            result.timings[name] += time.perf_counter() - t0
        if not replica:
            # The foreign keys are checked now (a table with checks pending cannot be altered).
            t0 = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            result.timings["foreign keys"] += time.perf_counter() - t0
            _set_figures_triggers(cursor, enabled=True)
            # Back to how Django declares its foreign keys, for whatever follows in the
            # same transaction (a test's).
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if chunk.chain_to is not None and chunk.chain_to != chunk.chain_from:
            t0 = time.perf_counter()
            _append_sealed(cursor, chunk, replica=replica, rows=result.rows)
            result.timings["audit events"] += time.perf_counter() - t0
        if mark_stale:
            cursor.execute(
                "INSERT INTO figures_stalesubject (person_id, marked_at)"
                " SELECT unnest(%s::uuid[]), now()",
                [chunk.person_ids],
            )


def _append_sealed(cursor, chunk: "_Batch", *, replica: bool, rows: Counter) -> None:
    """Copy the batch's sealed events onto the chain and move its head past them.

    The head's row lock is held to the end of the batch's transaction, as the trigger holds
    it, and the head must be where the events were sealed after: anyone else appending in
    between would have broken the links, so the batch is refused instead."""
    cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1 FOR UPDATE")
    # No head row yet is an empty chain, as the trigger takes it.
    head = cursor.fetchone() or (0, "")
    if tuple(head) != chunk.chain_from:
        raise RuntimeError(
            f"The audit chain's head moved while the events were sealed ({head} is not "
            f"{chunk.chain_from}): nothing else may append while a partnership is generated"
        )
    if not replica:
        # The chain triggers would number and hash the rows again: they are sealed already.
        cursor.execute("SET LOCAL session_replication_role = replica")
    rows["audit events"] += chunk.audit_events.flush(cursor)
    if not replica:
        cursor.execute("SET LOCAL session_replication_role = origin")
    cursor.execute(
        "INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
        list(chunk.chain_to),
    )
