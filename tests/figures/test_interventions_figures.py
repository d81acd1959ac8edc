"""The interventions figures for a small partnership built through the services, against
answers worked out by hand; and the default rule's suppression on the same set."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from figures.filters import Filters
from figures.selectors import report_for
from interventions.models import Allocation
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from tests.factories import case_ready_for_delivery, make_intervention, make_person, years_ago
from tests.figures.support import SUPPRESSION_OFF

MARCH = datetime.date(2026, 3, 1)  # 31 days, long past: the place-days below are fixed


def on(day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, 12))


def backdate(allocation, **days) -> None:
    """Move an allocation's life to March 2026: ``days`` maps each status it passed through
    to the day of March it reached it (the services wrote today's date)."""
    for status, day in days.items():
        Allocation.history.filter(id=allocation.pk, status=status).update(history_date=on(day))
    Allocation.objects.filter(pk=allocation.pk).update(
        created_at=on(days["proposed"]), status_changed_at=on(max(days.values()))
    )


def contacts(keyworker, allocation, *outcomes_on_days) -> None:
    for outcome, day in outcomes_on_days:
        contact_record(
            actor=keyworker,
            allocation=allocation,
            contact_date=datetime.date(2026, 3, day),
            contact_type="face_to_face",
            outcome=outcome,
        )


def new_case(referrer, coordinator, chair, family_name):
    person = make_person(referrer, family_name=family_name, date_of_birth=years_ago(14))
    return case_ready_for_delivery(referrer, coordinator, chair, person=person)


def step(actor, allocation, action, reason=""):
    return allocation_transition(actor=actor, allocation=allocation, action=action, reason=reason)


@pytest.fixture
def partnership_in_march(school_caseworker, coordinator, panel_chair, provider_keyworker, charity):
    """Two interventions of the Northern Mentoring Trust, five allocations in March 2026.

    Mentoring (2 places, £24,000 a year):
      A1 proposed and offered 2nd, accepted 3rd, started 4th, completed 21st; contacts:
         attended 3, did not attend 1.
      A2 proposed 5th, offered 6th (and accepted), started 10th, disengaged 20th; contacts:
         attended 1, did not attend 2, cancelled by the person 1.
      A3 proposed 10th, offered 11th, declined 13th.
    Boxing (3 places, no funding recorded):
      A4 proposed and offered 15th, accepted and started 16th, still active; attended 2.
      A5 proposed 20th, withdrawn 25th before any offer (never held a place).
    """
    keyworker, lead = provider_keyworker, school_caseworker
    mentoring = make_intervention(charity, capacity=2, annual_funding=Decimal("24000"))
    boxing = make_intervention(
        charity, name="Boxing club", intervention_type="sport_diversionary", capacity=3
    )
    cases = [new_case(lead, coordinator, panel_chair, f"Family{i}") for i in range(4)]

    def allocate(case, intervention):
        return allocation_create(
            actor=lead, case=case, intervention=intervention, request="Weekly sessions"
        )

    a1 = allocate(cases[0], mentoring)
    allocation_offer(actor=lead, allocation=a1)
    step(keyworker, a1, "accept")
    step(keyworker, a1, "start")
    contacts(keyworker, a1, ("attended", 5), ("attended", 12), ("did_not_attend", 14))
    contacts(keyworker, a1, ("attended", 19))
    step(keyworker, a1, "complete")
    backdate(a1, proposed=2, offered=2, accepted=3, active=4, completed=21)

    a2 = allocate(cases[1], mentoring)
    allocation_offer(actor=lead, allocation=a2)
    step(keyworker, a2, "accept")
    step(keyworker, a2, "start")
    contacts(
        keyworker,
        a2,
        ("attended", 10),
        ("did_not_attend", 13),
        ("cancelled_by_person", 15),
        ("did_not_attend", 17),
    )
    step(keyworker, a2, "disengage", reason="Stopped coming")
    backdate(a2, proposed=5, offered=6, accepted=6, active=10, disengaged=20)

    a3 = allocate(cases[2], mentoring)
    allocation_offer(actor=lead, allocation=a3)
    step(keyworker, a3, "decline", reason="Not interested")
    backdate(a3, proposed=10, offered=11, declined=13)

    a4 = allocate(cases[3], boxing)
    allocation_offer(actor=lead, allocation=a4)
    step(keyworker, a4, "accept")
    step(keyworker, a4, "start")
    contacts(keyworker, a4, ("attended", 17), ("attended", 24))
    backdate(a4, proposed=15, offered=15, accepted=16, active=16)

    a5 = allocate(cases[2], boxing)
    step(lead, a5, "withdraw", reason="Moved away")
    backdate(a5, proposed=20, withdrawn=25)
    return mentoring, boxing


def texts(table, row) -> dict[str, str]:
    return {c.key: cell.text for c, cell in zip(table.columns, row.cells, strict=True)}


def march(**filters) -> Filters:
    return Filters(first_month=MARCH, last_month=MARCH, **filters)


@pytest.mark.django_db
class TestInterventionsFigures:
    def test_figures_equal_the_hand_worked_answers(self, settings, partnership_in_march):
        settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
        mentoring, boxing = partnership_in_march
        report = report_for(set_key="interventions", filters=march())
        table = report.tables[0]
        row = {r.key: texts(table, r) for r in table.rows}
        labels = [r.label for r in table.rows]
        # Rows by provider then name; names are the catalogue's (not personal data).
        assert labels == [
            "Boxing club (Northern Mentoring Trust)",
            "Mentoring for young people (Northern Mentoring Trust)",
            "All interventions",
        ]
        # Mentoring: 3 allocations (A1-A3), 2 started (A1, A2), 1 completed (A1):
        #   completion 1/2 = 50.0%, disengagement 1/2 = 50.0%;
        #   did not attend 3 of 3 + 4 (A1: 3 attended 1 missed; A2: 1 attended 2 missed; the
        #   cancelled contact is neither) = 3/7 = 42.857 -> 42.9%;
        #   place-days in March: A1 2nd-21st = 19, A2 6th-20th = 14, A3 11th-13th = 2; 35/31
        #   = 1.129 places -> 1.1; against 2 places 56.45 -> 56.5%;
        #   completed in March: A1; cost £24,000 x 1/12 / 1 = £2,000.
        assert row[str(mentoring.pk)] == {
            "allocations": "3",
            "started": "2",
            "completed": "1",
            "completion_rate": "50.0%",
            "disengagement_rate": "50.0%",
            "did_not_attend_rate": "42.9%",
            "places_in_use": "1.1",
            "capacity": "2",
            "places_used": "56.5%",
            "completions_in_period": "1",
            "cost_per_completion": "£2,000",
        }
        # Boxing: 2 allocations (A4, A5), 1 started, none completed: 0/1 = 0.0% each way;
        #   2 attended, none missed: 0.0%; A4 holds a place from its offer on the 15th to the
        #   end of March, 15th to 31st = 17 days; 17/31 = 0.548 -> 0.5; against 3: 18.28 -> 18.3%;
        #   no funding recorded: cost not available.
        assert row[str(boxing.pk)] == {
            "allocations": "2",
            "started": "1",
            "completed": "0",
            "completion_rate": "0.0%",
            "disengagement_rate": "0.0%",
            "did_not_attend_rate": "0.0%",
            "places_in_use": "0.5",
            "capacity": "3",
            "places_used": "18.3%",
            "completions_in_period": "0",
            "cost_per_completion": "[x]",
        }
        # All: 5 allocations, 3 started, 1 completed: 33.3% completed, 33.3% disengaged;
        #   3 missed of 9 = 33.3%; (35 + 17)/31 = 1.677 -> 1.7 places of 5 = 33.5%;
        #   funded interventions' cost: £2,000 for 1 completion.
        assert row["total"] == {
            "allocations": "5",
            "started": "3",
            "completed": "1",
            "completion_rate": "33.3%",
            "disengagement_rate": "33.3%",
            "did_not_attend_rate": "33.3%",
            "places_in_use": "1.7",
            "capacity": "5",
            "places_used": "33.5%",
            "completions_in_period": "1",
            "cost_per_completion": "£2,000",
        }
        assert table.chart.series == ["allocations"]
        assert report.summary[0] == "5 allocations were made (March 2026, all areas, all pathways)."
        assert "33.3% were completed" in report.summary[1]
        assert (
            "Mentoring for young people (Northern Mentoring Trust)'s, at 50.0%"
            in (report.summary[2])
        )

    def test_cost_is_pro_rated_to_the_months_of_the_period(self, settings, partnership_in_march):
        settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
        mentoring, _ = partnership_in_march
        # January to March: £24,000 x 3/12 = £6,000 for A1's one completion.
        report = report_for(
            set_key="interventions",
            filters=Filters(first_month=datetime.date(2026, 1, 1), last_month=MARCH),
        )
        assert report.tables[0].cell(str(mentoring.pk), "cost_per_completion").text == "£6,000"

    def test_capacity_and_cost_are_for_the_whole_partnership_only(
        self, settings, partnership_in_march
    ):
        settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
        mentoring, _ = partnership_in_march
        table = report_for(set_key="interventions", filters=march(area="durham")).tables[0]
        assert table.cell(str(mentoring.pk), "allocations").text == "3"
        assert table.cell(str(mentoring.pk), "places_used").text == "[x]"
        assert table.cell(str(mentoring.pk), "cost_per_completion").text == "[x]"

    def test_the_default_rule_refuses_a_month_with_too_few_allocations(self, partnership_in_march):
        with pytest.raises(ValidationError) as refused:
            report_for(set_key="interventions", filters=march())
        assert "Fewer than 8 allocations in March 2026" in refused.value.message_dict["period"][0]


@pytest.mark.django_db
def test_the_default_rule_suppresses_small_counts_and_rates_over_them(
    school_caseworker, coordinator, panel_chair, provider_keyworker, charity
):
    """Eight allocations to one intervention in March, three of them started, one with
    contacts: 8 is shown as 10; 3 started and the completion rate over them are [c]; the
    did-not-attend rate over one allocation's contacts is [c]; 0 completions stay 0."""
    mentoring = make_intervention(charity, capacity=8, annual_funding=Decimal("12000"))
    lead, keyworker = school_caseworker, provider_keyworker
    for i in range(8):
        case = new_case(lead, coordinator, panel_chair, f"Default{i}")
        allocation = allocation_create(
            actor=lead, case=case, intervention=mentoring, request="Weekly sessions"
        )
        days = {"proposed": 2}
        if i < 3:
            allocation_offer(actor=lead, allocation=allocation)
            step(keyworker, allocation, "accept")
            step(keyworker, allocation, "start")
            days |= {"offered": 3, "accepted": 4, "active": 5}
            if i == 0:
                contacts(keyworker, allocation, ("attended", 6), ("did_not_attend", 7))
        backdate(allocation, **days)
    table = report_for(set_key="interventions", filters=march()).tables[0]
    cells = texts(table, table.rows[0])
    assert cells["allocations"] == "10"
    assert cells["started"] == "[c]"
    assert cells["completed"] == "0"
    assert cells["completion_rate"] == "[c]"
    assert cells["disengagement_rate"] == "[c]"
    assert cells["did_not_attend_rate"] == "[c]"
    # Three places held: too few people for an average.
    assert cells["places_in_use"] == "[c]"
    assert cells["places_used"] == "[c]"
    # No completions in March: no cost per completion to give.
    assert cells["cost_per_completion"] == "[x]"
    total = texts(table, table.rows[-1])
    assert (total["allocations"], total["started"]) == ("10", "[c]")
