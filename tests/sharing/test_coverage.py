"""``disclosure_coverage``: a disclosure is covered by an agreement of each party in force
that names the purpose and every category, or else by an IG approval that runs to the day;
when nothing covers it, the reason names the organisation and what is missing."""

import datetime

import pytest
from django.utils import timezone

from partners.models import OrganisationType
from sharing.agreements import disclosure_coverage, outside_agreement_approve
from tests.factories import make_agreement, make_organisation, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def school():
    return make_organisation(name="Riverside Academy", agreement=False)


@pytest.fixture
def charity():
    return make_organisation(
        name="Northern Mentoring Trust",
        organisation_type=OrganisationType.VOLUNTARY,
        agreement=False,
    )


def _cover(school, charity, *, purpose="assessment", categories=("identity",), **kwargs):
    return disclosure_coverage(
        discloser=school,
        recipient=charity,
        purpose=purpose,
        data_categories=categories,
        **kwargs,
    )


def test_agreements_of_both_parties_in_force_cover_it(school, charity):
    ours = make_agreement(school, reference="ISA-1")
    theirs = make_agreement(charity, reference="ISA-2")

    coverage = _cover(school, charity, categories=("identity", "health"))

    assert coverage.covered
    assert bool(coverage)
    assert coverage.agreements == (ours, theirs)
    assert coverage.approval is None
    assert coverage.basis == "ISA-1, ISA-2"
    assert coverage.reason == ""


def test_an_agreement_not_yet_started_does_not_cover_it(school, charity):
    make_agreement(school)
    make_agreement(charity, starts_on=TODAY + DAY, review_on=TODAY + 300 * DAY)

    coverage = _cover(school, charity)

    assert not coverage.covered
    assert coverage.reason.startswith(
        f"Northern Mentoring Trust has no information sharing agreement in force on "
        f"{TODAY.day} {TODAY:%B %Y}"
    )
    # The day it starts, it covers.
    assert _cover(school, charity, on=TODAY + DAY).covered


def test_an_ended_agreement_covers_up_to_its_last_day_only(school, charity):
    make_agreement(charity)
    make_agreement(school, ends_on=TODAY)

    assert _cover(school, charity).covered
    later = _cover(school, charity, on=TODAY + DAY)
    assert not later.covered
    assert "Riverside Academy has no information sharing agreement in force" in later.reason


def test_a_purpose_the_agreement_does_not_name_is_not_covered(school, charity):
    make_agreement(school)
    make_agreement(charity, purposes=["intervention_delivery"])

    coverage = _cover(school, charity, purpose="panel_discussion")

    assert not coverage.covered
    assert coverage.reason == (
        "No agreement of Northern Mentoring Trust in force covers the purpose "
        "“panel discussion”, and no IG approval outside an agreement covers it"
    )


def test_every_category_must_be_named_by_one_agreement(school, charity):
    make_agreement(school)
    make_agreement(charity, reference="ISA-ID", data_categories=["identity"])
    make_agreement(charity, reference="ISA-HEALTH", data_categories=["health"])

    coverage = _cover(school, charity, categories=("identity", "health"))

    # Identity from one agreement and health from another is not what either says.
    assert not coverage.covered
    # The reason names what the nearest agreement (the first, here) lacks.
    assert coverage.reason.startswith(
        "No agreement of Northern Mentoring Trust in force covers health data for assessment"
    )
    assert _cover(school, charity, categories=("health",)).agreements[1].reference == ("ISA-HEALTH")


def test_a_missing_category_is_named(school, charity):
    make_agreement(school, data_categories=["identity", "safeguarding_narrative"])
    make_agreement(charity)

    coverage = _cover(school, charity, categories=("identity", "criminal_offence"))

    assert not coverage.covered
    assert "No agreement of Riverside Academy in force covers criminal offence data for" in (
        coverage.reason
    )


def test_one_party_without_an_agreement_is_not_covered(school, charity):
    make_agreement(school)

    coverage = _cover(school, charity)

    assert not coverage.covered
    assert "Northern Mentoring Trust has no information sharing agreement" in coverage.reason
    assert "Riverside Academy" not in coverage.reason


def test_both_gaps_are_named(school, charity):
    coverage = _cover(school, charity)
    assert "Riverside Academy has no" in coverage.reason
    assert "Northern Mentoring Trust has no" in coverage.reason


@pytest.fixture
def approval_for(ig_officer, school_caseworker):
    def approve(school, charity, *, person=None, categories=("identity", "health"), **kwargs):
        person = person or make_person(school_caseworker)
        fields = {
            "purpose": "assessment",
            "reason": "Urgent safeguarding referral before the agreement is signed",
            "valid_until": TODAY + 7 * DAY,
            **kwargs,
        }
        return outside_agreement_approve(
            actor=ig_officer,
            discloser=school,
            recipient=charity,
            person=person,
            data_categories=list(categories),
            **fields,
        )

    return approve


def test_an_approval_covers_what_no_agreement_does(school, charity, approval_for):
    make_agreement(school)
    approval = approval_for(school, charity)

    coverage = _cover(school, charity, person_id=approval.person_id)

    assert coverage.covered
    assert coverage.approval == approval
    assert coverage.agreements == ()
    assert coverage.basis == f"IG approval {approval.pk}"


def test_an_approval_covers_only_its_person_direction_purpose_and_categories(
    school, charity, approval_for, school_caseworker
):
    approval = approval_for(school, charity, categories=("identity",))
    other = make_person(school_caseworker, given_name="Riley")

    assert not _cover(school, charity, person_id=other.pk).covered
    assert not _cover(charity, school, person_id=approval.person_id).covered
    assert not _cover(
        school, charity, purpose="panel_discussion", person_id=approval.person_id
    ).covered
    assert not _cover(
        school, charity, categories=("identity", "health"), person_id=approval.person_id
    ).covered
    # Without a person, no approval can apply.
    assert not _cover(school, charity).covered


def test_an_expired_approval_covers_nothing(school, charity, approval_for):
    approval = approval_for(school, charity, valid_until=TODAY + DAY)

    assert _cover(school, charity, person_id=approval.person_id, on=TODAY + DAY).covered
    expired = _cover(school, charity, person_id=approval.person_id, on=TODAY + 2 * DAY)
    assert not expired.covered
    assert expired.reason.endswith("and no IG approval outside an agreement covers it")
    # Nor does it reach back before it was given.
    assert not _cover(school, charity, person_id=approval.person_id, on=TODAY - DAY).covered


def test_unknown_codes_are_a_programming_error(school, charity):
    with pytest.raises(ValueError, match="Unknown purpose"):
        _cover(school, charity, purpose="gossip")
    with pytest.raises(ValueError, match="Name the data categories"):
        _cover(school, charity, categories=("shoe_size",))
    with pytest.raises(ValueError, match="Name the data categories"):
        _cover(school, charity, categories=())


def test_it_asks_the_database_at_most_twice(
    school, charity, approval_for, django_assert_max_num_queries
):
    make_agreement(school)
    approval = approval_for(school, charity)
    with django_assert_max_num_queries(2):
        assert _cover(school, charity, person_id=approval.person_id).covered
    make_agreement(charity)
    with django_assert_max_num_queries(1):
        assert _cover(school, charity, person_id=approval.person_id).covered


def test_factories_give_organisations_an_agreement_covering_everything():
    school = make_organisation()
    charity = make_organisation(organisation_type=OrganisationType.VOLUNTARY)
    coverage = _cover(
        school,
        charity,
        purpose="intervention_delivery",
        categories=("identity", "health", "criminal_offence", "safeguarding_narrative"),
    )
    assert coverage.covered
