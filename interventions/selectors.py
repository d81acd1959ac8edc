"""Who sees which allocations, and what the catalogue looks like now.

A provider keyworker sees the allocations to their organisation and nothing else of the
case. Everyone else sees the allocations of the cases they can see.

Who the allocation is for is disclosed to the provider only from the offer until the
allocation ends, and only while the case's latest referral still permits intervention
delivery (``identity_disclosed_condition``); before and after that the provider sees what
it needs to plan: the intervention, the area and an age band. Everyone who sees the case
itself sees the person as before. ``sees_identity`` is the one question pages, worklists
and the API ask.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from audit.recorder import visible_or_404
from cases.extensions import TimelineEntry, TimelineSource, display, user_name, user_values
from cases.selectors import cases_visible_to, is_lead_professional
from core.ids import parse_int
from interventions.models import (
    HOLDS_A_PLACE,
    Allocation,
    AllocationStatus,
    Contact,
    Intervention,
    OutcomeKind,
    OutcomeMeasure,
    OutcomeRecord,
)
from partners.models import User
from partners.roles import Role
from partners.selectors import areas_where, organisations_where_user_can
from referrals.models import Purpose, Referral
from referrals.pathways import one_year_before
from referrals.selectors import same_person_condition


def provider_organisation_ids(user: User) -> list[int]:
    return [o.pk for o in organisations_where_user_can(user, "interventions.view_allocation")]


# From the offer until the allocation ends: the statuses in which the provider knows who
# the allocation is for (they are also the ones that hold a place).
IDENTITY_DISCLOSED = HOLDS_A_PLACE


def delivery_basis_holds() -> Exists:
    """The case's latest referral (``cases.selectors.latest_referral``) still permits
    intervention delivery: consent, or an approved lawful basis."""
    latest = (
        Referral.objects.filter(case_id=OuterRef(OuterRef("case_id")))
        .order_by("-referral_date", "-created_at")
        .values("pk")[:1]
    )
    return Exists(
        Referral.objects.filter(
            pk=Subquery(latest), permitted_purposes__contains=[Purpose.INTERVENTION_DELIVERY]
        )
    )


def identity_disclosed_condition() -> Q:
    return Q(status__in=IDENTITY_DISCLOSED) & Q(delivery_basis_holds())


def allocations_visible_to(user: User) -> QuerySet:
    """The allocations ``user`` sees, each annotated ``identity_shown``: whether they may see
    who it is for (they see the case, or the provider's disclosure is in force)."""
    conditions = Q()
    providers = provider_organisation_ids(user)
    if providers:
        conditions |= Q(intervention__provider_id__in=providers)
    through_case = Q(case__in=cases_visible_to(user).values("pk"))
    conditions |= through_case
    return Allocation.objects.filter(conditions).annotate(
        identity_shown=ExpressionWrapper(
            through_case | identity_disclosed_condition(), output_field=BooleanField()
        )
    )


def sees_identity(user: User, allocation: Allocation) -> bool:
    """Whether ``user`` may see who ``allocation`` is for: its person's name, date of birth,
    age and contact details. Read from the ``identity_shown`` annotation of
    ``allocations_visible_to`` when the allocation came from there (no query), else asked."""
    shown = getattr(allocation, "identity_shown", None)
    if shown is None:
        shown = allocations_visible_to(user).filter(pk=allocation.pk, identity_shown=True).exists()
    return shown


def person_label(user: User, allocation: Allocation) -> str:
    """How a page names the person of ``allocation`` to ``user``: their name, or what a
    provider plans with while their identity is not disclosed."""
    if sees_identity(user, allocation):
        return allocation.case.person.full_name
    waiting = allocation.status in (AllocationStatus.PROPOSED, AllocationStatus.WAITLISTED)
    return (
        f"Person {'not yet' if waiting else 'no longer'} disclosed: age band "
        f"{age_band(allocation.age_at_allocation)}, {allocation.case.get_area_display()}"
    )


# Coarse enough that a provider planning a place cannot single a child out.
AGE_BANDS = ((0, 9), (10, 12), (13, 15), (16, 17), (18, 24), (25, 35), (36, 49), (50, None))


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if high is None:
            return f"{low} and over"
        if low <= age <= high:
            return f"{low}\u2013{high}"
    return ""


def allocation_get(user: User, allocation_id) -> Allocation:
    pk = parse_int(allocation_id)
    if pk is None:
        raise Http404("No such allocation")
    return visible_or_404(
        user,
        allocations_visible_to(user).select_related(
            "intervention__provider", "case__person", "keyworker"
        ),
        pk,
        object_type="allocation",
        person_of=lambda a: a.case.person_id,
        missing="No such allocation",
    )


def allocation_capacities(user: User, allocation: Allocation) -> set[str]:
    capacities = set()
    if allocation.intervention.provider_id in provider_organisation_ids(user):
        capacities.add("provider")
    case = allocation.case
    if is_lead_professional(user, case):
        capacities.add("lead")
    if case.area in areas_where(user, {Role.COORDINATOR}):
        capacities.add("coordinator")
    return capacities


def provider_allocation_on_case(user: User, case) -> Allocation | None:
    """An allocation of the case to an intervention the user's organisation provides."""
    providers = provider_organisation_ids(user)
    if not providers:
        return None
    return (
        Allocation.objects.filter(case=case, intervention__provider_id__in=providers)
        .select_related("intervention__provider")
        .order_by("pk")
        .first()
    )


# The steps after which an allocation needs no more work from anyone.
FINISHED = (
    AllocationStatus.COMPLETED,
    AllocationStatus.DISENGAGED,
    AllocationStatus.WITHDRAWN,
    AllocationStatus.CANCELLED,
    AllocationStatus.DECLINED,
)


def caseload(user: User) -> QuerySet:
    """The allocations still in hand that the user sees: missed contacts first."""
    return (
        allocations_visible_to(user)
        .select_related("intervention__provider", "case__person", "keyworker")
        .exclude(status__in=FINISHED)
        .order_by("-missed_contacts_flag", "status", "-created_at")
    )


def contacts_of_allocation(allocation: Allocation) -> QuerySet:
    return allocation.contacts.all()


def outcomes_of_allocation(allocation: Allocation) -> QuerySet:
    return allocation.outcomes.select_related("measure", "organisation")


def outcomes_of_case(case) -> QuerySet:
    return case.outcomes.select_related("measure", "organisation")


def case_allocations(case) -> QuerySet:
    return case.allocations.select_related("intervention__provider")


# --- The case's chronology (registered with cases.extensions) -----------------------------


def _allocation_entry(at, values) -> TimelineEntry:
    reason = values["reason"]
    return TimelineEntry(
        at,
        "allocation",
        f"{values['intervention'] or 'Intervention'}: "
        f"{display(Allocation, 'status', values['status']).lower()}"
        + (f" ({reason})" if reason else ""),
        user_name(values, nobody="system"),
    )


# An allocation's changes, each named by the intervention the allocation is for now.
ALLOCATION_TIMELINE = TimelineSource(
    rows=lambda case, referral_ids: Allocation.history.filter(case_id=case.pk),
    at="history_date",
    key="history_id",
    values={
        "status": "status",
        "reason": "history_change_reason",
        "intervention": Subquery(
            Allocation.objects.filter(pk=OuterRef("id")).values("intervention__name")[:1]
        ),
        **user_values("history_user"),
    },
    entry=_allocation_entry,
)


def _contact_entry(at, values) -> TimelineEntry:
    contact_date = datetime.date.fromisoformat(values["contact_date"])
    return TimelineEntry(
        at,
        "contact",
        f"{values['intervention']}: {display(Contact, 'contact_type', values['type']).lower()}"
        f" contact on {date_format(contact_date, 'j F Y')}, "
        f"{display(Contact, 'outcome', values['outcome']).lower()}",
        user_name(values),
    )


CONTACT_TIMELINE = TimelineSource(
    rows=lambda case, referral_ids: Contact.objects.filter(allocation__case=case),
    at="recorded_at",
    values={
        "intervention": "allocation__intervention__name",
        "type": "contact_type",
        "contact_date": "contact_date",
        "outcome": "outcome",
        **user_values("recorded_by"),
    },
    entry=_contact_entry,
)


def catalogue() -> QuerySet:
    """Interventions with the places taken and the length of the waiting list."""
    return Intervention.objects.select_related("provider").annotate(
        places_taken=Count("allocations", filter=Q(allocations__status__in=HOLDS_A_PLACE)),
        waiting=Count("allocations", filter=Q(allocations__status=AllocationStatus.WAITLISTED)),
    )


def catalogue_entry(intervention_id) -> Intervention:
    """One catalogue entry (the catalogue is open to everyone with a role), or 404."""
    pk = parse_int(intervention_id)
    found = Intervention.objects.select_related("provider").filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404("No such intervention")
    return found


@dataclass(frozen=True)
class DistanceTravelled:
    measure: OutcomeMeasure
    baseline: Decimal | None
    latest: Decimal | None
    change: Decimal | None
    improved: bool | None


def _referrals_within_a_year_after(case) -> QuerySet:
    """The person's referrals (not drafts) in the year after the case opened."""
    opened = timezone.localtime(case.opened_at).date()
    year_later = opened + (opened - one_year_before(opened))
    return Referral.objects.filter(
        same_person_condition(case.person, prefix="person__"),
        referral_date__gt=opened,
        referral_date__lte=year_later,
    ).exclude(status="draft")


def distance_travelled(case) -> list[DistanceTravelled]:
    """Per measure: the baseline, the latest follow-up, and whether things got better."""
    records: dict[int, dict] = {}
    for record in (
        OutcomeRecord.objects.filter(case=case)
        .select_related("measure")
        .order_by("recorded_on", "pk")
    ):
        entry = records.setdefault(record.measure_id, {"measure": record.measure})
        if record.kind == OutcomeKind.BASELINE:
            entry["baseline"] = record.value
        else:
            entry["latest"] = record.value
    # The derived measure and whether the person was referred again, in one query.
    derived = (
        OutcomeMeasure.objects.filter(derived=True, code="re_referral_12_months")
        .annotate(rereferred=Exists(_referrals_within_a_year_after(case)))
        .first()
    )
    if derived is not None:
        records[derived.pk] = {
            "measure": derived,
            "baseline": Decimal(0),
            "latest": Decimal(1) if derived.rereferred else Decimal(0),
        }
    result = []
    for entry in records.values():
        baseline, latest = entry.get("baseline"), entry.get("latest")
        change = latest - baseline if baseline is not None and latest is not None else None
        improved = None
        if change is not None and change != 0:
            improved = (change > 0) == entry["measure"].higher_is_better
        result.append(DistanceTravelled(entry["measure"], baseline, latest, change, improved))
    return sorted(result, key=lambda d: d.measure.name)
