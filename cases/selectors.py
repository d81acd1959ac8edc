"""Who may see which panel meetings and cases, the agenda, and a case's chronology.

- A meeting is visible to its chair and members (while they hold a panel role) and to the
  coordinators whose area it covers.
- A case is visible to its lead professional, to the organisations it is shared with
  (django-guardian grants on the organisation's group, for roles that work on cases), to
  the coordinators and panel members of its area, and to the chair of a panel that decided
  it (a countywide panel decides cases of an area its chair may not belong to, and its
  chair allocates from the case page: ``interventions`` rule ``allocation.create``).
"""

import datetime
import functools
import operator
import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, connections, router
from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    PositiveIntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, JSONObject
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from audit.recorder import found_or_404, visible_or_404
from cases.extensions import (
    TimelineEntry,
    TimelineSource,
    display,
    timeline_sources,
    timeline_sources_generation,
    user_name,
    user_values,
)
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseNote,
    CaseShare,
    CaseStatus,
    DecisionOutcome,
    MeetingStatus,
    PanelAction,
    PanelAttendance,
    PanelDecision,
    PanelMeeting,
    RiskReview,
)
from core.compiled import compiled_query
from core.errors import field_error
from core.fields import opened
from core.ids import parse_int, parse_uuid, uuid_or_404
from core.pagination import (
    CursorKey,
    InvalidCursor,
    KeysetPage,
    decode_cursor,
    encode_cursor,
    keyset_keys,
    keyset_page,
    keyset_result,
    keyset_rows,
)
from partners.models import Area, Organisation, User
from partners.roles import Role
from partners.selectors import (
    active_memberships,
    areas_where,
    covered_areas,
    organisations_where_user_can,
    user_can,
)
from referrals.models import (
    Consent,
    LawfulBasis,
    LawfulBasisStatus,
    Person,
    Purpose,
    Referral,
    ReferralStatus,
    risk_rank,
)
from referrals.pathways import PREVENTION_MAX_AGE, Pathway, birthday, past_prevention_age
from referrals.selectors import by_risk_then_age, grants_condition

PANEL_ROLES = {Role.PANEL_MEMBER, Role.PANEL_CHAIR}


# --- Panel meetings ----------------------------------------------------------------------


def meetings_visible_to(user: User) -> QuerySet:
    conditions = Q()
    if user_can(user, "cases.view_panelmeeting") and areas_where(user, PANEL_ROLES):
        on_meeting = PanelAttendance.objects.filter(meeting=OuterRef("pk"), user=user)
        conditions |= Q(chair=user) | Exists(on_meeting)
    coordinator_areas = areas_where(user, {Role.COORDINATOR})
    if coordinator_areas:
        # A countywide meeting takes both areas' referrals, so every coordinator sees it.
        conditions |= Q(area__in=sorted(coordinator_areas)) | Q(area=Area.COUNTYWIDE)
    if not conditions:
        return PanelMeeting.objects.none()
    return PanelMeeting.objects.filter(conditions)


def meeting_get(user: User, meeting_id) -> PanelMeeting:
    return visible_or_404(
        user,
        meetings_visible_to(user).select_related("chair"),
        uuid_or_404(meeting_id),
        object_type="panel_meeting",
        missing="No such panel meeting",
    )


def meeting_capacities(user: User, meeting: PanelMeeting) -> set[str]:
    capacities = set()
    if meeting.chair_id == user.pk and areas_where(user, {Role.PANEL_CHAIR}):
        capacities.add("chair")
    if covered_areas(meeting.area) & areas_where(user, {Role.COORDINATOR}):
        capacities.add("coordinator")
    return capacities


def attendance_of_meeting(meeting: PanelMeeting) -> QuerySet:
    return PanelAttendance.objects.filter(meeting=meeting).select_related("user", "organisation")


def decisions_of_meeting(meeting: PanelMeeting) -> QuerySet:
    return (
        PanelDecision.objects.filter(meeting=meeting)
        .prefetch_related("actions__owner")
        .select_related("decided_by", "referral")
    )


def decisions_of_meeting_page(
    meeting: PanelMeeting, *, cursor: str | None, page_size: int
) -> KeysetPage:
    """A page of the meeting's decisions in the order they were made (keyset on
    ``decided_at``, then id; bounded by the meeting). Raises ``InvalidCursor``."""
    return keyset_page(
        decisions_of_meeting(meeting),
        ordering=("decided_at", "pk"),
        cursor=cursor,
        page_size=page_size,
    )


def decision_of_meeting(meeting: PanelMeeting, decision_id) -> PanelDecision:
    """A decision of a meeting the caller already sees; anything else does not exist."""
    decision = PanelDecision.objects.filter(meeting=meeting, pk=parse_int(decision_id)).first()
    if decision is None:
        raise Http404("No such decision")
    return decision


