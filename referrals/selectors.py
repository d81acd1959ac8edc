"""Who may see which people and referrals. Every read of either goes through here.

- A person is visible when an organisation in which the user holds a role carrying the
  permission has been granted it (a django-guardian group object permission on the
  organisation's group), when the user was granted it directly, or when the person's
  referral is visible to the user as a coordinator.
- A referral is visible to its referring organisation's referrers, and, once submitted, to
  the coordinators of its area (a countywide coordinator covers both areas).
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from audit.models import BreakGlassGrant
from audit.recorder import found_or_404, record_children_shown, visible_or_404
from core.compiled import compiled_query
from core.ids import parse_int, uuid_or_404
from partners.models import User
from partners.roles import Role
from partners.selectors import active_memberships, areas_where, organisations_where_user_can
from referrals import permissions
from referrals.models import (
    Consent,
    DashRecord,
    LawfulBasis,
    MaracReferral,
    Participation,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    Referral,
    ReferralStatus,
    VictimPerpetratorLink,
    risk_rank,
)
from referrals.pathways import one_year_before

# The partnership's order of work (``by_risk_then_age``), as a keyset ordering.
WORK_ORDER = ("risk_rank", "submitted_at", "pk")


def by_risk_then_age(referrals: QuerySet) -> QuerySet:
    """The partnership's order of work: highest risk first, then the longest waiting. The
    screening queue and the panel agenda both follow it."""
    return referrals.annotate(risk_rank=risk_rank()).order_by(*WORK_ORDER)


def screening_queue(user: User) -> QuerySet:
    """Submitted referrals a coordinator may screen, in the order of work."""
    queue = referrals_visible_to(user).filter(status=ReferralStatus.SUBMITTED)
    return by_risk_then_age(queue.select_related("person", "organisation"))


def coordinator_areas(user: User) -> set[str]:
    """The areas whose submitted referrals the user sees and screens as a coordinator."""
    return areas_where(user, {Role.COORDINATOR})


def referrals_visible_to(user: User) -> QuerySet:
    """Each branch is a condition on the referral's own indexed columns, so that PostgreSQL
    can walk an index in a list's order and stop at a page, or look up the few rows of a
    small branch: the referring organisations, the coordinator's areas, and the people the
    user broke the glass for (a set the grants table yields once per query)."""
    shape, values = referral_viewer(user)
    return visible_referrals(shape, **values)


def referral_viewer(user: User) -> tuple[tuple, dict]:
    """What of ``user`` decides which referrals they see, as a query kept compiled
    (``core.compiled``) takes it: the shape (the areas they coordinate, whether they hold
    any role at all) and the values (their referring organisations, their id, now)."""
    referring = sorted(o.pk for o in organisations_where_user_can(user, "referrals.add_referral"))
    shape = (tuple(sorted(coordinator_areas(user))), bool(active_memberships(user)))
    return shape, {"organisations": referring, "user_id": user.pk, "now": timezone.now()}


def visible_referrals(shape: tuple, *, organisations, user_id, now) -> QuerySet:
    """``referrals_visible_to`` from what ``referral_viewer`` says of the user."""
    areas, holds_a_role = shape
    conditions = Q()
    if organisations:
        conditions |= Q(organisation__in=organisations)
    if areas:
        conditions |= Q(area__in=areas) & ~Q(status=ReferralStatus.DRAFT)
    if holds_a_role:
        conditions |= grants_condition(user_id=user_id, now=now, person_field="person_id")
    if not conditions:
        return Referral.objects.none()
    return Referral.objects.filter(conditions)


# What a list of referrals shows (the API's ReferralListSerializer, the list and screening
# pages): sealed free text is not what a list shows, so it is neither fetched nor decrypted
# (decryption is most of a page's cost: 18 sealed columns a row otherwise).
LISTED_COLUMNS = (
    "pathway",
    "status",
    "area",
    "referral_date",
    "age_at_referral",
    "risk_level",
    "marac_referral_required",
    "outside_focus_flag",
    "submitted_at",
    "return_to_screening_reason",
    "version",
    "created_at",
    "person__given_name",
    "person__family_name",
    "person__date_of_birth",
    "person__gender",
    "organisation__name",
)


def as_listed(referrals: QuerySet) -> QuerySet:
    """Referrals as a list shows them: person and organisation joined, the rest deferred."""
    return referrals.select_related("person", "organisation").only(*LISTED_COLUMNS)


@compiled_query
def _referral_shown(shape, *, pk, **viewer) -> QuerySet:
    return (
        visible_referrals(shape, **viewer)
        .select_related("person", "organisation", "referrer")
        .filter(pk=pk)
    )


def referral_get(user: User, referral_id) -> Referral:
    """The referral, or 404 whether it does not exist or the user may not see it."""
    pk = uuid_or_404(referral_id)
    shape, viewer = referral_viewer(user)
    return found_or_404(
        user,
        _referral_shown.first(shape=shape, pk=pk, **viewer) if pk is not None else None,
        pk,
        object_type="referral",
        person_of=_person_id,
        missing="No such referral",
    )


def _person_id(record):
    return record.person_id


def lawful_basis_of_referral(referral: Referral, basis_id) -> LawfulBasis:
    """A lawful basis recorded on a referral the caller already sees, or 404."""
    basis = LawfulBasis.objects.filter(referral=referral, pk=parse_int(basis_id)).first()
    if basis is None:
        raise Http404("No such lawful basis")
    basis.referral = referral
    return basis


def consent_of_referral(referral: Referral, consent_id) -> Consent:
    """One giver's decision for one purpose, on a referral the caller already sees, or 404."""
    consent = Consent.objects.filter(referral=referral, pk=parse_int(consent_id)).first()
    if consent is None:
        raise Http404("No such consent decision")
    consent.referral = referral
    return consent


