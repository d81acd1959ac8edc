"""The lawful sharing figures for a small partnership built by hand through the services,
compared with answers worked out by hand from the sharing rules (``sharing.rules``)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent, EventKind
from cases.services import case_share
from figures import store
from figures.facts.sharing import GATEWAYS, replace
from figures.filters import Filters, add_months, this_month
from figures.models import SharingFact
from figures.selectors import report_for
from interventions.services import allocation_create, allocation_offer
from referrals.consent import (
    consent_record,
    consent_withdraw,
    lawful_basis_decide,
    lawful_basis_record,
)
from tests.factories import (
    agree_to_take_part,
    make_intervention,
    make_organisation,
    make_person,
    opened_case,
    submitted_referral,
    victims_marac_referral,
    years_ago,
)

pytestmark = pytest.mark.django_db

OFF = {"LOW": 1, "HIGH": 0, "ROUND_TO": 1, "MIN_GROUP": 1}
ADULT = {"pathway": "adult_18_35", "risk_factors": ["knife_carrying"]}
DISTINCTIVE = {
    "given_name": "Zebedee",
    "family_name": "Quillfeather",
    "nhs_number": "9434765919",
}
JUSTIFICATION = "Safeguarding concern: the child is at risk of exploitation and harm now."


def gateway(title: str) -> str:
    """A gateway's row key, found by its title in the rule table."""
    return next(key for key, g in GATEWAYS.items() if g.title == title)


PUBLIC_TASK = gateway("Public task")
SVD_PUBLIC_TASK = gateway(
    "Public task: the specified authorities' duty to prevent and reduce serious violence"
)
STATUTORY = gateway("Statutory and government purposes")
POLICE_LE = gateway("Police processing for the prevention and detection of criminal offences")
S16 = gateway("Serious Violence Duty information gateway")


def month_only(**kwargs):
    return Filters(first_month=this_month(), last_month=this_month(), **kwargs)


def sharing(filters=None):
    return report_for(set_key="sharing", filters=filters or month_only())


def table(report, key):
    return next(t for t in report.tables if t.key == key)


def value(report, table_key, row, column):
    return table(report, table_key).cell(row, column).value


@pytest.fixture
def partnership_sharing(
    police_officer, coordinator, panel_chair, school, charity, school_caseworker, settings
):
    """The police share an adult's case with a school and offer a provider an intervention;
    a child's parent refuses one purpose and withdraws another, on which lawful bases are
    recorded; a Darlington parent refuses panel discussion; a victim is referred to MARAC."""
    settings.FIGURES_SUPPRESSION = OFF
    adult = make_person(police_officer, date_of_birth=years_ago(25, days=-30), **DISTINCTIVE)
    case = opened_case(police_officer, coordinator, panel_chair, person=adult, **ADULT)
    case_share(actor=police_officer, case=case, organisation=school, purpose="information_sharing")
    agree_to_take_part(police_officer, case.referrals.get())
    intervention = make_intervention(
        charity, pathways=["adult_18_35"], min_age=18, max_age=35, name="Adult mentoring"
    )
    allocation = allocation_create(
        actor=police_officer, case=case, intervention=intervention, request="Mentoring"
    )
    allocation_offer(actor=police_officer, allocation=allocation)

    child = submitted_referral(
        school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
    )
    today = datetime.date.today()
    consent_record(
        actor=school_caseworker,
        referral=child,
        purposes=["assessment"],
        given_by="parent_or_guardian",
        decision="refused",
        decided_on=today,
        giver_name="Alex Fletcher",
    )
    consent_withdraw(
        actor=school_caseworker,
        referral=child,
        purposes=["information_sharing"],
        given_by="parent_or_guardian",
        reason="Telephoned the school",
    )
    approved = lawful_basis_record(
        actor=school_caseworker,
        referral=child,
        purpose="information_sharing",
        ground="child-safeguarding",
        justification=JUSTIFICATION,
    )
    lawful_basis_decide(actor=coordinator, lawful_basis=approved, approve=True)
    lawful_basis_record(
        actor=school_caseworker,
        referral=child,
        purpose="assessment",
        ground="svd-s16",
        justification=JUSTIFICATION,
    )

    darlington = submitted_referral(
        school_caseworker,
        person=make_person(school_caseworker, date_of_birth=years_ago(15)),
        area="darlington",
    )
    consent_record(
        actor=school_caseworker,
        referral=darlington,
        purposes=["panel_discussion"],
        given_by="parent_or_guardian",
        decision="refused",
        decided_on=today,
        giver_name="Alex Fletcher",
    )
    victims_marac_referral(police_officer)
    return case