def action_of_decision(meeting: PanelMeeting, decision_id, action_id) -> PanelAction:
    """An action of a decision of a meeting the caller already sees."""
    action = (
        PanelAction.objects.filter(
            decision__meeting=meeting,
            decision_id=parse_int(decision_id),
            pk=parse_int(action_id),
        )
        .select_related("decision__meeting")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    return action


def agenda_referral(referral_id) -> Referral:
    """The referral a decision is recorded for; whether it is on the agenda is the service's
    to say (409), as the agenda moves with consent."""
    referral = Referral.objects.filter(pk=parse_uuid(referral_id)).first() if referral_id else None
    if referral is None:
        raise field_error("referral", "No such item on the agenda", "does_not_exist")
    return referral


def actions_owned_by(user: User) -> QuerySet:
    """The panel actions ``user`` owns, across meetings (whether or not they sat on them):
    open ones first, by due date."""
    return (
        PanelAction.objects.filter(owner=user)
        .select_related("decision__meeting__chair", "owner")
        .order_by(F("done_at").asc(nulls_first=True), "due_date", "pk")
    )


def owns_panel_actions(user: User) -> bool:
    return PanelAction.objects.filter(owner=user).exists()


def action_for(user: User, action_id) -> PanelAction:
    """An action ``user`` owns or whose meeting they see; anything else does not exist."""
    visible = Q(owner=user) | Q(decision__meeting__in=meetings_visible_to(user))
    action = (
        PanelAction.objects.filter(visible, pk=parse_int(action_id))
        .select_related("decision__meeting")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    return action


@dataclass
class MinutesItem:
    position: int
    referral: Referral
    decision: PanelDecision
    # Set by ``cases.disclosures.release_minutes`` for whoever receives the minutes.
    withheld_reason: str = ""

    @property
    def reference(self) -> str:
        """How minutes name an item: the referral's short reference, never the person."""
        return str(self.referral.pk)[:8]


@dataclass
class Minutes:
    meeting: PanelMeeting
    items: list[MinutesItem]
    attendance: list[PanelAttendance]
    # The page of items shown, for its links (None: the whole minutes, as the CSV has them).
    page: KeysetPage | None = None


MINUTES_PAGE_SIZE = 50


def meeting_minutes(
    meeting: PanelMeeting, *, page_of: Callable[..., KeysetPage] | None = None
) -> Minutes:
    """The record of a closed meeting: who attended and each decided item, in agenda order,
    with its actions. Before the meeting closes there are no minutes (404), on the web and
    through the API alike.

    ``page_of`` pages the items (``core.pagination.paginate`` or ``keyset_page``, given the
    queryset and ``ordering``); each item keeps its number in the whole minutes (one count
    bounded by the meeting). Without it, every item (the CSV download)."""
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404("Minutes exist once the meeting is closed")
    # A closed meeting's agenda is its decided items.
    decided = _in_agenda_order(meeting, _decided_on_agenda(meeting))
    page, first = None, 1
    if page_of is not None:
        page = page_of(decided, ordering=AGENDA_ORDERING)
        if page.items:
            rank, submitted, pk = _agenda_key(page.items[0])
            earlier = (
                Q(risk_rank__lt=rank)
                | Q(risk_rank=rank, submitted_at__lt=submitted)
                | Q(risk_rank=rank, submitted_at=submitted, pk__lt=pk)
            )
            first += decided.filter(earlier).count() if page.has_previous else 0
    items = _agenda_items(meeting, page.items if page is not None else decided)
    return Minutes(
        meeting=meeting,
        items=[
            MinutesItem(position=n, referral=item.referral, decision=item.decision)
            for n, item in enumerate(items, start=first)
        ],
        attendance=list(attendance_of_meeting(meeting)),
        page=page,
    )


@dataclass
class AgendaItem:
    referral: Referral
    decision: PanelDecision | None
    details_allowed: bool
    deferred_before: bool
    # Why the details are withheld from this viewer (``cases.disclosures``), when they are.
    withheld_reason: str = ""


AGENDA_ORDERING = ("risk_rank", "submitted_at", "pk")
AGENDA_PAGE_SIZE = 25
# The home page says how many items a meeting has up to this, then "more than".
AGENDA_SIZE_CAP = 100


def _decided_on_agenda(meeting: PanelMeeting) -> QuerySet:
    """The referrals this meeting decided (bounded by the meeting: its own decisions), each
    row saying so (``decided_here``)."""
    return Referral.objects.filter(panel_decisions__meeting=meeting).annotate(
        decided_here=Value(True, output_field=BooleanField())
    )


def _awaiting_panel(meeting: PanelMeeting) -> QuerySet:
    """Referrals waiting for this meeting: accepted for panel in its area with panel
    discussion permitted, less those it already decided (a deferral stays accepted). Walked
    in agenda order on the partial index ``cases_agenda_order`` (migration 0004)."""
    if meeting.status == MeetingStatus.CLOSED:
        return Referral.objects.none()
    return (
        Referral.objects.filter(
            area__in=sorted(covered_areas(meeting.area)),
            status=ReferralStatus.ACCEPTED_FOR_PANEL,
            permitted_purposes__contains=[Purpose.PANEL_DISCUSSION],
        )
        .exclude(pk__in=PanelDecision.objects.filter(meeting=meeting).values("referral_id"))
        .annotate(decided_here=Value(False, output_field=BooleanField()))
    )


def _agenda_items(meeting: PanelMeeting, referrals) -> list[AgendaItem]:
    """Agenda items for these referrals (already in agenda order): the decisions of those
    this meeting decided, with who decided and their actions (two queries, none when no
    item is decided); whether each was deferred before comes annotated. The lawful bases
    are loaded only for the referrals with an approved one (one query, or none), the only
    ones whose release reads them (``referrals.disclosure.approved_basis_for``)."""
    referrals = list(referrals)
    decided = [r.pk for r in referrals if r.decided_here]
    decisions = (
        {
            d.referral_id: d
            for d in PanelDecision.objects.filter(meeting=meeting, referral_id__in=decided)
            .select_related("decided_by")
            .prefetch_related(Prefetch("actions", PanelAction.objects.select_related("owner")))
        }
        if decided
        else {}
    )
    prefetch_related_objects([r for r in referrals if r.approved_basis_purposes], "lawful_bases")
    return [
        AgendaItem(
            referral=referral,
            decision=decisions.get(referral.pk),
            details_allowed=Purpose.PANEL_DISCUSSION in referral.permitted_purposes,
            deferred_before=referral.deferred_before,
            withheld_reason=""
            if Purpose.PANEL_DISCUSSION in referral.permitted_purposes
            else "Consent withdrawn and no lawful basis covers panel discussion",
        )
        for referral in referrals
    ]


# The person's sealed fields an agenda item shows (the API's ``PersonSummarySerializer``, the
# meeting page's name) or its release reads (the age): the others are neither read nor
# decrypted. Nor are the referral's, but for the concern (``narrative``).
AGENDA_PERSON_FIELDS = frozenset({"given_name", "family_name", "date_of_birth"})
AGENDA_REFERRAL_FIELDS = frozenset({"narrative"})


def _read_on_agenda(field, shown: frozenset) -> bool:
    return not getattr(field, "encrypted", False) or field.name in shown


def _in_agenda_order(meeting: PanelMeeting, referrals: QuerySet) -> QuerySet:
    """The agenda's columns and order (``by_risk_then_age``), each row told whether an
    earlier meeting deferred it (index ``cases_decision_deferrals``) and for which purposes
    it has an approved lawful basis. Sealed fields an item does not show are not read.
    ``_AgendaStatement`` reads the same in SQL of its own."""
    deferred = PanelDecision.objects.filter(referral=OuterRef("pk"), outcome="defer").exclude(
        meeting=meeting
    )
    approved = LawfulBasis.objects.filter(
        referral=OuterRef("pk"), status=LawfulBasisStatus.APPROVED
    ).values("purpose")
    not_read = [
        f.name
        for f in Referral._meta.concrete_fields
        if not _read_on_agenda(f, AGENDA_REFERRAL_FIELDS)
    ] + [
        f"person__{f.name}"
        for f in Person._meta.concrete_fields
        if not _read_on_agenda(f, AGENDA_PERSON_FIELDS)
    ]
    return by_risk_then_age(
        referrals.select_related("person", "organisation")
        .defer(*not_read)
        .annotate(
            deferred_before=Exists(deferred),
            approved_basis_purposes=ArraySubquery(approved.order_by()),
        )
    )


class _AgendaStatement:
    """A page of the agenda in one statement, written once per process where the ORM built
    and compiled a UNION of two querysets on every request (most of what a page cost):
    ``_in_agenda_order`` of ``_decided_on_agenda`` and of ``_awaiting_panel``, each part
    read on its own index in agenda order (the meeting's decisions; the partial index
    ``cases_agenda_order``, matched by the expression ``risk_rank`` compiles to) to a page,
    merged and cut to the page. Rows become the models the ORM would make: the same
    columns, sealed fields opened by their fields' converters, the same annotations.
    ``tests/cases/test_reads_at_scale.py`` holds it to the querysets' definition."""

    _made: "_AgendaStatement | None" = None

    @classmethod
    def get(cls) -> "_AgendaStatement":
        if cls._made is None:
            cls._made = cls()
        return cls._made

    def __init__(self):
        quote = connection.ops.quote_name
        self.parts = [
            (model, [f for f in model._meta.concrete_fields if _read_on_agenda(f, shown)])
            for model, shown in (
                (Referral, AGENDA_REFERRAL_FIELDS),
                (Person, AGENDA_PERSON_FIELDS),
                (Organisation, frozenset()),
            )
        ]
        self.converters = []
        for model, fields in self.parts:
            for field in fields:
                col = field.get_col(model._meta.db_table)
                converters = connection.ops.get_db_converters(col) + col.get_db_converters(
                    connection
                )
                self.converters.append([(converter, col) for converter in converters])
        self.width = len(self.converters)
        # Short aliases and the order's constants written in: the statement stays within
        # what the driver keeps parsed between requests (4,096 characters, 50 parameters).
        aliases = {Referral: "r", Person: "p", Organisation: "o"}
        table = {model: quote(model._meta.db_table) for model in (*aliases, PanelDecision)}
        columns = ", ".join(
            # After a dot any lower-case name is a column, a keyword or not.
            f"{aliases[model]}."
            + (
                field.column
                if re.fullmatch("[a-z_][a-z0-9_]*", field.column)
                else quote(field.column)
            )
            for model, fields in self.parts
            for field in fields
        )
        query = Referral.objects.all().query
        rank = connection.ops.compose_sql(
            *query.get_compiler(connection=connection).compile(
                risk_rank().resolve_expression(query)
            )
        ).replace(f"{table[Referral]}.", "r.")
        lawful = quote(LawfulBasis._meta.db_table)
        purposes = Referral._meta.get_field("permitted_purposes").db_type(connection)
        # Then risk_rank, deferred_before, approved_basis_purposes and decided_here.
        select = (
            f"SELECT {columns}, {rank} AS risk_rank, "  # noqa: S608 - names from the models
            f"EXISTS (SELECT 1 FROM {table[PanelDecision]} x WHERE x.referral_id = r.id "
            "AND x.outcome = %s AND x.meeting_id <> %s) AS deferred_before, "
            f"ARRAY (SELECT b.purpose FROM {lawful} b WHERE b.referral_id = r.id "
            "AND b.status = %s) AS approved_basis_purposes"
        )
        joins = (
            f"JOIN {table[Person]} p ON p.id = r.person_id "
            f"JOIN {table[Organisation]} o ON o.id = r.organisation_id"
        )
        # By position: risk_rank, then the referral's submitted_at and id.
        positions = [f.attname for f in self.parts[0][1]]
        order = (
            f"ORDER BY {self.width + 1}, {positions.index('submitted_at') + 1}, "
            f"{positions.index('id') + 1} LIMIT %s"
        )
        self.sql = {}
        for after in ("", f"AND ({rank}, r.submitted_at, r.id) > (%s, %s, %s)"):
            decided = (
                f"({select}, TRUE AS decided_here FROM {table[Referral]} r "
                f"JOIN {table[PanelDecision]} d ON d.referral_id = r.id AND d.meeting_id = %s "
                f"{joins} WHERE TRUE {after} {order})"
            )
            awaiting = (
                f"({select}, FALSE AS decided_here FROM {table[Referral]} r {joins} "  # noqa: S608 - as above
                "WHERE r.status = %s AND r.area = ANY(%s) "
                f"AND r.permitted_purposes @> %s::{purposes} AND NOT EXISTS (SELECT 1 FROM "
                f"{table[PanelDecision]} d WHERE d.meeting_id = %s AND d.referral_id = r.id) "
                f"{after} {order})"
            )
            self.sql[bool(after), False] = decided
            self.sql[bool(after), True] = f"{decided} UNION ALL {awaiting} {order}"

    def page(self, meeting: PanelMeeting, key: list | None, limit: int) -> list[Referral]:
        """Up to ``limit`` referrals of ``meeting``'s agenda in its order, after ``key`` (a
        row's risk rank, submitted and id) or from the start."""
        head = [DecisionOutcome.DEFER, meeting.pk, LawfulBasisStatus.APPROVED]
        after = list(key) if key else []
        tail = [limit]
        params = [*head, meeting.pk, *after, *tail]
        awaiting = meeting.status != MeetingStatus.CLOSED
        if awaiting:
            params += [
                *head,
                ReferralStatus.ACCEPTED_FOR_PANEL,
                sorted(covered_areas(meeting.area)),
                [Purpose.PANEL_DISCUSSION],
                meeting.pk,
                *after,
                *tail,
                limit,
            ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql[bool(key), awaiting], params)
            rows = cursor.fetchall()
        return [self._referral(row) for row in rows]

    def _referral(self, row) -> Referral:
        values = list(row[: self.width])
        for n, converters in enumerate(self.converters):
            for converter, col in converters:
                values[n] = converter(values[n], col, connection)
        made, start = [], 0
        for model, fields in self.parts:
            end = start + len(fields)
            made.append(
                model.from_db(connection.alias, [f.attname for f in fields], values[start:end])
            )
            start = end
        referral, person, organisation = made
        referral.person, referral.organisation = person, organisation
        (
            referral.risk_rank,
            referral.deferred_before,
            referral.approved_basis_purposes,
            referral.decided_here,
        ) = row[self.width :]
        return referral


@dataclass
class AgendaPage:
    items: list[AgendaItem]
    # Forward only: a chair works down the agenda, and "first page" starts it again.
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def panel_agenda_page(
    meeting: PanelMeeting, *, cursor: str | None, page_size: int = AGENDA_PAGE_SIZE
) -> AgendaPage:
    """One page of the agenda from ``cursor``: decided items of this meeting, then (unless
    it is closed) every referral accepted for panel in its area whose panel-discussion
    consent or lawful basis holds; by risk, then age. One query reads a page of the
    meeting's decided items and a page of the referrals awaiting it, each on its own index
    in agenda order, merged and cut to the page (``_AgendaStatement``), so a page costs the
    same however long the agenda is. Raises ``InvalidCursor`` for a cursor this list did not
    make. Only what is shown is recorded (``record_agenda_access``). The order's columns are
    never null here: an item is accepted for panel after submission."""
    key = None
    if cursor:
        key, backwards = decode_cursor(cursor, _AGENDA_KEYS)
        if backwards:
            raise InvalidCursor()
    rows = _AgendaStatement.get().page(meeting, key, page_size + 1)
    shown = rows[:page_size]
    return AgendaPage(
        items=_agenda_items(meeting, shown),
        next_cursor=encode_cursor(_agenda_key(shown[-1]), backwards=False)
        if len(rows) > page_size
        else None,
    )


# How a cursor's values are read back (``core.pagination.decode_cursor``).
_AGENDA_KEYS = [
    CursorKey(name="risk_rank", descending=False, field=PositiveIntegerField()),
    CursorKey(
        name="submitted_at", descending=False, field=Referral._meta.get_field("submitted_at")
    ),
    CursorKey(name="pk", descending=False, field=Referral._meta.pk),
]


def _agenda_key(referral: Referral) -> tuple:
    return (referral.risk_rank, referral.submitted_at, referral.pk)


def agenda_size(meeting: PanelMeeting) -> int:
    """How many items the agenda has, counted up to ``AGENDA_SIZE_CAP`` + 1, in one query:
    the count of a capped page of each part on its index, never the whole agenda."""
    limit = AGENDA_SIZE_CAP + 1
    parts = [
        part.values("pk")[:limit]
        for part in (_decided_on_agenda(meeting), _awaiting_panel(meeting))
        if not part.query.is_empty()
    ]
    if len(parts) == 1:
        return parts[0].count()
    return min(parts[0].union(parts[1], all=True).count(), limit)


# --- Cases -------------------------------------------------------------------------------


def _visibility_branches(user: User) -> list[Q]:
    """Each way ``user`` may see a case, as its own condition: led by them; in an area they
    coordinate or sit on panels for; shared with one of their organisations (guardian
    grants on its group); decided by a panel they chaired; a person they broke the glass
    for. The one statement of who sees a case: ``cases_visible_to`` ORs the branches, and a
    list reads each branch on its own (``visible_cases_page``)."""
    shape, values = case_viewer(user)
    return visibility_branches_of(shape, **values)


def case_viewer(user: User) -> tuple[tuple, dict]:
    """What of ``user`` decides which cases they see, as a query kept compiled
    (``core.compiled``) takes it: the shape (whether they hold any role, the areas they
    coordinate or sit on panels for, whether they chair panels) and the values (their id,
    the groups of the organisations they see cases for, now)."""
    organisations = organisations_where_user_can(user, "cases.view_case")
    shape = (
        bool(active_memberships(user)),
        tuple(sorted(areas_where(user, {Role.COORDINATOR, *PANEL_ROLES}))),
        bool(areas_where(user, {Role.PANEL_CHAIR})),
    )
    return shape, {
        "user_id": user.pk,
        "groups": [o.group_id for o in organisations],
        "now": timezone.now(),
    }


def visibility_branches_of(shape: tuple, *, user_id, groups, now) -> list[Q]:
    """``_visibility_branches`` from what ``case_viewer`` says of the user."""
    values = {"user_id": user_id, "groups": groups, "now": now}
    return [
        visibility_branch(name, shape, **values)
        for name in visibility_branch_names(shape, has_groups=bool(groups))
    ]


# Which of ``case_viewer``'s values each branch reads: a branch's page kept compiled is
# given those alone (``core.compiled`` refuses a value that is not a parameter).
BRANCH_VALUES = {
    "lead": ("user_id",),
    "area": (),
    "shared": ("groups",),
    "chaired": ("user_id",),
    "broke_glass": ("user_id", "now"),
}


def visibility_branch_names(shape: tuple, *, has_groups: bool) -> list[str]:
    """The branches (``BRANCH_VALUES``) a user of this shape has."""
    holds_a_role, areas, chairs = shape
    if not holds_a_role:
        return []
    return [
        "lead",
        *(["area"] if areas else []),
        *(["shared"] if has_groups else []),
        *(["chaired"] if chairs else []),
        "broke_glass",
    ]


def visibility_branch(name: str, shape: tuple, **values) -> Q:
    """One way a user sees a case, from the values ``BRANCH_VALUES`` names for it."""
    if name == "lead":
        return Q(lead_professional=values["user_id"])
    if name == "area":
        return Q(area__in=shape[1])
    if name == "shared":
        # The permission as a scalar subquery, not a join: the planner then estimates the
        # share rows from the groups' own statistics (a police team's tens of thousands of
        # cases are walked in the list's order; a charity's few are gathered and sorted)
        # instead of guessing a handful through the join and sorting tens of thousands.
        view_case = Permission.objects.filter(
            codename="view_case", content_type__app_label="cases"
        ).values("pk")[:1]
        shared = CaseGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            permission_id=Subquery(view_case),
            group_id__in=values["groups"],
        )
        return Q(Exists(shared))
    if name == "chaired":
        decided = PanelDecision.objects.filter(
            case=OuterRef("pk"), meeting__chair=values["user_id"]
        )
        return Q(Exists(decided))
    return grants_condition(user_id=values["user_id"], now=values["now"], person_field="person_id")


def cases_visible_to(user: User) -> QuerySet:
    """The cases ``user`` may see: for one case (its page, a permission check) or a small
    set of ids. Pages of a list go through ``visible_cases_page``."""
    branches = _visibility_branches(user)
    if not branches:
        return Case.objects.none()
    return Case.objects.filter(reduce(operator.or_, branches))


# Newest first, on the index ``cases_case_opened`` (migration 0004): a page of any list of
# cases walks it from where the last page ended (``core.pagination``).
CASE_LIST_ORDERING = ("-opened_at", "-pk")


# What a list of cases shows (the API's CaseListSerializer): the rest is deferred, so a
# page decrypts a person's name and birth date, not their address and identifiers.
CASE_LISTED_COLUMNS = (
    "pathway",
    "area",
    "status",
    "risk_level",
    "next_review_date",
    "opened_at",
    "version",
    "person__given_name",
    "person__family_name",
    "person__date_of_birth",
    "person__gender",
    "lead_organisation__name",
)


def as_listed_cases(cases: QuerySet) -> QuerySet:
    """Cases as a list shows them: person and lead organisation joined, the rest deferred."""
    return cases.select_related("person", "lead_organisation").only(*CASE_LISTED_COLUMNS)


def visible_cases_page(
    user: User, among: QuerySet, *, cursor: str | None, page_size: int
) -> KeysetPage:
    """A page of the cases ``user`` may see among ``among`` (the list's filters, not yet
    scoped), newest first, from ``cursor``.

    Written as one ``OR`` of the branches, PostgreSQL can only walk every case testing each
    branch per row: fast for an area's coordinator, whose cases are everywhere, and a scan
    of the whole table for someone with a few cases shared with them. So each branch is
    read on its own, where it is a join the planner can cost (walk the index in the
    list's order, or gather a small set and sort it), a page at a time from the cursor; the
    pages are merged and the first ``page_size`` distinct cases read in full. One query per
    branch the user has (at most five) and one for the page: the same however many cases
    there are. Forward only: ``previous_cursor`` is None (lists start again from the top).
    Raises ``InvalidCursor`` for a cursor this list did not make."""
    branches = _visibility_branches(user)
    pages = [
        keyset_page(
            among.filter(branch).values("opened_at", "pk"),
            ordering=CASE_LIST_ORDERING,
            cursor=cursor,
            page_size=page_size,
        )
        for branch in branches
    ]
    return _merged_cases_page(
        pages, page_size=page_size, read=lambda shown: list(among.filter(pk__in=shown))
    )


def _merged_cases_page(pages: list[KeysetPage], *, page_size: int, read) -> KeysetPage:
    """The first ``page_size`` distinct cases of the branches' pages, newest first, read in
    full by ``read`` (given their ids)."""
    keys: dict = {}
    more = False
    for page in pages:
        more = more or page.has_next
        keys.update((row["pk"], row["opened_at"]) for row in page.items)
    newest_first = sorted(keys, key=lambda pk: (keys[pk], pk), reverse=True)
    shown = newest_first[:page_size]
    more = more or len(newest_first) > page_size
    rows = {case.pk: case for case in read(shown)} if shown else {}
    last = shown[-1] if shown else None
    return KeysetPage(
        items=[rows[pk] for pk in shown],
        next_cursor=encode_cursor([keys[last], last], backwards=False)
        if more and last is not None
        else None,
        previous_cursor=None,
    )


def visible_cases_page_compiled(
    user: User, *, narrow, asked: dict, cursor: str | None, page_size: int
) -> KeysetPage:
    """``visible_cases_page`` with its queries kept compiled (``core.compiled``): the cases
    ``narrow(cases, asked)`` keeps (a list's filters: a module-level function, part of the
    queries' shape, ``asked`` its values)."""
    values, backwards = decode_cursor(cursor, _CASE_LIST_KEYS) if cursor else (None, False)
    shape, viewer = case_viewer(user)
    among = (narrow, tuple(asked))
    pages = []
    for branch in visibility_branch_names(shape, has_groups=bool(viewer["groups"])):
        rows = _case_branch_rows.rows(
            shape=((shape, branch, among), CASE_LIST_ORDERING, backwards, page_size),
            after=values or [],
            **{name: viewer[name] for name in BRANCH_VALUES[branch]},
            **asked,
        )
        pages.append(
            keyset_result(
                rows, keys=_CASE_LIST_KEYS, values=values, backwards=backwards, page_size=page_size
            )
        )
    return _merged_cases_page(
        pages,
        page_size=page_size,
        read=lambda shown: _cases_read.rows(shape=among, shown=shown, **asked),
    )


_CASE_LIST_KEYS = keyset_keys(Case.objects.all(), CASE_LIST_ORDERING)


@compiled_query
def _case_branch_rows(shape, *, after, **values) -> QuerySet:
    (viewer, branch, (narrow, names)), ordering, backwards, page_size = shape
    asked = {name: values.pop(name) for name in names}
    among = narrow(as_listed_cases(Case.objects.all()), asked)
    return keyset_rows(
        among.filter(visibility_branch(branch, viewer, **values)).values("opened_at", "pk"),
        ordering=ordering,
        values=after or None,
        backwards=backwards,
        page_size=page_size,
    )


@compiled_query
def _cases_read(shape, *, shown, **asked) -> QuerySet:
    narrow, _names = shape
    return narrow(as_listed_cases(Case.objects.all()), asked).filter(pk__in=shown)


def visible_case_ids(user: User, case_ids) -> set:
    """Which of these cases ``user`` may open: one query, for pages that link to several."""
    wanted = [pk for pk in case_ids if pk is not None]
    if not wanted:
        return set()
    return set(cases_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


@compiled_query
def _case_shown(shape, *, pk, **viewer) -> QuerySet:
    viewer_shape, with_referral_ids = shape
    branches = visibility_branches_of(viewer_shape, **viewer)
    cases = Case.objects.filter(reduce(operator.or_, branches)) if branches else Case.objects.none()
    cases = cases.select_related("person", "lead_professional", "lead_organisation")
    if with_referral_ids:
        cases = cases.annotate(
            referral_ids=ArraySubquery(
                Referral.objects.filter(case=OuterRef("pk")).order_by("-created_at").values("pk")
            )
        )
    return cases.filter(pk=pk)


def case_get(user: User, case_id, *, with_referral_ids: bool = False) -> Case:
    """The case, or 404 whether it does not exist or the user may not see it. With
    ``with_referral_ids``, annotated with its referrals' ids, newest first, in the same
    query (``referral_ids``): what the case's own answer lists."""
    pk = uuid_or_404(case_id)
    shape, viewer = case_viewer(user)
    found = (
        _case_shown.first(shape=(shape, with_referral_ids), pk=pk, **viewer)
        if pk is not None
        else None
    )
    return found_or_404(
        user,
        found,
        pk,
        object_type="case",
        person_of=_person_id,
        missing="No such case",
    )


def _person_id(record):
    return record.person_id


def is_lead_professional(user: User, case: Case) -> bool:
    """The case's lead professional, while still a member of the lead organisation."""
    return case.lead_professional_id == user.pk and any(
        m.organisation_id == case.lead_organisation_id for m in active_memberships(user)
    )


def overdue_review_condition() -> Q:
    """What "overdue review" means: an open case past its next risk review date."""
    return Q(status=CaseStatus.OPEN, next_review_date__lt=timezone.localdate())


def with_review_overdue(cases: QuerySet) -> QuerySet:
    """Cases annotated ``review_overdue``, for pages that mark them."""
    return cases.annotate(
        review_overdue=ExpressionWrapper(overdue_review_condition(), output_field=BooleanField())
    )


def filter_overdue_review(cases: QuerySet, overdue: bool = True) -> QuerySet:
    condition = overdue_review_condition()
    return cases.filter(condition) if overdue else cases.exclude(condition)


def prevention_transition_due(case: Case, today=None):
    """The day the person turned 19 if this is an open prevention case and they are past its
    age (18 and under), else None: a prompt to consider an adult pathway; nothing changes on
    the case by itself."""
    today = today or timezone.localdate()
    if case.status != CaseStatus.OPEN or case.pathway != Pathway.U18_PREVENTION:
        return None
    date_of_birth = case.person.date_of_birth
    if not past_prevention_age(date_of_birth, today):
        return None
    return birthday(date_of_birth, PREVENTION_MAX_AGE + 1)


def prevention_cases_past_age(user: User, today=None) -> list[Case]:
    """Open prevention cases ``user`` leads, or coordinates in their areas, whose person has
    turned 19, oldest birthday first; each carries ``turned_19_on``.

    The date of birth is encrypted at rest, so SQL narrows to the open prevention cases of
    the user's caseload and areas and the age is worked out here, exact to the day. The
    stored ``age_at_referral`` is not used to narrow further: a corrected date of birth
    leaves it stale."""
    today = today or timezone.localdate()
    mine = Q(lead_professional=user)
    coordinated = areas_where(user, {Role.COORDINATOR})
    if coordinated:
        mine |= Q(area__in=sorted(coordinated))
    cases = (
        cases_visible_to(user)
        .filter(mine, status=CaseStatus.OPEN, pathway=Pathway.U18_PREVENTION)
        .select_related("person")
    )
    due = []
    for case in cases:
        case.turned_19_on = prevention_transition_due(case, today)
        if case.turned_19_on is not None:
            due.append(case)
    return sorted(due, key=lambda case: (case.turned_19_on, str(case.pk)))


def share_of_case(case: Case, share_id) -> CaseShare:
    """A share of a case the caller already sees."""
    share = (
        CaseShare.objects.filter(case=case, pk=parse_int(share_id))
        .select_related("organisation")
        .first()
    )
    if share is None:
        raise Http404("No such share")
    return share


def shares_of_case(case: Case) -> QuerySet:
    return case.shares.select_related("organisation").order_by("-shared_at")


# Where ``shares_read_onto`` keeps a case's shares on the case object.
_SHARES_READ = "_shares_read"


def shares_read_onto(case: Case) -> list[CaseShare]:
    """The case's shares (``shares_of_case``), read now and kept on the case object: a page
    that lists them also asks, through the viewer's capacities, which are current, and
    that answer comes from these rows rather than another query. For a page's reads, after
    any write of the request."""
    shares = list(shares_of_case(case))
    setattr(case, _SHARES_READ, shares)
    return shares


def note_of_case(case: Case, note_id) -> CaseNote:
    """A note of a case the caller already sees."""
    note = CaseNote.objects.filter(case=case, pk=parse_int(note_id)).first()
    if note is None:
        raise Http404("No such note")
    return note


def notes_of_case(case: Case) -> QuerySet:
    return case.notes.select_related("author", "author_organisation")


def risk_reviews_of_case(case: Case) -> QuerySet:
    return case.risk_reviews.select_related("reviewer")


def decision_of_case(case: Case, decision_id) -> PanelDecision | None:
    """The panel decision that opened (or joined) the case, by id, or None."""
    return (
        PanelDecision.objects.filter(case=case, pk=parse_int(decision_id))
        .select_related("meeting")
        .first()
    )


def latest_referral(case: Case) -> Referral | None:
    """The case's newest referral: its consent position is the one that holds now. Its
    person, when the case already read them, is the case's (the same row, decrypted once)."""
    referral = case.referrals.order_by("-referral_date", "-created_at").first()
    if (
        referral is not None
        and referral.person_id == case.person_id
        and Case.person.is_cached(case)
    ):
        referral.person = case.person
    return referral


def acting_organisation_on_case(user: User, case: Case) -> Organisation:
    """The organisation ``user`` acts for on ``case``: the lead organisation when they belong
    to it, otherwise the first organisation they belong to; the lead organisation for the
    system (a job acting on the case's behalf), which belongs to none."""
    memberships = active_memberships(user)
    if not memberships:
        return case.lead_organisation
    for membership in memberships:
        if membership.organisation_id == case.lead_organisation_id:
            return membership.organisation
    return memberships[0].organisation


_held_capacities: ContextVar[dict | None] = ContextVar("held_case_capacities", default=None)


@contextmanager
def capacities_held():
    """Within it, a viewer's capacities on a case are worked out once: a page that asks
    several rules about one case (which operations to offer, each section's links) reads
    the case's shares once, not once a rule. Only around reads: a write inside could
    change what the held answer says."""
    token = _held_capacities.set({})
    try:
        yield
    finally:
        _held_capacities.reset(token)


def case_capacities(user: User, case: Case) -> set[str]:
    held = _held_capacities.get()
    if held is None:
        return _case_capacities(user, case)
    key = (user.pk, case.pk)
    if key not in held:
        held[key] = frozenset(_case_capacities(user, case))
    return set(held[key])


def _case_capacities(user: User, case: Case) -> set[str]:
    capacities = set()
    if is_lead_professional(user, case):
        capacities.add("lead")
    if case.area in areas_where(user, {Role.COORDINATOR}):
        capacities.add("coordinator")
    if case.area in areas_where(user, PANEL_ROLES):
        capacities.add("panel")
    working = organisations_where_user_can(user, "cases.add_casenote")
    if working:
        shared_with = _organisations_shared_with(case)
        if any(organisation.pk in shared_with for organisation in working):
            capacities.add("shared_caseworker")
    return capacities


def _organisations_shared_with(case: Case) -> set[int]:
    """The organisations the case is shared with now: from its shares when a page read them
    already (``shares_read_onto``), else one query."""
    read = getattr(case, _SHARES_READ, None)
    if read is not None:
        return {share.organisation_id for share in read if share.ended_at is None}
    return set(
        CaseShare.objects.filter(case=case, ended_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )


def _referral_entry(at, values) -> TimelineEntry:
    reason = values["reason"]
    return TimelineEntry(
        at,
        "referral",
        f"Referral {display(Referral, 'status', values['status']).lower()}"
        + (f": {reason}" if reason else ""),
        user_name(values, nobody="system"),
    )


def _consent_entry(at, values) -> TimelineEntry:
    return TimelineEntry(
        at,
        "consent",
        f"Consent for {display(Consent, 'purpose', values['purpose']).lower()}: "
        f"{display(Consent, 'decision', values['decision']).lower()}"
        f" ({display(Consent, 'given_by', values['given_by']).lower()})",
        user_name(values, nobody="system"),
    )


def _decision_entry(at, values) -> TimelineEntry:
    return TimelineEntry(
        at,
        "panel_decision",
        f"Panel decision: {display(PanelDecision, 'outcome', values['outcome']).lower()}",
        user_name(values),
        opened(PanelDecision, "rationale", values["rationale"]),
    )


def _share_entry(at, values) -> TimelineEntry:
    return TimelineEntry(
        at,
        "share",
        f"Shared with {values['organisation']} for "
        f"{display(CaseShare, 'purpose', values['purpose']).lower()}"
        f" ({display(CaseShare, 'basis', values['basis']).lower()})",
        user_name(values),
    )


def _share_end_entry(at, values) -> TimelineEntry:
    return TimelineEntry(
        at,
        "share",
        f"Sharing with {values['organisation']} ended",
        user_name(values),
        values["reason"],
    )


def _review_entry(at, values) -> TimelineEntry:
    next_review = datetime.date.fromisoformat(values["next_review_date"])
    return TimelineEntry(
        at,
        "risk_review",
        f"Risk reviewed: {display(RiskReview, 'level', values['level']).lower()}, next review "
        f"{date_format(next_review, 'j F Y')}",
        user_name(values),
        opened(RiskReview, "rationale", values["rationale"]),
    )


def _note_entry(at, values) -> TimelineEntry:
    return TimelineEntry(
        at,
        "note",
        "Correction to an earlier note" if values["corrects"] else "Note",
        user_name(values),
        opened(CaseNote, "text", values["text"]),
    )


# The case's own sources, in their order at a tie; other apps' follow (``cases.extensions``).
TIMELINE_SOURCES = (
    TimelineSource(
        rows=lambda case, referral_ids: Referral.history.filter(id__in=referral_ids),
        at="history_date",
        key="history_id",
        values={
            "status": "status",
            "reason": "history_change_reason",
            **user_values("history_user"),
        },
        entry=_referral_entry,
    ),
    TimelineSource(
        rows=lambda case, referral_ids: Consent.history.filter(referral_id__in=referral_ids),
        at="history_date",
        key="history_id",
        values={
            "purpose": "purpose",
            "decision": "decision",
            "given_by": "given_by",
            **user_values("history_user"),
        },
        entry=_consent_entry,
    ),
    TimelineSource(
        rows=lambda case, referral_ids: PanelDecision.objects.filter(referral_id__in=referral_ids),
        at="decided_at",
        values={"outcome": "outcome", "rationale": "rationale", **user_values("decided_by")},
        entry=_decision_entry,
    ),
    # A share is an entry when it starts and another when it ends.
    TimelineSource(
        rows=lambda case, referral_ids: CaseShare.objects.filter(case=case),
        at="shared_at",
        values={
            "organisation": "organisation__name",
            "purpose": "purpose",
            "basis": "basis",
            **user_values("shared_by"),
        },
        entry=_share_entry,
    ),
    TimelineSource(
        rows=lambda case, referral_ids: CaseShare.objects.filter(case=case),
        at="ended_at",
        values={
            "organisation": "organisation__name",
            "reason": "end_reason",
            **user_values("ended_by"),
        },
        entry=_share_end_entry,
    ),
    TimelineSource(
        rows=lambda case, referral_ids: RiskReview.objects.filter(case=case),
        at="recorded_at",
        values={
            "level": "level",
            "next_review_date": "next_review_date",
            "rationale": "rationale",
            **user_values("reviewer"),
        },
        entry=_review_entry,
    ),
    TimelineSource(
        rows=lambda case, referral_ids: CaseNote.objects.filter(case=case),
        at="created_at",
        values={"corrects": "corrects_id", "text": "text", **user_values("author")},
        entry=_note_entry,
    ),
)


def _timeline_query(case: Case, *, limit: int, offset: int, before) -> QuerySet:
    """The chronology's one query (``_timeline``): each source's rows for the case, the
    newest ``offset + limit`` of them at or before ``before`` (None: all; its index on the
    time bounds the read), only their time, a tie-breaking key and the columns its entry
    needs (as JSON), under ``UNION ALL``, ordered and limited in SQL."""
    referral_ids = Referral.objects.filter(case=case).values("pk")
    branches = []
    for rank, source in enumerate((*TIMELINE_SOURCES, *timeline_sources())):
        rows = source.rows(case, referral_ids).filter(**{f"{source.at}__isnull": False})
        if before is not None:
            rows = rows.filter(**{f"{source.at}__lte": before})
        branches.append(
            rows.annotate(
                t_source=Value(rank, output_field=IntegerField()),
                t_at=F(source.at),
                t_key=Cast(source.key, output_field=BigIntegerField()),
                t_values=JSONObject(**source.values),
            )
            .order_by("-t_at", "-t_key")
            .values_list("t_source", "t_at", "t_key", "t_values")[: offset + limit]
        )
    union = branches[0].union(*branches[1:], all=True).order_by("-t_at", "t_source", "-t_key")
    return union[offset : offset + limit]


# What the chronology's statement is compiled with, in place of a case's id and a page's
# time: no case has this id (a version 4 UUID's bits, all else zero) and no entry this time.
_CASE_STAND_IN = uuid.UUID("00000000-0000-4000-8000-000000000000")
_BEFORE_STAND_IN = datetime.datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class _TimelineStatement:
    """``_timeline_query`` compiled: its SQL, its parameters with where the case's id and the
    page's time go, and the converters the ORM would apply to each column of a row."""

    sql: str
    params: tuple
    case_at: tuple[int, ...]
    before_at: tuple[int, ...]
    converters: dict

    def rows(self, alias: str, case_id, before) -> list[tuple]:
        params = list(self.params)
        for n in self.case_at:
            params[n] = case_id
        for n in self.before_at:
            params[n] = before
        database = connections[alias]
        with database.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        for n, (converters, expression) in self.converters.items():
            for row_number, row in enumerate(rows):
                value = row[n]
                for converter in converters:
                    value = converter(value, expression, database)
                rows[row_number] = (*row[:n], value, *row[n + 1 :])
        return rows


@functools.lru_cache(maxsize=32)
def _timeline_statement(
    alias: str, generation: int, *, limit: int, offset: int, paged: bool
) -> _TimelineStatement:
    """The chronology's statement for a page shape, compiled once per process where the ORM
    built and compiled a ``UNION`` of every source's queryset on each read (most of what a
    case page cost). It is compiled for a stand-in case with only its id (a source that
    reads anything else of the case fails here, see ``TimelineSource``) and a stand-in time;
    each read puts the case's id and the page's time where those stood.
    ``generation`` (``timeline_sources_generation``) makes a changed set of sources a new
    statement."""
    stand_in = Case.from_db(alias, ["id"], [_CASE_STAND_IN])
    query = _timeline_query(
        stand_in, limit=limit, offset=offset, before=_BEFORE_STAND_IN if paged else None
    ).query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    case_at = tuple(n for n, value in enumerate(params) if value == _CASE_STAND_IN)
    before_at = tuple(n for n, value in enumerate(params) if value == _BEFORE_STAND_IN)
    if not case_at or paged != bool(before_at) or str(_CASE_STAND_IN) in sql:
        raise RuntimeError("The chronology's statement does not take the case as a parameter")
    fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
    return _TimelineStatement(
        sql=sql,
        params=tuple(params),
        case_at=case_at,
        before_at=before_at,
        converters=compiler.get_converters(fields),
    )


def _timeline(case: Case, *, limit: int, offset: int = 0, before=None) -> list[TimelineEntry]:
    """Entries ``offset`` to ``offset + limit`` of those at or before ``before`` (None: all),
    newest first, in ONE query (``_timeline_query``, compiled once: ``_timeline_statement``);
    only the rows shown reach Python, and only they are decrypted."""
    alias = router.db_for_read(Case)
    statement = _timeline_statement(
        alias,
        timeline_sources_generation(),
        limit=limit,
        offset=offset,
        paged=before is not None,
    )
    sources = (*TIMELINE_SOURCES, *timeline_sources())
    return [
        sources[rank].entry(at, values)
        for rank, at, _key, values in statement.rows(alias, case.pk, before)
    ]


@dataclass
class TimelinePage:
    items: list[TimelineEntry]
    next_cursor: str | None
    # Forward only, like the agenda: a reader goes back in time from the newest.
    previous_cursor: None = None


MAX_TIMELINE_TIES = 1000
# The timeline's cursor: the last entry's time, and how many entries at exactly that time
# were shown already (entries from different sources can share it).
TIMELINE_CURSOR = (
    CursorKey(name="at", descending=True, field=DateTimeField()),
    CursorKey(name="skip", descending=False, field=PositiveIntegerField()),
)


def case_timeline_page(case: Case, *, cursor: str | None, page_size: int) -> TimelinePage:
    """One page of the timeline, newest first, from ``cursor``, in one query (``_timeline``)
    that reads from the cursor's time down, so a page costs the same however far back it
    is. The cursor is the last entry's time and how many entries at exactly that time were
    shown already. Raises ``InvalidCursor`` for a cursor this list did not make."""
    before, skip = None, 0
    if cursor:
        (before, skip), backwards = decode_cursor(cursor, TIMELINE_CURSOR)
        # Forward only, and no more ties than a page could have shown.
        if backwards or not 0 < skip <= MAX_TIMELINE_TIES:
            raise InvalidCursor()
    entries = _timeline(case, limit=page_size + 1, offset=skip, before=before)
    shown = entries[:page_size]
    if len(entries) <= page_size or not shown:
        return TimelinePage(items=shown, next_cursor=None)
    last = shown[-1].at
    same = sum(1 for entry in shown if entry.at == last) + (skip if last == before else 0)
    return TimelinePage(items=shown, next_cursor=encode_cursor([last, same], backwards=False))
