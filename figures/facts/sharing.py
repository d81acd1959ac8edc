"""Sharing facts: each disclosure in the ledger with the rule and gateways it relied on,
each lawful basis to proceed without consent, each consent refused or withdrawn, each
referral flagged for MARAC and each referral to MARAC, de-identified (``SharingFact``).

A disclosure counts in the month it was made, in the area and pathway of what was
disclosed (the case's for a case or an allocation; the referral's for an agenda or minutes
item); its recipient is kept as a kind of organisation only. The gateways it relied on are
read from the citations the ledger recorded for it (``sharing.services.Permit.details``),
so a disclosure counts against exactly the Article 6 basis, Article 9 and 10 conditions,
Part 3 processing and power that permitted it, not every gateway its rule could offer.

Batch-oriented: eight queries for any number of people (``replace``). The builder keeps
``SharingTally`` in step in the same transaction (``TALLY``): how many facts of each month,
area and pathway have each value of what the sharing set counts, so that it reads a few
thousand rows rather than millions of facts.
"""

import hashlib
import json
import uuid

from django.utils import timezone

from audit.models import AuditEvent, EventKind
from cases.models import Case
from figures import store
from figures.models import SharingFact, SharingFactKind, SharingTally
from figures.tallies import Tally
from interventions.models import Allocation
from referrals.models import (
    Consent,
    ConsentDecision,
    LawfulBasis,
    MaracReferral,
    Referral,
    ReferralStatus,
)
from sharing.rules import RULES, RULES_BY_ID, Gateway, Layer
from sharing.services import WITHIN_ORGANISATION
from sharing.vocabulary import DataCategory

# The fact column each layer's gateway is kept in.
LAYER_COLUMNS = {
    Layer.ARTICLE_6: "article_6",
    Layer.ARTICLE_9: "article_9",
    Layer.ARTICLE_10: "article_10",
    Layer.PART_3: "part_3",
    Layer.POWER: "power",
}
KEY_LENGTH = SharingFact._meta.get_field("article_6").max_length


def _catalogue() -> dict[str, Gateway]:
    """Every gateway of the rule table under a short stable key: its layer and a digest of
    its title and citation (the same gateway shared by several rules has one key). Short,
    because every fact carries up to five and the set reads them from an index."""
    found: dict[str, Gateway] = {}
    for rule in RULES:
        for gateway in rule.gateways():
            digest = hashlib.sha256(f"{gateway.title}|{gateway.citation}".encode()).hexdigest()
            key = f"{gateway.layer}:{digest}"[:KEY_LENGTH]
            if found.get(key, gateway) != gateway:
                raise ValueError(f"two gateways of the rule table share the key {key!r}")
            found[key] = gateway
    return found


GATEWAYS: dict[str, Gateway] = _catalogue()
GATEWAY_KEYS: dict[Gateway, str] = {gateway: key for key, gateway in GATEWAYS.items()}
CATEGORY_CODES = {str(label).lower(): value for value, label in DataCategory.choices}


def gateway_columns(rule_id: str, citations) -> dict[str, str]:
    """The fact's gateway columns for a disclosure under ``rule_id`` whose ledger entry
    cites ``citations`` ("<layer label>: <citation>", as ``Permit.details`` writes them)."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is None or not isinstance(citations, list):
        return {}
    cited = {f"{g.layer_label}: {g.citation}": g for g in rule.gateways()}
    columns = {}
    for citation in citations:
        gateway = cited.get(citation)
        if gateway is not None:
            columns[LAYER_COLUMNS[gateway.layer]] = GATEWAY_KEYS[gateway]
    return columns


def _categories(in_words: str) -> list[str]:
    """The ledger's "identity, criminal offence" as codes (unknown words are dropped)."""
    codes = []
    for word in (w.strip().lower() for w in (in_words or "").split(",")):
        code = CATEGORY_CODES.get(word) or (word if word in DataCategory.values else None)
        if code and code not in codes:
            codes.append(code)
    return codes


def _month_of(moment):
    day = timezone.localtime(moment).date() if hasattr(moment, "hour") else moment
    return day.replace(day=1)


def replace(person_ids, subjects, keep_derived: bool = True) -> None:
    TALLY.replace(
        subjects.values(), lambda: _build(person_ids, subjects), keep_derived=keep_derived
    )