def test_the_ledger_holds_the_disclosures_the_figures_are_worked_out_from(
    partnership_sharing, police, school, charity
):
    """What the hand computation below starts from: four disclosures in the ledger. Opening
    the case shares it with its lead organisation, the police, for information sharing (the
    panel's local authority to a chief officer of police: s.16 again)."""
    ledger = AuditEvent.objects.filter(kind=EventKind.DISCLOSURE, action="disclose")
    assert sorted((e.recipient_organisation_id, e.object_type, e.basis) for e in ledger) == sorted(
        [
            (police.pk, "case", "svd-s16"),
            (school.pk, "case", "svd-s16"),
            (charity.pk, "case", "intervention-delivery"),
            (charity.pk, "allocation", "intervention-delivery"),
        ]
    )


def test_disclosures_by_rule_purpose_and_recipient_match_the_hand_count(partnership_sharing):
    report = sharing()
    # The case opened is shared with the police who lead it, and the police share it with
    # the school: both information sharing under the Serious Violence Duty gateway (between
    # persons named in s.16(2)). The offer gives the provider the allocation and the case
    # for delivery (s.13): two disclosures.
    assert value(report, "rules", "svd-s16", "information_sharing") == 2
    assert value(report, "rules", "svd-s16", "total") == 2
    assert value(report, "rules", "intervention-delivery", "intervention_delivery") == 2
    assert value(report, "rules", "child-safeguarding", "total") == 0
    assert value(report, "rules", "total", "total") == 4
    assert value(report, "recipients", "police", "disclosures") == 1
    assert value(report, "recipients", "school", "disclosures") == 1
    assert value(report, "recipients", "voluntary", "disclosures") == 2
    assert value(report, "recipients", "health", "disclosures") == 0
    labels = [row.label for row in table(report, "rules").rows]
    assert "Serious Violence Duty gateway (PCSC Act 2022 s.16)" in labels
    assert not {"svd-s16", "intervention-delivery"} & set(labels)


def test_disclosures_by_gateway_count_each_layer_relied_on(partnership_sharing):
    report = sharing()
    # Article 6: public task for the two s.16 shares; the s.13 public task for both
    # delivery disclosures. Article 10: the adult's referral carries criminal offence data
    # (knife carrying), so both s.16 shares and the case given to the provider rely on
    # Schedule 1 paragraph 6; the allocation carries identity only. Part 3: the police are
    # party to all four. The power: s.16 for the two shares (delivery relies on none).
    assert value(report, "gateways", PUBLIC_TASK, "disclosures") == 2
    assert value(report, "gateways", SVD_PUBLIC_TASK, "disclosures") == 2
    assert value(report, "gateways", "article_6-total", "disclosures") == 4
    assert value(report, "gateways", STATUTORY, "disclosures") == 3
    assert value(report, "gateways", "article_9-total", "disclosures") == 0
    assert value(report, "gateways", POLICE_LE, "disclosures") == 4
    assert value(report, "gateways", S16, "disclosures") == 2
    gateways = table(report, "gateways")
    assert any("Courts Act 2022 s.16(1)" in note for note in gateways.notes)
    assert not any(row.label.startswith(("article_", "power:")) for row in gateways.rows)


def test_lawful_bases_consent_and_marac_match_the_hand_count(partnership_sharing):
    report = sharing()
    assert value(report, "lawful_bases", "child-safeguarding", "approved") == 1
    assert value(report, "lawful_bases", "svd-s16", "pending") == 1
    assert value(report, "lawful_bases", "total", "total") == 2
    # Refused: the child's assessment (Durham) and panel discussion (Darlington); withdrawn:
    # the child's information sharing.
    assert value(report, "consent", "assessment", "refused") == 1
    assert value(report, "consent", "panel_discussion", "refused") == 1
    assert value(report, "consent", "information_sharing", "withdrawn") == 1
    assert value(report, "consent", "total", "total") == 3
    month = f"{this_month():%Y-%m}"
    assert value(report, "marac", month, "flagged") == 1
    assert value(report, "marac", month, "referred") == 1
    assert value(report, "marac", month, "repeat") == 0
    assert "Consent was refused 2 times and withdrawn 1 times." in report.summary


def test_area_pathway_and_period_filters_narrow_the_count(partnership_sharing):
    darlington = sharing(month_only(area="darlington"))
    assert value(darlington, "consent", "total", "total") == 1
    assert value(darlington, "rules", "total", "total") == 0
    adults = sharing(month_only(pathway="adult_18_35"))
    assert value(adults, "rules", "total", "total") == 4
    assert value(adults, "consent", "total", "total") == 0
    last_month = add_months(this_month(), -1)
    earlier = sharing(Filters(first_month=last_month, last_month=last_month))
    assert value(earlier, "rules", "total", "total") == 0


