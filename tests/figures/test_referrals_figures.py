"""The referrals figure set: hand-computed answers for the small partnership, the default
rule's suppression, and the guard against subtracting two requests."""

import pytest
from django.core.exceptions import ValidationError

from figures.filters import Filters
from figures.selectors import report_for
from tests.figures.conftest import published, table_of

pytestmark = pytest.mark.django_db


def test_referrals_as_worked_out_by_hand(partnership_of_eight, no_suppression):
    M1, M2 = partnership_of_eight.first_month, partnership_of_eight.second_month
    report = report_for(set_key="referrals", filters=partnership_of_eight.filters)

    # From partnership_of_eight's docstring: M1 holds R1, R2, R3, R5 (prevention) and R4
    # (adult); M2 holds R6, R7, R8 (prevention). Columns: prevention, night-time economy,
    # adults 18 to 35, domestic abuse, all pathways.
    by_month = table_of(report, "by_month")
    assert [c.key for c in by_month.columns] == [
        "u18_prevention", "nte_alcohol", "adult_18_35", "da_knife_repeat", "total",
    ]  # fmt: skip
    assert published(by_month) == {
        f"{M1:%Y-%m}": ["4", "0", "1", "0", "5"],
        f"{M2:%Y-%m}": ["3", "0", "0", "0", "3"],
        "total": ["7", "0", "1", "0", "8"],
    }
    assert by_month.chart.kind == "line"
    assert by_month.chart.series == [
        "u18_prevention",
        "nte_alcohol",
        "adult_18_35",
        "da_knife_repeat",
    ]
    assert [row.label for row in by_month.rows] == [f"{M1:%B %Y}", f"{M2:%B %Y}", "Total"]

    assert published(table_of(report, "by_area")) == {
        "durham": ["7"], "darlington": ["1"], "total": ["8"],
    }  # fmt: skip
    assert published(table_of(report, "by_organisation_type")) == {
        "school": ["7"], "police": ["1"], "health": ["0"], "local_authority": ["0"],
        "youth_justice": ["0"], "probation": ["0"], "housing": ["0"], "voluntary": ["0"],
        "partnership": ["0"], "total": ["8"],
    }  # fmt: skip
    by_age = table_of(report, "by_age_band")
    assert published(by_age) == {
        "under_10": ["0"], "10_to_13": ["0"], "14_to_15": ["7"], "16_to_18": ["0"],
        "19_to_24": ["0"], "25_to_35": ["1"], "36_and_over": ["0"], "total": ["8"],
    }  # fmt: skip
    assert [row.label for row in by_age.rows][2] == "14 to 15"
    # Female: R2, R5, R6; male: R1, R3, R4, R7, R8.
    assert published(table_of(report, "by_gender")) == {
        "female": ["3"], "male": ["5"], "non_binary": ["0"], "other": ["0"],
        "not_known": ["0"], "not_stated": ["0"], "total": ["8"],
    }  # fmt: skip
    assert published(table_of(report, "by_ethnic_group")) == {
        "not_known": ["8"], "total": ["8"],
    }  # fmt: skip
    assert published(table_of(report, "by_disability")) == {"not_known": ["8"], "total": ["8"]}
    # DH7: R3; DL1: R4; DH1: the other six.
    districts = table_of(report, "by_postcode_district")
    assert published(districts) == {"DH1": ["6"], "DH7": ["1"], "DL1": ["1"], "total": ["8"]}
    assert [row.key for row in districts.rows] == ["DH1", "DH7", "DL1", "total"]

    assert report.summary == [
        "8 referrals were submitted in the period.",
        f"Referrals fell from 5 in {M1:%B %Y} to 3 in {M2:%B %Y}.",
        f"The most in a month, 5, were submitted in {M1:%B %Y}.",
    ]