def participation_of_referral(referral: Referral, participation_id) -> Participation:
    """One giver's agreement to take part, on a referral the caller already sees, or 404."""
    participation = Participation.objects.filter(
        referral=referral, pk=parse_int(participation_id)
    ).first()
    if participation is None:
        raise Http404("No such decision about taking part")
    participation.referral = referral
    return participation


def break_glass_condition(user: User, *, person_field: str) -> Q:
    """Records of people the user broke the glass for, while the grant lasts.

    ``person = ANY(ARRAY(SELECT person FROM the user's live grants))``: PostgreSQL runs the
    subquery once per query (an InitPlan over a handful of rows) and can then look the
    people up by index, or see that there are none. A correlated ``EXISTS`` would probe the
    grants table once for every candidate row, and ``IN (SELECT ...)`` under an ``OR``
    becomes a hashed filter the planner cannot size, so it walks a whole index for a user
    whose organisation has made few referrals."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return grants_condition(user_id=user.pk, now=timezone.now(), person_field=person_field)


def grants_condition(*, user_id, now, person_field: str) -> Q:
    """``break_glass_condition`` for the user with this id, at ``now``."""
    live = BreakGlassGrant.objects.filter(user_id=user_id, expires_at__gt=now)
    return Q(_AnyOf(F(person_field), ArraySubquery(live.order_by().values("person_id"))))


class _AnyOf(Func):
    """``value = ANY(array)``: indexable on ``value``, the array computed once."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def people_visible_to(user: User, *, permission: str = "referrals.view_person") -> QuerySet:
    shape, values = person_viewer(user, permission=permission)
    return visible_people(shape, **values)


def person_viewer(user: User, *, permission: str = "referrals.view_person") -> tuple[tuple, dict]:
    """What of ``user`` decides which people they see with ``permission``, as a query kept
    compiled (``core.compiled``) takes it: the shape (the permission, the areas they
    coordinate, whether they may break the glass) and the values (the groups of the
    organisations where they hold it, their id, now)."""
    organisations = organisations_where_user_can(user, permission)
    shape = (
        permission,
        tuple(sorted(coordinator_areas(user))),
        permission == "referrals.view_person" and bool(active_memberships(user)),
    )
    return shape, {
        "groups": [organisation.group_id for organisation in organisations],
        "user_id": user.pk,
        "now": timezone.now(),
    }


def visible_people(shape: tuple, *, groups, user_id, now) -> QuerySet:
    """``people_visible_to`` from what ``person_viewer`` says of the user."""
    permission, areas, breaks_glass = shape
    conditions = Q()
    if groups:
        codename = permission.split(".", 1)[1]
        via_organisation = PersonGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            permission__codename=codename,
            permission__content_type__app_label="referrals",
            group_id__in=groups,
        )
        direct = PersonUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            permission__codename=codename,
            permission__content_type__app_label="referrals",
            user_id=user_id,
        )
        conditions |= Q(Exists(via_organisation)) | Q(Exists(direct))
        if areas:
            screened = Referral.objects.filter(person=OuterRef("pk"), area__in=areas).exclude(
                status=ReferralStatus.DRAFT
            )
            conditions |= Q(Exists(screened))
    if breaks_glass:
        conditions |= grants_condition(user_id=user_id, now=now, person_field="pk")
    if not conditions:
        return Person.objects.none()
    return Person.objects.filter(conditions)


def person_get(user: User, person_id, *, permission: str = "referrals.view_person") -> Person:
    """The person, or 404 whether it does not exist or the user may not see it."""
    return visible_or_404(
        user,
        people_visible_to(user, permission=permission),
        uuid_or_404(person_id),
        object_type="person",
        person_of=_own_pk,
        missing="No such person",
    )


