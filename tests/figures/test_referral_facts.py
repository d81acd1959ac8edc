"""Referral facts: hand-computed rows for a small partnership, kept current by the triggers
and the fold-in before every read, equal to a rebuild, built in a fixed number of queries,
and holding nothing that identifies anyone."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from figures import store
from figures.facts.referrals import TALLY, replace
from figures.filters import Filters
from figures.models import ReferralFact, ReferralTally, StaleSubject
from figures.selectors import report_for
from figures.vocabulary import AgeBand, age_band
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from partners.models import Organisation
from referrals.models import Referral
from referrals.services import referral_screen, referral_withdraw
from tests.factories import make_intervention, make_person, submitted_referral
from tests.figures.conftest import day, open_case_for

pytestmark = pytest.mark.django_db

COLUMNS = [f.name for f in ReferralFact._meta.get_fields() if f.name not in ("id", "subject")]


def facts_in_order():
    return list(ReferralFact.objects.order_by("submitted_on").values(*COLUMNS))


def test_age_bands():
    # The bands' edges, one age either side of each.
    assert [age_band(a) for a in (0, 9, 10, 13, 14, 15, 16, 18, 19, 24, 25, 35, 36, 90)] == [
        AgeBand.UNDER_10,
        AgeBand.UNDER_10,
        AgeBand.FROM_10_TO_13,
        AgeBand.FROM_10_TO_13,
        AgeBand.FROM_14_TO_15,
        AgeBand.FROM_14_TO_15,
        AgeBand.FROM_16_TO_18,
        AgeBand.FROM_16_TO_18,
        AgeBand.FROM_19_TO_24,
        AgeBand.FROM_19_TO_24,
        AgeBand.FROM_25_TO_35,
        AgeBand.FROM_25_TO_35,
        AgeBand.FROM_36,
        AgeBand.FROM_36,
    ]
    assert [label for _, label in AgeBand.choices] == [
        "Under 10",
        "10 to 13",
        "14 to 15",
        "16 to 18",
        "19 to 24",
        "25 to 35",
        "36 and over",
    ]
    with pytest.raises(ValueError, match="cannot be negative"):
        age_band(-1)


def test_one_fact_per_submitted_referral_as_worked_out_by_hand(partnership_of_eight):
    M1, M2 = partnership_of_eight.first_month, partnership_of_eight.second_month
    store.refresh_stale()

    # Written out from the story in partnership_of_eight's docstring; the draft is absent.
    base = {
        "pathway": "u18_prevention",
        "area": "durham",
        "organisation_type": "school",
        "age_band": "14_to_15",
        "ethnicity_group": "not_known",
        "disability": "not_known",
        "postcode_district": "DH1",
        "screened_on": None,
        "ever_returned": False,
        "panel_outcome": "",
        "decided_on": None,
        "case_opened_on": None,
        "allocated_on": None,
        "started_on": None,
        "first_attended_contact_on": None,
        "completed": False,
        "disengaged": False,
        "waiting_list_days": None,
        "marac_flag": False,
    }

    def fact(month, submitted, **columns):
        return {**base, "month": month, "submitted_on": day(month, submitted), **columns}

    expected = [
        fact(
            M1, 2, gender="male", screening_outcome="accepted", screened_on=day(M1, 4),
            panel_outcome="open_case", decided_on=day(M1, 9), case_opened_on=day(M1, 9),
            allocated_on=day(M1, 10), started_on=day(M1, 12),
            first_attended_contact_on=day(M1, 14), completed=True,
        ),
        fact(
            M1, 3, gender="female", screening_outcome="accepted", screened_on=day(M1, 10),
            ever_returned=True, panel_outcome="no_further_action", decided_on=day(M1, 16),
        ),
        fact(
            M1, 5, gender="male", postcode_district="DH7", screening_outcome="declined",
            screened_on=day(M1, 6),
        ),
        fact(
            M1, 7, gender="male", pathway="adult_18_35", area="darlington",
            organisation_type="police", age_band="25_to_35", postcode_district="DL1",
            screening_outcome="signposted", screened_on=day(M1, 11),
        ),
        fact(M1, 8, gender="female", screening_outcome="withdrawn"),
        fact(M2, 1, gender="female", screening_outcome="not_yet_screened"),
        fact(
            M2, 2, gender="male", screening_outcome="returned", screened_on=day(M2, 5),
            ever_returned=True,
        ),
        fact(
            M2, 3, gender="male", screening_outcome="accepted", screened_on=day(M2, 6),
            panel_outcome="open_case", decided_on=day(M2, 13), case_opened_on=day(M2, 13),
            allocated_on=day(M2, 13), started_on=day(M2, 21),
            first_attended_contact_on=day(M2, 22), disengaged=True, waiting_list_days=7,
        ),
    ]  # fmt: skip
    # The ethnic groups and disability answers of Alex, Bea, Cal, Dan, Eve, Fay, Gus and Hal
    # (the partnership's ``equality``), detailed backgrounds counted by their group.
    equality = [
        ("white", "no"), ("asian", "yes"), ("black", "no"), ("mixed", "prefer_not_to_say"),
        ("not_known", "not_known"), ("other", "no"), ("white", "no"),
        ("prefer_not_to_say", "not_known"),
    ]  # fmt: skip
    for row, (group, answer) in zip(expected, equality, strict=True):
        row.update(ethnicity_group=group, disability=answer)
    assert facts_in_order() == expected


def tally_rows():
    return ReferralTally.objects.exclude(n=0).values(
        "measure", "month", "area", "pathway", "value", "n"
    )


def tallied():
    return sorted(map(repr, tally_rows()))


def test_a_rebuild_from_scratch_equals_the_store_kept_current(
    partnership_of_eight, no_suppression, coordinator
):
    report_for(set_key="referrals", filters=partnership_of_eight.filters)
    # A further change folded in: R6 declined.
    referral_screen(
        actor=coordinator,
        referral=partnership_of_eight.referrals["R6"],
        outcome="declined",
        note="No",
    )
    report_for(set_key="funnel", filters=partnership_of_eight.filters)
    kept_current = sorted(map(repr, ReferralFact.objects.values("subject", *COLUMNS)))
    tally_kept_current = tallied()
    assert len(kept_current) == 8

    assert store.rebuild() == 9  # everyone: eight referred and the draft's person

    assert sorted(map(repr, ReferralFact.objects.values("subject", *COLUMNS))) == kept_current
    assert tallied() == tally_kept_current


def test_a_recount_of_the_tally_equals_the_tally_kept_in_step_after_a_series_of_changes(
    partnership_of_eight, coordinator, panel_chair, school_caseworker
):
    referrals = partnership_of_eight.referrals
    store.refresh_stale()
    # Each change folded in on its own: screened, taken to the panel, withdrawn.
    referral_screen(actor=coordinator, referral=referrals["R6"], outcome="accepted_for_panel")
    store.refresh_stale()
    open_case_for(referrals["R6"], coordinator=coordinator, chair=panel_chair)
    store.refresh_stale()
    referral_withdraw(actor=school_caseworker, referral=referrals["R7"], reason="Moved away")
    store.refresh_stale()
    kept_in_step = tallied()
    assert ("stage", "case_opened") in {(row["measure"], row["value"]) for row in tally_rows()}

    TALLY.recount()

    assert tallied() == kept_in_step


def test_the_tally_counts_the_facts(partnership_of_eight):
    from django.db.models import Q

    from figures.aggregates import DaysBetween, Percentile, percentile_of_counts

    store.refresh_stale()
    stages = dict(
        ReferralTally.objects.filter(measure="stage").values_list("value").annotate(total=Sum("n"))
    )
    assert stages["submitted"] == ReferralFact.objects.count() == 8
    assert stages["accepted"] == ReferralFact.objects.filter(screening_outcome="accepted").count()
    genders = dict(
        ReferralTally.objects.filter(measure="gender").values_list("value").annotate(total=Sum("n"))
    )
    assert genders == {"female": 3, "male": 5}
    # The same percentiles from the tally as PostgreSQL's percentile_cont over the facts.
    days = {
        int(value): n
        for value, n in ReferralTally.objects.filter(measure="days:screening").values_list(
            "value", "n"
        )
    }
    over_facts = ReferralFact.objects.filter(Q(screened_on__isnull=False)).aggregate(
        median=Percentile(DaysBetween("screened_on", "submitted_on"), 0.5),
        p90=Percentile(DaysBetween("screened_on", "submitted_on"), 0.9),
    )
    assert over_facts == {"median": 3.0, "p90": 5.5}
    assert percentile_of_counts(days, 0.5) == over_facts["median"]
    assert percentile_of_counts(days, 0.9) == pytest.approx(over_facts["p90"])


def test_a_change_marks_its_person_stale_only_when_committed_and_a_read_folds_it_in(
    partnership_of_eight, coordinator, no_suppression
):
    r6 = partnership_of_eight.referrals["R6"]
    store.refresh_stale()
    assert store.stale_count() == 0

    marked_inside = None
    try:
        with transaction.atomic():
            referral_screen(actor=coordinator, referral=r6, outcome="declined", note="Gone")
            marked_inside = StaleSubject.objects.filter(person_id=r6.person_id).exists()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert marked_inside  # marked in the change's own transaction...
    assert store.stale_count() == 0  # ...and gone with it when it rolls back

    with transaction.atomic():
        referral_screen(actor=coordinator, referral=r6, outcome="declined", note="Out of area")
    assert list(StaleSubject.objects.values_list("person_id", flat=True)) == [r6.person_id]
    fact = ReferralFact.objects.get(submitted_on=day(partnership_of_eight.second_month, 1))
    assert fact.screening_outcome == "not_yet_screened"  # not folded in yet

    report_for(set_key="funnel", filters=partnership_of_eight.filters)

    assert store.stale_count() == 0
    fact = ReferralFact.objects.get(submitted_on=day(partnership_of_eight.second_month, 1))
    assert fact.screening_outcome == "declined"
    assert fact.screened_on == datetime.date.today()


def test_a_change_of_the_referring_organisations_type_marks_whom_it_referred(
    partnership_of_eight, police
):
    store.refresh_stale()
    Organisation.objects.filter(pk=police.pk).update(name="Durham Police")
    assert store.stale_count() == 0  # only the type is counted

    Organisation.objects.filter(pk=police.pk).update(organisation_type="youth_justice")

    dan = partnership_of_eight.referrals["R4"].person_id
    assert list(StaleSubject.objects.values_list("person_id", flat=True)) == [dan]
    store.refresh_stale()
    assert ReferralFact.objects.get(area="darlington").organisation_type == "youth_justice"


def _people_in_support(n, *, referrer, coordinator, chair, keyworker, intervention):
    people = []
    for _ in range(n):
        referral = submitted_referral(referrer)
        referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")
        case = open_case_for(referral, coordinator=coordinator, chair=chair)
        allocation = allocation_create(
            actor=referrer, case=case, intervention=intervention, request="Mentor"
        )
        allocation_offer(actor=referrer, allocation=allocation)
        allocation_transition(actor=keyworker, allocation=allocation, action="accept")
        allocation_transition(actor=keyworker, allocation=allocation, action="start")
        contact_record(
            actor=keyworker,
            allocation=allocation,
            contact_date=datetime.date.today(),
            contact_type="phone",
            outcome="attended",
        )
        people.append(referral.person_id)
    return people


def _queries_to_build(people) -> int:
    subjects = {person: store.subject_of(person) for person in people}
    with CaptureQueriesContext(connection) as queries:
        replace(people, subjects)
    assert ReferralFact.objects.filter(allocated_on__isnull=False).count() >= len(people)
    return len(queries)


def test_the_builder_makes_the_same_number_of_queries_for_2_people_as_for_20(
    school_caseworker, coordinator, panel_chair, provider_keyworker
):
    everyone = {
        "referrer": school_caseworker,
        "coordinator": coordinator,
        "chair": panel_chair,
        "keyworker": provider_keyworker,
        "intervention": make_intervention(
            provider_keyworker.memberships.get().organisation, capacity=50
        ),
    }
    two = _people_in_support(2, **everyone)
    twenty = two + _people_in_support(18, **everyone)

    queries_for_two = _queries_to_build(two)
    queries_for_twenty = _queries_to_build(twenty)

    # The tally's lock, the old facts' deletion with the tally's subtraction, the referrals,
    # people, returns, decisions, allocations, their history, attended contacts, the COPY of
    # the new facts and the tally's addition.
    assert queries_for_two == queries_for_twenty == 11


def test_no_fact_holds_a_name_date_of_birth_identifier_or_free_text(school_caseworker, coordinator):
    seeded = {
        "given_name": "Zebedee",
        "family_name": "Quillfeather",
        "date_of_birth": datetime.date(2012, 7, 19),
        "nhs_number": "9434765919",
        "police_reference": "DUR-QX-77123",
        "postcode": "DH1 9ZZ",
    }
    person = make_person(school_caseworker, **seeded)
    referral = submitted_referral(
        school_caseworker,
        person=person,
        narrative="Marmalade-orbit narrative about the Quillfeather family",
    )
    referral_screen(
        actor=coordinator,
        referral=referral,
        outcome="declined",
        note="Declined: the Zebedee note",
    )
    store.refresh_stale()

    rows = list(ReferralFact.objects.values_list(*[f.name for f in ReferralFact._meta.fields]))
    assert len(rows) == 1
    written = " ".join(str(value) for value in rows[0]).lower()
    forbidden = [
        "Zebedee", "Quillfeather", "2012-07-19", "19/07/2012", "9434765919", "DUR-QX-77123",
        "DH1 9ZZ", "Marmalade", str(person.pk), str(referral.pk),
        *Referral.objects.filter(pk=referral.pk).values_list("person__family_name_dob_index"),
    ]  # fmt: skip
    for value in forbidden:
        assert str(value).lower() not in written
    assert "DH1" in rows[0]  # the postcode district is allowed


def test_facts_follow_their_filters(partnership_of_eight):
    from figures.facts.referrals import referral_facts

    store.refresh_stale()
    M1, M2 = partnership_of_eight.first_month, partnership_of_eight.second_month
    assert referral_facts(Filters(first_month=M1, last_month=M2)).count() == 8
    assert referral_facts(Filters(first_month=M2, last_month=M2)).count() == 3
    assert referral_facts(Filters(first_month=M1, last_month=M2, area="darlington")).count() == 1
    assert (
        referral_facts(Filters(first_month=M1, last_month=M1, pathway="u18_prevention")).count()
        == 4
    )