def test_the_default_rule_suppresses_small_counts_and_refuses_small_groups(
    partnership_sharing, settings
):
    settings.FIGURES_SUPPRESSION = {"LOW": 1, "HIGH": 7, "ROUND_TO": 5, "MIN_GROUP": 1}
    report = sharing()
    assert table(report, "rules").cell("total", "total").text == "[c]"
    assert table(report, "consent").cell("assessment", "refused").suppressed
    assert report.summary[0].startswith("Partners made a small number of disclosures (suppressed)")

    settings.FIGURES_SUPPRESSION = {"LOW": 1, "HIGH": 7, "ROUND_TO": 5, "MIN_GROUP": 8}
    # Eleven sharing records this month in all, but one only in Darlington: Darlington's
    # figures could be subtracted from the whole partnership's to reveal it.
    assert sharing().key == "sharing"
    with pytest.raises(ValidationError) as refused:
        sharing(month_only(area="darlington"))
    assert "sharing records" in refused.value.message_dict["area"][0]


def test_eight_disclosures_are_shown_as_ten(partnership_sharing, police_officer, settings):
    """Four more information sharing disclosures (eight in all): 8 is shown as 10."""
    case = partnership_sharing
    for n in range(4):
        other_school = make_organisation(name=f"School {n}")
        case_share(
            actor=police_officer,
            case=case,
            organisation=other_school,
            purpose="information_sharing",
        )
    settings.FIGURES_SUPPRESSION = {"LOW": 1, "HIGH": 7, "ROUND_TO": 5, "MIN_GROUP": 8}
    report = sharing()
    assert table(report, "rules").cell("total", "total").text == "10"
    assert table(report, "rules").cell("total", "total").value == 10


def _facts() -> list[tuple]:
    fields = [f.name for f in SharingFact._meta.fields if f.name != "id"]
    return sorted(tuple(str(v) for v in row) for row in SharingFact.objects.values_list(*fields))


def test_a_rebuild_equals_the_incrementally_folded_store(partnership_sharing):
    store.refresh_stale()
    folded = _facts()
    assert len(folded) == 4 + 2 + 3 + 2  # disclosures, lawful bases, consents, MARAC
    store.rebuild()
    assert _facts() == folded


def test_no_fact_holds_a_name_identifier_or_free_text(partnership_sharing):
    store.refresh_stale()
    person = partnership_sharing.person
    forbidden = [
        DISTINCTIVE["given_name"],
        DISTINCTIVE["family_name"],
        DISTINCTIVE["nhs_number"],
        str(person.pk),
        str(partnership_sharing.pk),
        JUSTIFICATION,
        "Telephoned the school",
        "Alex Fletcher",
        str(person.date_of_birth),
    ]
    rows = [str(row) for row in SharingFact.objects.values_list()]
    assert rows
    for row in rows:
        for value_ in forbidden:
            assert value_ not in row


def _people_with_sharing(n, *, police_officer, school_caseworker):
    people = []
    for _ in range(n):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        consent_record(
            actor=school_caseworker,
            referral=referral,
            purposes=["assessment"],
            given_by="parent_or_guardian",
            decision="refused",
            decided_on=datetime.date.today(),
            giver_name="Alex Fletcher",
        )
        lawful_basis_record(
            actor=school_caseworker,
            referral=referral,
            purpose="assessment",
            ground="child-safeguarding",
            justification=JUSTIFICATION,
        )
        people.append(referral.person_id)
    marac = victims_marac_referral(police_officer)
    people.append(marac.person_id)
    return people


def test_the_builder_makes_the_same_number_of_queries_for_2_and_20_people(
    partnership_sharing, police_officer, school_caseworker, django_assert_num_queries
):
    few = [
        partnership_sharing.person_id,
        *_people_with_sharing(
            1, police_officer=police_officer, school_caseworker=school_caseworker
        ),
    ]
    many = [
        partnership_sharing.person_id,
        *_people_with_sharing(
            19, police_officer=police_officer, school_caseworker=school_caseworker
        ),
    ]
    counts = []
    for ids in (few, many):
        subjects = {pk: store.subject_of(pk) for pk in ids}
        with CaptureQueriesContext(connection) as captured:
            replace(ids, subjects)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        replace(many, {pk: store.subject_of(pk) for pk in many})