def _own_pk(person):
    return person.pk


_OPTIONAL_INDEXES = ("nhs_number_index", "police_reference_index", "unique_pupil_number_index")


def same_person_condition(person: Person, *, prefix: str = "") -> Q:
    """People who are, by any blind index, the same as this one (records made by others)."""
    return same_indexes_condition(same_person_indexes(person), prefix=prefix)


def same_person_indexes(person: Person) -> dict[str, str]:
    """The blind indexes a person is matched by: the family name with the date of birth,
    and each other one recorded."""
    indexes = {"family_name_dob_index": person.family_name_dob_index}
    for index in _OPTIONAL_INDEXES:
        value = getattr(person, index)
        if value:
            indexes[index] = value
    return indexes


def same_indexes_condition(indexes: dict[str, str], *, prefix: str = "") -> Q:
    """``same_person_condition`` from ``same_person_indexes``."""
    condition = Q(**{f"{prefix}family_name_dob_index": indexes["family_name_dob_index"]})
    for index in _OPTIONAL_INDEXES:
        if index in indexes:
            condition |= Q(**{f"{prefix}{index}": indexes[index]})
    return condition


@compiled_query
def _linked_referrals(shape, *, pk, start, end, **indexes) -> QuerySet:
    return (
        Referral.objects.filter(same_indexes_condition(indexes, prefix="person__"))
        .exclude(pk=pk)
        .exclude(status=ReferralStatus.DRAFT)
        .filter(referral_date__gte=start, referral_date__lte=end)
        .select_related("organisation")
        .order_by("-referral_date")
    )


def _linked_values(referral: Referral) -> dict:
    window_start = one_year_before(referral.referral_date)
    window_end = referral.referral_date + (referral.referral_date - window_start)
    return {
        "pk": referral.pk,
        "start": window_start,
        "end": window_end,
        **same_person_indexes(referral.person),
    }


def linked_referrals(referral: Referral) -> QuerySet:
    """Other referrals of the same person, made within 12 months either side of this one."""
    return _linked_referrals.queryset(**_linked_values(referral))


def linked_referrals_visible_to(user: User, referral: Referral) -> list[Referral] | None:
    """The other referrals of the same person that the user may see, or None when the
    user may only learn whether they exist (see ``other_partners_referred``)."""
    if not permissions.can(user, "referral.view_linked", referral):
        return None
    if referral.status == ReferralStatus.DRAFT:
        return []
    return _linked_referrals.rows(**_linked_values(referral))


def other_partners_referred(referral: Referral, *, linked: list[Referral] | None = None) -> bool:
    """Whether other partners referred the same person within 12 months: what anyone who
    sees the referral may know, so that they can ask the coordinator. ``linked`` is what
    ``linked_referrals_visible_to`` gave (all of them, or None when the viewer may not see
    them): when the viewer has them, the answer is in them, with no second query."""
    if referral.status == ReferralStatus.DRAFT:
        return False
    if linked is not None:
        return any(other.organisation_id != referral.organisation_id for other in linked)
    return linked_referrals(referral).exclude(organisation_id=referral.organisation_id).exists()


def previous_domestic_abuse_incident(
    *, person: Person, role: str, incident_date: datetime.date, exclude_referral_id=None
) -> Referral | None:
    """The latest earlier domestic abuse referral of the same person in the same role within
    the repeat window: a repeat victim was a victim before, a repeat perpetrator a
    perpetrator (an earlier referral as a victim does not make a perpetrator a repeat)."""
    if not role:
        return None
    candidates = (
        Referral.objects.filter(same_person_condition(person, prefix="person__"))
        .filter(
            domestic_abuse_incident=True,
            domestic_abuse_role=role,
            incident_date__gte=one_year_before(incident_date),
            incident_date__lt=incident_date,
        )
        .exclude(status__in=[ReferralStatus.DRAFT, ReferralStatus.WITHDRAWN])
    )
    if exclude_referral_id is not None:
        candidates = candidates.exclude(pk=exclude_referral_id)
    return candidates.order_by("-incident_date").first()


def referral_capacities(user: User, referral: Referral) -> set[str]:
    """In which capacities the user may act on this referral: "referrer" (a referrer of the
    referring organisation) and "coordinator" (a coordinator of its area, once submitted)."""
    capacities = set()
    for membership in active_memberships(user):
        if (
            membership.role == Role.REFERRER
            and membership.organisation_id == referral.organisation_id
        ):
            capacities.add("referrer")
    if referral.status != ReferralStatus.DRAFT and referral.area in coordinator_areas(user):
        capacities.add("coordinator")
    return capacities


def open_case_of_same_person(person: Person):
    """The open case of the same person (by any blind index), for a new referral to join."""
    case_model = apps.get_model("cases", "Case")
    return (
        case_model.objects.filter(status="open")
        .filter(same_person_condition(person, prefix="person__"))
        .order_by("-opened_at")
        .first()
    )


