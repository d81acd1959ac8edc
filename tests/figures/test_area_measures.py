"""Importing the Serious Violence Duty's area measures from a CSV file: all rows or none,
each problem named by row and column, audited, and refused to everyone but analysts and
administrators; the duty figure set shows what was imported, as published."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent, EventKind
from figures.filters import Filters
from figures.measures import area_measures_import, template_csv
from figures.models import AreaMeasure
from figures.selectors import report_for

pytestmark = pytest.mark.django_db

HEADINGS = "measure,other_name,area,period_start,period_end,value,unit,source,source_date"
SNA = "Durham and Darlington Serious Violence Strategic Needs Assessment 2024"
GOOD = f"""{HEADINGS}
annual_cost,,countywide,2022-04,2023-03,"£131,000,000",,{SNA},2024-01-31
cost_per_resident,,countywide,2022-04-01,2023-03-31,208,,{SNA},2024-01-31
Homicides,,durham,2022-04,2023-03,3,,{SNA},2024-01
other,Under-18s cautioned for knife possession,darlington,2022-04,2023-03,41,cautions,{SNA},2024-01
"""


def upload(text: str, name="measures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def imports(actor, text):
    return area_measures_import(actor=actor, csv_file=upload(text))


def problems(raised) -> list[str]:
    return raised.value.message_dict["csv_file"]


class TestImport:
    def test_a_good_file_is_stored_with_its_source_and_audited(self, analyst):
        result = imports(analyst, GOOD)
        assert (result.rows, result.created, result.replaced) == (4, 4, 0)
        cost = AreaMeasure.objects.get(measure="annual_cost")
        assert cost.value == Decimal("131000000")
        assert (cost.area, cost.unit, cost.source) == ("countywide", "£", SNA)
        assert (cost.period_start, cost.period_end) == (
            datetime.date(2022, 4, 1),
            datetime.date(2023, 3, 31),
        )
        assert cost.months == 12
        assert cost.source_date == datetime.date(2024, 1, 31)
        assert cost.imported_by == analyst
        homicides = AreaMeasure.objects.get(measure="homicides")
        assert (homicides.value, homicides.unit) == (Decimal(3), "homicides")
        assert homicides.source_date == datetime.date(2024, 1, 1)
        other = AreaMeasure.objects.get(measure="other")
        assert other.name == "Under-18s cautioned for knife possession"
        event = AuditEvent.objects.get(kind=EventKind.GOVERNANCE, action="import_area_measures")
        assert event.user == analyst
        assert event.person_id is None
        assert event.details == {"rows": 4, "created": 4, "replaced": 0}

    def test_a_row_for_a_period_already_held_replaces_it_and_keeps_the_history(
        self, analyst, admin_user
    ):
        imports(analyst, GOOD)
        result = imports(
            admin_user,
            f"{HEADINGS}\nhomicides,,durham,2022-04,2023-03,4,,{SNA} (revised),2024-03-01\n",
        )
        assert (result.created, result.replaced) == (0, 1)
        homicides = AreaMeasure.objects.get(measure="homicides")
        assert homicides.value == 4
        assert homicides.imported_by == admin_user
        assert [h.value for h in homicides.history.order_by("history_date")] == [3, 4]
        assert AreaMeasure.objects.count() == 4

    @pytest.mark.parametrize(
        ("row", "expected"),
        [
            (
                f"knife_attacks,,durham,2022-04,2023-03,12,,{SNA},2024-01-31",
                'Row 3, column measure: "knife_attacks" is not one of the measures',
            ),
            (
                f"homicides,,durham,2022-04,2023-03,twelve,,{SNA},2024-01-31",
                'Row 3, column value: "twelve" is not a number',
            ),
            (
                f"homicides,,durham,2022-04-15,2023-03,12,,{SNA},2024-01-31",
                "Row 3, column period_start: Not a whole month",
            ),
            (
                f"homicides,,durham,2022-04,2023-03-30,12,,{SNA},2024-01-31",
                "Row 3, column period_end: Not a whole month",
            ),
            (
                f"homicides,,durham,2022-04,2023-03,12,,{SNA},31/01/2024",
                "Row 3, column source_date: Enter the date the source was published",
            ),
            (
                f"homicides,,sunderland,2022-04,2023-03,12,,{SNA},2024-01-31",
                'Row 3, column area: "sunderland" is not one of the areas',
            ),
            (
                "homicides,,durham,2022-04,2023-03,12,,,2024-01-31",
                "Row 3, column source: Enter the source",
            ),
            (
                f"other,,durham,2022-04,2023-03,12,,{SNA},2024-01-31",
                "Row 3, column other_name: Name the measure",
            ),
        ],
    )
    def test_a_bad_row_names_its_row_and_column_and_nothing_is_written(
        self, analyst, row, expected
    ):
        good_row = f"annual_cost,,countywide,2022-04,2023-03,131000000,,{SNA},2024-01-31"
        with pytest.raises(ValidationError) as refused:
            imports(analyst, f"{HEADINGS}\n{good_row}\n{row}\n")
        assert any(p.startswith(expected) for p in problems(refused)), problems(refused)
        assert AreaMeasure.objects.count() == 0
        assert not AuditEvent.objects.filter(action="import_area_measures").exists()

    def test_a_missing_column_is_named(self, analyst):
        headings = HEADINGS.replace(",value", "")
        with pytest.raises(ValidationError) as refused:
            imports(analyst, f"{headings}\nhomicides,,durham,2022-04,2023-03,,{SNA},2024-01-31\n")
        assert problems(refused) == ["Row 1, column value: the column is missing from the headings"]
        assert AreaMeasure.objects.count() == 0

    def test_every_bad_row_is_listed_and_a_repeated_row_is_refused(self, analyst):
        row = f"homicides,,durham,2022-04,2023-03,3,,{SNA},2024-01-31"
        with pytest.raises(ValidationError) as refused:
            imports(
                analyst,
                f"{HEADINGS}\n{row}\n{row}\nhomicides,,durham,2022-04,2023-03,x,,s,2024-01-31\n",
            )
        assert problems(refused) == [
            "Row 3: the same measure, area and period as row 2",
            'Row 4, column value: "x" is not a number: enter one, for example 1250 or 131000000',
        ]

    def test_an_empty_or_non_utf8_file_is_refused(self, analyst):
        with pytest.raises(ValidationError) as empty:
            imports(analyst, "")
        assert problems(empty) == ["The selected file is empty"]
        with pytest.raises(ValidationError) as latin:
            area_measures_import(
                actor=analyst, csv_file=SimpleUploadedFile("m.csv", "£131m".encode("latin-1"))
            )
        assert problems(latin) == ["The file must be a CSV file saved as UTF-8"]

    def test_the_template_is_a_file_the_import_accepts(self, analyst):
        assert imports(analyst, template_csv()).created == 1

    @pytest.mark.parametrize("who", ["school_caseworker", "coordinator", "provider_keyworker"])
    def test_only_analysts_and_administrators_import(self, request, who):
        with pytest.raises(PermissionDenied):
            imports(request.getfixturevalue(who), GOOD)
        assert AreaMeasure.objects.count() == 0


class TestPages:
    def test_the_analyst_uploads_a_file_and_sees_the_measures(self, client, analyst):
        client.force_login(analyst)
        form = client.get("/figures/measures/import/")
        assert form.status_code == 200
        page = form.content.decode()
        assert 'enctype="multipart/form-data"' in page
        assert "period_start" in page
        assert "Download a template CSV file" in page
        response = client.post("/figures/measures/import/", {"csv_file": upload(GOOD)})
        assert response.status_code == 302
        assert AreaMeasure.objects.count() == 4
        listed = client.get(response["Location"]).content.decode()
        assert "Annual cost of serious violence (£)" in listed
        assert "131,000,000" in listed
        assert "Imported 4 figures: 4 new, 0 replaced" in listed

    def test_a_bad_file_is_shown_in_an_error_summary_and_nothing_is_written(
        self, client, admin_user
    ):
        client.force_login(admin_user)
        bad = f"{HEADINGS}\nhomicides,,durham,2022-04,2023-03,lots,,{SNA},2024-01-31\n"
        response = client.post("/figures/measures/import/", {"csv_file": upload(bad)})
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Row 2, column value" in page
        assert 'href="#id_csv_file"' in page
        assert AreaMeasure.objects.count() == 0

    def test_no_file_is_asked_for_by_name(self, client, analyst):
        client.force_login(analyst)
        response = client.post("/figures/measures/import/", {})
        assert response.status_code == 400
        assert "Select a CSV file" in response.content.decode()

    def test_the_template_downloads(self, client, analyst):
        client.force_login(analyst)
        response = client.get("/figures/measures/template.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.decode().startswith(HEADINGS)

    @pytest.mark.parametrize("who", ["school_caseworker", "coordinator", "provider_keyworker"])
    def test_the_import_pages_are_refused_to_others(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get("/figures/measures/import/").status_code == 403
        assert client.get("/figures/measures/template.csv").status_code == 403
        posted = client.post("/figures/measures/import/", {"csv_file": upload(GOOD)})
        assert posted.status_code == 403
        assert AreaMeasure.objects.count() == 0

    def test_figure_readers_see_the_list_and_others_do_not(
        self, client, coordinator, school_caseworker
    ):
        client.force_login(coordinator)
        page = client.get("/figures/measures/")
        assert page.status_code == 200
        assert "Import measures from a CSV file" not in page.content.decode()
        client.force_login(school_caseworker)
        assert client.get("/figures/measures/").status_code == 403


class TestApi:
    URL = "/api/v1/figures/measures/"

    def test_an_analyst_imports_and_lists_through_the_api(self, api, analyst):
        client = api(analyst)
        response = client.post(self.URL, {"csv_file": upload(GOOD)}, format="multipart")
        assert response.status_code == 201, response.json()
        assert response.json() == {"rows": 4, "created": 4, "replaced": 0}
        listed = client.get(self.URL).json()
        assert listed["count"] == 4
        cost = next(m for m in listed["results"] if m["measure"] == "annual_cost")
        assert (cost["value"], cost["source"], cost["area_label"]) == (
            "131000000.00",
            SNA,
            "County Durham and Darlington (whole partnership)",
        )

    def test_a_bad_row_is_a_400_naming_row_and_column(self, api, admin_user):
        bad = f"{HEADINGS}\nhomicides,,durham,2022-04-02,2023-03,3,,{SNA},2024-01-31\n"
        response = api(admin_user).post(self.URL, {"csv_file": upload(bad)}, format="multipart")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["attr"] == "csv_file"
        assert error["detail"].startswith("Row 2, column period_start: Not a whole month")
        assert AreaMeasure.objects.count() == 0

    def test_a_missing_file_is_a_400(self, api, analyst):
        response = api(analyst).post(self.URL, {}, format="multipart")
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "csv_file"

    @pytest.mark.parametrize("who", ["school_caseworker", "coordinator", "provider_keyworker"])
    def test_others_are_refused(self, api, request, who):
        response = api(request.getfixturevalue(who)).post(
            self.URL, {"csv_file": upload(GOOD)}, format="multipart"
        )
        assert response.status_code == 403
        assert AreaMeasure.objects.count() == 0


class TestDutySet:
    FILTERS = Filters(first_month=datetime.date(2022, 1, 1), last_month=datetime.date(2023, 12, 1))

    def test_the_duty_set_shows_the_imported_values_as_published(self, analyst):
        imports(
            analyst,
            GOOD
            + f"homicides,,durham,2021-04,2022-03,5,,{SNA},2024-01-31\n"
            + f"homicides,,durham,2023-04,2024-03,2,,{SNA},2024-01-31\n",
        )
        report = report_for(set_key="duty", filters=self.FILTERS)
        measures = next(t for t in report.tables if t.key == "measures")
        assert [row.label for row in measures.rows] == [
            "April 2021 to March 2022",
            "April 2022 to March 2023",
            "April 2023 to March 2024",
        ]
        labels = {c.key: c.label for c in measures.columns}
        cost = next(k for k, label in labels.items() if label.startswith("Annual cost"))
        homicides = next(k for k, label in labels.items() if label.startswith("Homicides"))
        # Published statistics: 3 and 2 homicides are shown as they are, not suppressed.
        assert measures.cell("2022-04_2023-03", cost).text == "£131,000,000"
        assert measures.cell("2022-04_2023-03", homicides).text == "3"
        assert measures.cell("2023-04_2024-03", homicides).value == 2
        assert measures.cell("2021-04_2022-03", cost).status == "not_available"
        assert any(SNA in note for note in measures.notes)
        assert any("not suppressed" in note for note in measures.notes)
        assert (
            "Homicides (County Durham): 5 in April 2021 to March 2022, 2 in April 2023 to "
            "March 2024." in report.summary
        )

    def test_an_area_filter_shows_that_area_s_measures_only(self, analyst):
        imports(analyst, GOOD)
        report = report_for(
            set_key="duty",
            filters=Filters(
                first_month=datetime.date(2022, 4, 1),
                last_month=datetime.date(2023, 3, 1),
                area="darlington",
            ),
        )
        measures = next(t for t in report.tables if t.key == "measures")
        assert [c.label for c in measures.columns] == ["Under-18s cautioned for knife possession"]

    def test_a_period_no_measure_covers_says_which_is_latest(self, analyst):
        imports(analyst, GOOD)
        report = report_for(
            set_key="duty",
            filters=Filters(
                first_month=datetime.date(2024, 1, 1), last_month=datetime.date(2024, 6, 1)
            ),
        )
        assert "the latest covers April 2022 to March 2023" in " ".join(report.summary)


def test_seed_demo_imports_the_demo_measures_once(monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    # 2 strategic needs assessment costs, then 5 years of admissions and knife crime in
    # each of 2 areas and of homicides partnership-wide: 2 + 5 * (2 + 2 + 1).
    assert AreaMeasure.objects.count() == 27
    assert AreaMeasure.objects.get(measure="cost_per_resident").value == 208
    assert AreaMeasure.objects.get(measure="annual_cost").value == 131_000_000
    assert {m.imported_by.username for m in AreaMeasure.objects.all()} == {"analyst"}
    illustrative = AreaMeasure.objects.filter(measure__in=["homicides", "knife_crime"])
    assert all(m.source.startswith("Illustrative demo figure") for m in illustrative)
    assert AuditEvent.objects.filter(action="import_area_measures").count() == 1


class TestDutyReferrals:
    """Beside the measures, the referrals submitted each month, read from the referral
    tally the referrals set reads, and suppressed like every count of records."""

    @pytest.fixture
    def this_month(self):
        from figures.filters import this_month

        return Filters(first_month=this_month(), last_month=this_month())

    def test_submitted_referrals_are_counted_and_drafts_are_not(
        self, school_caseworker, settings, this_month
    ):
        from tests.factories import make_referral, submitted_referral

        settings.FIGURES_SUPPRESSION = {"LOW": 1, "HIGH": 0, "ROUND_TO": 1, "MIN_GROUP": 1}
        submitted_referral(school_caseworker)
        submitted_referral(school_caseworker, area="darlington")
        make_referral(school_caseworker)  # a draft is not counted
        report = report_for(set_key="duty", filters=this_month)
        referrals = next(t for t in report.tables if t.key == "referrals")
        assert referrals.cell("total", "referrals").value == 2
        assert "The partnership received 2 referrals in the period." in report.summary

    def test_eight_referrals_are_shown_as_ten_and_a_small_group_is_refused(
        self, school_caseworker, settings, this_month
    ):
        from tests.factories import submitted_referral

        for _ in range(8):
            submitted_referral(school_caseworker)
        report = report_for(set_key="duty", filters=this_month)
        referrals = next(t for t in report.tables if t.key == "referrals")
        assert referrals.cell("total", "referrals").text == "10"
        durham = Filters(
            first_month=this_month.first_month, last_month=this_month.last_month, area="durham"
        )
        assert report_for(set_key="duty", filters=durham)
        submitted_referral(school_caseworker, area="darlington")
        with pytest.raises(ValidationError) as refused:
            report_for(
                set_key="duty",
                filters=Filters(
                    first_month=this_month.first_month,
                    last_month=this_month.last_month,
                    area="darlington",
                ),
            )
        assert "referrals" in refused.value.message_dict["area"][0]


def test_the_import_reads_as_a_sentence_in_the_audit_trail(analyst):
    from audit.describe import describe

    imports(analyst, GOOD)
    event = AuditEvent.objects.get(action="import_area_measures")
    assert describe(event) == f"{analyst} imported Serious Violence Duty area measures"
