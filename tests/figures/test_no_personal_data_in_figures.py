"""No figure, fact, CSV or API answer carries a name, date of birth, identifier or free
text: distinctive values are seeded into every kind of record, then every output of every
figure set, and every fact row, is searched for them."""

import datetime

import pytest
from django.db.models import Q

from cases.models import Case
from figures import store
from figures.report import figure_sets
from interventions.models import Allocation
from referrals.models import Person, Referral
from tests.factories import (
    make_person,
    partnership_at_work_with,
    submitted_referral,
)
from tests.figures.support import SUPPRESSION_OFF

pytestmark = pytest.mark.django_db

GIVEN_NAME = "Quillonetta"
FAMILY_NAME = "Zephyrwhistle"
DATE_OF_BIRTH = datetime.date(2009, 7, 23)
NHS_NUMBER = "9434765919"
POLICE_REFERENCE = "DUR/77/51731"
POSTCODE = "DH7 9ZQ"
NARRATIVE = "Marmalade-kestrel incident behind the old viaduct"
PLACE = "Quarrington Hill allotments"


@pytest.fixture
def seeded(
    school_caseworker, police_officer, coordinator, panel_chair, panel_member, provider_keyworker
):
    case = partnership_at_work_with(
        referrer=school_caseworker,
        other_referrer=police_officer,
        coordinator=coordinator,
        chair=panel_chair,
        member=panel_member,
        keyworker=provider_keyworker,
    )
    person = make_person(
        police_officer,
        given_name=GIVEN_NAME,
        family_name=FAMILY_NAME,
        date_of_birth=DATE_OF_BIRTH,
        nhs_number=NHS_NUMBER,
        police_reference=POLICE_REFERENCE,
        postcode=POSTCODE,
    )
    submitted_referral(police_officer, person=person, narrative=NARRATIVE, incident_place=PLACE)
    return case


def _forbidden_values() -> list[str]:
    values = [
        GIVEN_NAME,
        FAMILY_NAME,
        DATE_OF_BIRTH.isoformat(),
        DATE_OF_BIRTH.strftime("%-d %B %Y"),
        DATE_OF_BIRTH.strftime("%d/%m/%Y"),
        NHS_NUMBER,
        POLICE_REFERENCE,
        POSTCODE,
        POSTCODE.replace(" ", ""),
        NARRATIVE,
        PLACE,
        "Jordan",  # the builders' default person
        "Fletcher",
    ]
    # Every record's own id, and every person's pseudonym in the store.
    for model in (Person, Referral, Case):
        values += [str(pk) for pk in model.objects.values_list("pk", flat=True)]
    values += [store.subject_of(pk) for pk in Person.objects.values_list("pk", flat=True)]
    return values


def _found_in(text: str, values: list[str]) -> list[str]:
    return [value for value in values if value.lower() in text.lower()]


def test_the_seeded_values_are_really_in_the_records(seeded):
    # Otherwise the searches below would prove nothing.
    seeded_person = next(p for p in Person.objects.all() if p.family_name == FAMILY_NAME)
    assert (seeded_person.nhs_number, seeded_person.postcode) == (NHS_NUMBER, POSTCODE)
    assert seeded_person.referrals.get().narrative == NARRATIVE
    assert Referral.objects.filter(~Q(status="draft")).count() >= 4
    assert Allocation.objects.exists()


def test_no_fact_row_holds_a_name_date_of_birth_identifier_or_free_text(seeded):
    store.refresh_stale()
    values = _forbidden_values()
    builders = store.builders()
    assert builders, "the store has fact builders"
    rows = 0
    for builder in builders:
        for row in builder.model.objects.values():
            rows += 1
            row.pop("subject")  # the pseudonym, in its own column and nowhere else
            assert _found_in(" ".join(str(v) for v in row.values()), values) == [], builder.name
    assert rows > 0


@pytest.mark.parametrize("set_key", [s.key for s in figure_sets()])
def test_no_page_csv_or_api_answer_holds_one(client, settings, analyst, seeded, set_key):
    settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
    client.force_login(analyst)
    values = _forbidden_values()
    for address in (
        f"/figures/{set_key}/",
        f"/figures/{set_key}/download.csv",
        f"/api/v1/figures/{set_key}/",
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert _found_in(response.content.decode(), values) == [], address