@dataclass(frozen=True)
class ConsentSummary:
    consents: list  # (consent, {"withdraw": ...})
    gillick_assessments: list
    lawful_bases: list  # (basis, {"decide": ..., "revoke": ...})
    offer_gillick: bool
    offer_lawful_basis: bool


def consent_summary(viewer: User, referral: Referral) -> ConsentSummary:
    """The consent decisions, Gillick assessments and lawful bases of a referral, each shown
    recorded for the IG trail as the API's consent overview records them, with what this
    viewer may do to each (asked of ``referrals.permissions``)."""
    consents = record_children_shown(
        viewer,
        object_type="consent",
        records=referral.consents.select_related("recorded_by"),
        person_id=referral.person_id,
    )
    assessments = record_children_shown(
        viewer,
        object_type="gillick_assessment",
        records=referral.gillick_assessments.select_related("assessed_by").order_by(
            "-recorded_at", "-pk"
        ),
        person_id=referral.person_id,
    )
    bases = record_children_shown(
        viewer,
        object_type="lawful_basis",
        records=referral.lawful_bases.select_related("recorded_by", "decided_by"),
        person_id=referral.person_id,
    )
    for record in [*consents, *bases]:
        record.referral = referral
    records_consent = permissions.can(viewer, "referral.record_consent", referral)
    return ConsentSummary(
        consents=[(c, permissions.consent_offered(viewer, c)) for c in consents],
        gillick_assessments=assessments,
        lawful_bases=[(basis, permissions.basis_offered(viewer, basis)) for basis in bases],
        offer_gillick=records_consent
        and permissions.gillick_applies(referral.person, timezone.localdate()),
        offer_lawful_basis=records_consent,
    )


@dataclass(frozen=True)
class TakingPartSummary:
    position: object  # the intervention delivery ``referrals.consent.PurposePosition``
    participations: list  # (participation, {"withdraw": ...})
    offer_record: bool


def taking_part_summary(viewer: User, referral: Referral, position) -> TakingPartSummary:
    """The decisions about taking part in an intervention, apart from consent and lawful
    bases, each recorded as shown, with what this viewer may do to each."""
    participations = record_children_shown(
        viewer,
        object_type="participation",
        records=referral.participations.select_related("recorded_by"),
        person_id=referral.person_id,
    )
    for participation in participations:
        participation.referral = referral
    return TakingPartSummary(
        position=position,
        participations=[(p, permissions.participation_offered(viewer, p)) for p in participations],
        offer_record=permissions.can(viewer, "participation.record", referral),
    )


# --- Domestic abuse: the Dash record, perpetrator links and MARAC referrals ---------------


@dataclass(frozen=True)
class LinkShown:
    """A perpetrator link as one viewer may see it: ``perpetrator`` is None (no name, no id)
    when the viewer may not see that person, whatever they see of the victim."""

    link: VictimPerpetratorLink
    perpetrator: Person | None


def dash_record_shown(viewer: User, referral: Referral) -> DashRecord | None:
    """The referral's Dash record, its reading recorded for the IG trail."""
    records = record_children_shown(
        viewer,
        object_type="dash_record",
        records=DashRecord.objects.filter(referral=referral).select_related("completed_by"),
        person_id=referral.person_id,
    )
    return records[0] if records else None


def perpetrator_links_shown(viewer: User, referral: Referral) -> list[LinkShown]:
    links = record_children_shown(
        viewer,
        object_type="perpetrator_link",
        records=referral.perpetrator_links.select_related("perpetrator"),
        person_id=referral.person_id,
    )
    seen = set(
        people_visible_to(viewer)
        .filter(pk__in=[link.perpetrator_id for link in links])
        .values_list("pk", flat=True)
    )
    return [
        LinkShown(link=link, perpetrator=link.perpetrator if link.perpetrator_id in seen else None)
        for link in links
    ]


def marac_referrals_shown(viewer: User, referral: Referral) -> list[MaracReferral]:
    records = record_children_shown(
        viewer,
        object_type="marac_referral",
        records=referral.marac_referrals.select_related("recorded_by"),
        person_id=referral.person_id,
    )
    for record in records:
        record.referral = referral
    return records


def marac_referral_of_referral(referral: Referral, marac_id) -> MaracReferral:
    """A MARAC referral recorded on a referral the caller already sees, or 404."""
    pk = parse_int(marac_id)
    in_range = pk is not None and 0 < pk < 2**31
    marac = MaracReferral.objects.filter(referral=referral, pk=pk).first() if in_range else None
    if marac is None:
        raise Http404("No such MARAC referral")
    marac.referral = referral
    return marac