def _build(person_ids, subjects) -> int:
    """Insert these people's facts; returns how many."""
    referrals = {
        r["id"]: r
        for r in Referral.objects.filter(person_id__in=person_ids).values(
            "id", "person_id", "area", "pathway", "status", "referral_date",
            "marac_referral_required", "created_at",
        )
    }  # fmt: skip
    cases = {
        c["id"]: c
        for c in Case.objects.filter(person_id__in=person_ids).values("id", "area", "pathway")
    }
    allocation_cases = dict(
        Allocation.objects.filter(case__person_id__in=person_ids).values_list("id", "case_id")
    )
    submitted = {pk: r for pk, r in referrals.items() if r["status"] != ReferralStatus.DRAFT}
    # Where a disclosure's record cannot be found, it counts with the person's latest referral.
    latest: dict = {}
    for r in sorted(submitted.values(), key=lambda r: (r["referral_date"], r["created_at"])):
        latest[r["person_id"]] = r

    of_these_people = {"referral__person_id__in": person_ids}
    facts: list[dict] = []

    def add(person_id, placed, month, **columns):
        if placed is None:  # a draft's, or nothing to count it against
            return
        facts.append(
            dict(
                subject=subjects[person_id],
                month=month,
                area=placed["area"],
                pathway=placed["pathway"],
                **columns,
            )
        )

    events = AuditEvent.objects.filter(
        kind=EventKind.DISCLOSURE, action="disclose", person_id__in=person_ids
    ).values(
        "person_id", "occurred_at", "object_type", "object_id", "purpose", "data_categories",
        "basis", "recipient_organisation__organisation_type", "content",
    )  # fmt: skip
    for event in events:
        placed = _disclosed_record(
            event["object_type"],
            event["object_id"],
            referrals=referrals,
            cases=cases,
            allocations=allocation_cases,
        )
        try:
            citations = json.loads(event["content"]).get("details", {}).get("citations")
        except (TypeError, ValueError, AttributeError):
            citations = None
        add(
            event["person_id"],
            placed or latest.get(event["person_id"]),
            _month_of(event["occurred_at"]),
            kind=SharingFactKind.DISCLOSURE,
            purpose=event["purpose"],
            rule=event["basis"],
            recipient_type=event["recipient_organisation__organisation_type"] or "",
            data_categories=_categories(event["data_categories"]),
            **gateway_columns(event["basis"], citations),
        )

    for basis in LawfulBasis.objects.filter(**of_these_people).values(
        "referral_id", "purpose", "ground", "status", "recorded_at"
    ):
        referral = submitted.get(basis["referral_id"])
        add(
            referral and referral["person_id"],
            referral,
            _month_of(basis["recorded_at"]),
            kind=SharingFactKind.LAWFUL_BASIS,
            purpose=basis["purpose"],
            rule=basis["ground"],
            status=basis["status"],
        )

    for consent in Consent.objects.filter(
        **of_these_people,
        decision__in=(ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN),
    ).values("referral_id", "purpose", "decision", "decided_on"):
        referral = submitted.get(consent["referral_id"])
        add(
            referral and referral["person_id"],
            referral,
            _month_of(consent["decided_on"]),
            kind=SharingFactKind.CONSENT_DECLINED,
            purpose=consent["purpose"],
            status=consent["decision"],
        )

    for referral in submitted.values():
        if referral["marac_referral_required"]:
            add(
                referral["person_id"],
                referral,
                _month_of(referral["referral_date"]),
                kind=SharingFactKind.MARAC_FLAG,
            )

    for marac in MaracReferral.objects.filter(**of_these_people).values(
        "referral_id", "referred_on", "repeat"
    ):
        referral = submitted.get(marac["referral_id"])
        add(
            referral and referral["person_id"],
            referral,
            _month_of(marac["referred_on"]),
            kind=SharingFactKind.MARAC_REFERRAL,
            repeat=marac["repeat"],
        )

    store.write_facts(SharingFact, facts)
    return len(facts)


def _disclosed_record(object_type, object_id, *, referrals, cases, allocations):
    """The referral or case (its area and pathway) a ledger entry disclosed, or None."""
    try:
        if object_type in ("referral", "minutes"):
            return referrals.get(_uuid(object_id))
        if object_type == "case":
            return cases.get(_uuid(object_id))
        if object_type == "allocation":
            return cases.get(allocations.get(int(object_id)))
    except ValueError:
        return None
    return None


def _uuid(value):
    return uuid.UUID(str(value))


# What the sharing set counts, as (measure, value) pairs of each fact: every fact as a
# record (what the guard counts); a disclosure's rule and purpose ("rule|purpose"), its
# recipient's kind of organisation and each gateway it relied on (under its layer's
# column); a lawful basis's ground and status; a consent's purpose and decision; MARAC.
def _when(kind, measure, condition="true"):
    return f"CASE WHEN f.kind = '{kind}' AND {condition} THEN '{measure}' END"


DISCLOSURE = SharingFactKind.DISCLOSURE.value
BLANK = "''"
TALLY_PAIRS = [
    "('records', '')",
    f"({_when(DISCLOSURE, 'rule')}, f.rule || '|' || f.purpose)",
    f"({_when(DISCLOSURE, 'recipient')}, f.recipient_type)",
    *(f"({_when(DISCLOSURE, c, f'f.{c} <> {BLANK}')}, f.{c})" for c in LAYER_COLUMNS.values()),
    f"({_when(SharingFactKind.LAWFUL_BASIS.value, 'basis')}, f.rule || '|' || f.status)",
    f"({_when(SharingFactKind.CONSENT_DECLINED.value, 'consent')}, f.purpose || '|' || f.status)",
    f"({_when(SharingFactKind.MARAC_FLAG.value, 'marac_flag')}, '')",
    f"({_when(SharingFactKind.MARAC_REFERRAL.value, 'marac_referral')}, '')",
    f"({_when(SharingFactKind.MARAC_REFERRAL.value, 'marac_repeat', 'f.repeat')}, '')",
]
TALLY = Tally(
    model=SharingTally,
    facts=SharingFact,
    keys=("measure", "month", "area", "pathway", "value"),
    sums=("n",),
    # Every name and literal here is this module's own: no input reaches the SQL.
    contributions=f"""
        SELECT c.measure, f.month, f.area, f.pathway, c.value, 1
        FROM {{facts}} AS f CROSS JOIN LATERAL (VALUES {", ".join(TALLY_PAIRS)})
            AS c (measure, value)
    """,  # noqa: S608
)


def sharing_tally(filters):
    """The tally of the facts in the filters' months, area and pathway."""
    return filters.narrow(SharingTally.objects.all())


store.register_builder(
    name="sharing",
    model=SharingFact,
    replace=replace,
    derived=(SharingTally,),
    recount=TALLY.recount,
)

__all__ = ["GATEWAYS", "WITHIN_ORGANISATION", "gateway_columns", "replace"]