def test_referrals_filtered_by_month_area_and_pathway(partnership_of_eight, no_suppression):
    M1, M2 = partnership_of_eight.first_month, partnership_of_eight.second_month

    darlington = report_for(
        set_key="referrals", filters=Filters(first_month=M1, last_month=M2, area="darlington")
    )
    # Only R4, an adult referral in M1.
    assert published(table_of(darlington, "by_month")) == {
        f"{M1:%Y-%m}": ["0", "0", "1", "0", "1"],
        f"{M2:%Y-%m}": ["0", "0", "0", "0", "0"],
        "total": ["0", "0", "1", "0", "1"],
    }
    assert published(table_of(darlington, "by_area")) == {
        "durham": ["0"], "darlington": ["1"], "total": ["1"],
    }  # fmt: skip

    prevention_m2 = report_for(
        set_key="referrals",
        filters=Filters(first_month=M2, last_month=M2, pathway="u18_prevention"),
    )
    # R6, R7, R8: one column for the pathway chosen, and the total.
    assert published(table_of(prevention_m2, "by_month")) == {
        f"{M2:%Y-%m}": ["3", "3"],
        "total": ["3", "3"],
    }
    assert published(table_of(prevention_m2, "by_gender"))["male"] == ["2"]
    assert prevention_m2.summary == ["3 referrals were submitted in the period."]


def test_the_default_rule_suppresses_small_counts_and_what_would_give_them_away(
    busy_month, first_month
):
    M1 = first_month
    report = report_for(set_key="referrals", filters=Filters(first_month=M1, last_month=M1))

    # Eight prevention and one adult referral: 1 is hidden, so the 8 beside it in its row
    # is hidden too (else 9 - 8 gives it away), and each column total with its one cell;
    # the total of 9 is shown rounded to 10.
    assert published(table_of(report, "by_month")) == {
        f"{M1:%Y-%m}": ["[c]", "0", "[c]", "0", "10"],
        "total": ["[c]", "0", "[c]", "0", "10"],
    }
    # Durham 8 (shown alone it would be 10) hides with Darlington's 1.
    assert published(table_of(report, "by_area")) == {
        "durham": ["[c]"], "darlington": ["[c]"], "total": ["10"],
    }  # fmt: skip
    ages = published(table_of(report, "by_age_band"))
    assert ages["14_to_15"] == ["[c]"]
    assert ages["25_to_35"] == ["[c]"]
    assert ages["under_10"] == ["0"]
    assert report.summary == ["10 referrals were submitted in the period."]


def test_two_requests_a_month_apart_cannot_be_subtracted_to_reveal_a_group_of_3(
    busy_month, first_month, second_month
):
    M1 = first_month
    M2 = second_month

    first_month_only = report_for(
        set_key="referrals", filters=Filters(first_month=M1, last_month=M1)
    )
    assert table_of(first_month_only, "by_month").cell("total", "total").text == "10"

    # Both months would be 12 (shown as 10): less the first month's 9, the second's 3.
    with pytest.raises(ValidationError) as refused:
        report_for(set_key="referrals", filters=Filters(first_month=M1, last_month=M2))
    assert list(refused.value.message_dict) == ["period"]
    assert f"{M2:%B %Y}" in refused.value.message_dict["period"][0]
    assert "Fewer than 8 referrals" in refused.value.message_dict["period"][0]

    # Durham alone in the first month: its complement, Darlington, is a group of 1.
    with pytest.raises(ValidationError) as refused:
        report_for(
            set_key="referrals", filters=Filters(first_month=M1, last_month=M1, area="durham")
        )
    assert list(refused.value.message_dict) == ["area"]
    assert "Darlington" in refused.value.message_dict["area"][0]

    # Prevention alone in the first month: its complement, the adult pathway, is 1.
    with pytest.raises(ValidationError) as refused:
        report_for(
            set_key="referrals",
            filters=Filters(first_month=M1, last_month=M1, pathway="u18_prevention"),
        )
    assert list(refused.value.message_dict) == ["pathway"]


@pytest.mark.parametrize("set_key", ["referrals", "funnel", "timeliness"])
def test_every_set_refuses_a_period_with_a_month_of_fewer_than_8(
    set_key, busy_month, first_month, second_month
):
    assert report_for(
        set_key=set_key, filters=Filters(first_month=first_month, last_month=first_month)
    )
    with pytest.raises(ValidationError) as refused:
        report_for(
            set_key=set_key, filters=Filters(first_month=first_month, last_month=second_month)
        )
    assert list(refused.value.message_dict) == ["period"]
