"""The Serious Violence Duty's area measures: importing them from a CSV file, and reading
them back.

These are published aggregate statistics (hospital admissions for assault with a sharp
object, police-recorded knife crime, homicides, the strategic needs assessment's costs),
not personal data: they are stored and shown as published, never suppressed.

An import is all or nothing: every row is checked first, and any bad row refuses the whole
file with each problem named by its row and column (rows numbered as a spreadsheet shows
them, the column headings being row 1), so a file is never half imported. A row for a
measure, area and period already held replaces it, and the change is kept in its history.
"""

import csv
import datetime
import io
import re
from calendar import monthrange
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import EventKind
from audit.recorder import build_event
from core.history import with_history
from figures.models import AreaMeasure, MeasureArea, MeasureKind
from figures.models.area_measures import DEFAULT_UNITS
from figures.permissions import require

FIELD = "csv_file"
MAX_BYTES = 1_000_000
MAX_ROWS = 5000
MAX_ERRORS = 20
LONGEST_PERIOD_MONTHS = 120


@dataclass(frozen=True)
class CsvColumn:
    name: str
    required: bool
    description: str
    example: str


COLUMNS = (
    CsvColumn(
        "measure",
        True,
        "Which measure: "
        + "; ".join(f"{m.value} ({m.label})" for m in MeasureKind)
        + ". The words of a measure are accepted too.",
        "sharp_object_admissions",
    ),
    CsvColumn(
        "other_name",
        False,
        "The measure's name when the measure is other; leave empty otherwise.",
        "",
    ),
    CsvColumn(
        "area",
        True,
        "Where it was counted: "
        + "; ".join(f"{a.value} ({a.label})" for a in MeasureArea)
        + ". partnership is accepted for countywide.",
        "durham",
    ),
    CsvColumn(
        "period_start",
        True,
        "The first month counted, as year and month (2023-04), or that month's first day "
        "(2023-04-01).",
        "2023-04",
    ),
    CsvColumn(
        "period_end",
        True,
        "The last month counted, as year and month (2024-03), or that month's last day "
        "(2024-03-31). A year's figure spans 12 months.",
        "2024-03",
    ),
    CsvColumn(
        "value",
        True,
        "The figure, as a number (commas and a £ sign are allowed; at most 2 decimal places).",
        "120",
    ),
    CsvColumn(
        "unit",
        False,
        "What the figure counts (admissions, offences, £). Leave empty for the measure's own.",
        "admissions",
    ),
    CsvColumn(
        "source",
        True,
        "Where the figure was published: the report, its publisher and edition.",
        "Durham and Darlington Serious Violence Strategic Needs Assessment 2024",
    ),
    CsvColumn(
        "source_date",
        True,
        "When the source was published, as a date (2024-01-31) or month (2024-01).",
        "2024-01-31",
    ),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
AREA_ALIASES = {"partnership": MeasureArea.COUNTYWIDE, "partnership-wide": MeasureArea.COUNTYWIDE}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    replaced: int


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def template_csv() -> str:
    """A CSV with the columns' headings and one example row, to fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow([c.example for c in COLUMNS])
    return out.getvalue()


def _choice(raw: str, choices, column: str, aliases=None):
    text = raw.strip()
    by_words = {str(label).lower(): value for value, label in choices.choices}
    found = (
        text
        if text in choices.values
        else by_words.get(text.lower()) or (aliases or {}).get(text.lower())
    )
    if not found:
        listed = ", ".join(choices.values)
        shown = f'"{text}"' if text else "Nothing"
        raise RowError(
            column, f"{shown} is not one of the {column}s this service knows: use {listed}"
        )
    return found


def _month_start(raw: str, column: str) -> datetime.date:
    text = raw.strip()
    if match := MONTH.match(text):
        year, month, day = int(match[1]), int(match[2]), 1
    elif match := DAY.match(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise RowError(column, "Enter a month as year and month, for example 2023-04")
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        raise RowError(column, f'"{text}" is not a real date') from None
    if day != 1:
        raise RowError(
            column,
            f"Not a whole month: a period starts on the first day of a month "
            f"(give {year}-{month:02d} or {year}-{month:02d}-01)",
        )
    return parsed


def _month_end(raw: str, column: str) -> datetime.date:
    text = raw.strip()
    if match := MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise RowError(column, f'"{text}" is not a real month')
        return datetime.date(year, month, monthrange(year, month)[1])
    if match := DAY.match(text):
        try:
            parsed = datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise RowError(column, f'"{text}" is not a real date') from None
        last = monthrange(parsed.year, parsed.month)[1]
        if parsed.day != last:
            raise RowError(
                column,
                f"Not a whole month: a period ends on the last day of a month "
                f"(give {parsed:%Y-%m} or {parsed:%Y-%m}-{last})",
            )
        return parsed
    raise RowError(column, "Enter a month as year and month, for example 2024-03")


def _value(raw: str) -> Decimal:
    text = raw.strip().replace(",", "").removeprefix("£").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        shown = f'"{raw.strip()}"' if raw.strip() else "Nothing"
        raise RowError(
            "value", f"{shown} is not a number: enter one, for example 1250 or 131000000"
        ) from None
    if not value.is_finite():
        raise RowError("value", "Enter a number, for example 1250")
    if value < 0:
        raise RowError("value", "A measure cannot be negative")
    if value.as_tuple().exponent < -2:
        raise RowError("value", "Give the figure to at most 2 decimal places")
    if abs(value) >= Decimal(10) ** 14:
        raise RowError("value", "The figure is too large")
    return value


def _text(raw: str, column: str, *, required: bool) -> str:
    text = " ".join(raw.split())
    limit = AreaMeasure._meta.get_field(column).max_length
    if required and not text:
        raise RowError(column, f"Enter the {column.replace('_', ' ')}")
    if len(text) > limit:
        raise RowError(column, f"Must be {limit} characters or fewer")
    return text


def _source_date(raw: str) -> datetime.date:
    text = raw.strip()
    month, day = MONTH.match(text), DAY.match(text)
    try:
        if month:
            parsed = datetime.date(int(month[1]), int(month[2]), 1)
        elif day:
            parsed = datetime.date(int(day[1]), int(day[2]), int(day[3]))
        else:
            raise ValueError(text)
    except ValueError:
        raise RowError(
            "source_date", "Enter the date the source was published, for example 2024-01-31"
        ) from None
    if parsed > timezone.localdate():
        raise RowError("source_date", "The source's date cannot be in the future")
    return parsed


def _row(raw: dict) -> dict:
    """One row's fields, or ``RowError`` naming the first bad column."""
    measure = _choice(raw["measure"], MeasureKind, "measure")
    other_name = _text(raw.get("other_name") or "", "other_name", required=False)
    if measure == MeasureKind.OTHER and not other_name:
        raise RowError("other_name", "Name the measure when the measure is other")
    if measure != MeasureKind.OTHER and other_name:
        raise RowError("other_name", "Leave other_name empty unless the measure is other")
    area = _choice(raw["area"], MeasureArea, "area", AREA_ALIASES)
    period_start = _month_start(raw["period_start"], "period_start")
    period_end = _month_end(raw["period_end"], "period_end")
    if period_end < period_start:
        raise RowError("period_end", "The last month must be on or after the first month")
    months = (period_end.year - period_start.year) * 12 + period_end.month - period_start.month + 1
    if months > LONGEST_PERIOD_MONTHS:
        raise RowError("period_end", f"A period spans at most {LONGEST_PERIOD_MONTHS} months")
    value = _value(raw["value"])
    unit = _text(raw.get("unit") or "", "unit", required=False) or DEFAULT_UNITS.get(measure, "")
    if not unit:
        raise RowError("unit", "Say what the figure counts when the measure is other")
    return {
        "measure": measure,
        "other_name": other_name,
        "area": area,
        "period_start": period_start,
        "period_end": period_end,
        "value": value,
        "unit": unit,
        "source": _text(raw["source"], "source", required=True),
        "source_date": _source_date(raw["source_date"]),
    }


def _file_error(message: str) -> ValidationError:
    return ValidationError({FIELD: ValidationError(message, code="invalid")})


def _read(csv_file) -> list[dict]:
    """Every row checked; all the problems (the first ``MAX_ERRORS``) in one refusal."""
    data = csv_file.read(MAX_BYTES + 1)
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        raise _file_error(f"The file must be smaller than {MAX_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error("The file must be a CSV file saved as UTF-8") from None
    if not text.strip():
        raise _file_error("The selected file is empty")
    reader = csv.DictReader(io.StringIO(text))
    headings = [(h or "").strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = headings
    missing = [c.name for c in COLUMNS if c.required and c.name not in headings]
    if missing:
        raise ValidationError(
            {
                FIELD: [
                    ValidationError(
                        f"Row 1, column {name}: the column is missing from the headings",
                        code="missing_column",
                    )
                    for name in missing
                ]
            }
        )
    errors: list[ValidationError] = []
    rows: list[dict] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise _file_error(f"The file has more than {MAX_ROWS} rows")
        if not any((v or "").strip() for k, v in raw.items() if k is not None):
            continue  # a blank line
        if None in raw:
            errors.append(
                ValidationError(
                    f"Row {number}: more values than there are columns", code="invalid_row"
                )
            )
            continue
        raw = {k: v or "" for k, v in raw.items()}
        try:
            row = _row(raw)
        except RowError as error:
            errors.append(
                ValidationError(
                    f"Row {number}, column {error.column}: {error.message}", code="invalid_row"
                )
            )
        else:
            key = _key(row)
            if key in seen:
                errors.append(
                    ValidationError(
                        f"Row {number}: the same measure, area and period as row {seen[key]}",
                        code="duplicate_row",
                    )
                )
            seen.setdefault(key, number)
            rows.append(row)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ValidationError({FIELD: errors})
    if not rows:
        raise _file_error("The file has no rows of figures under its headings")
    return rows


def _key(row: dict) -> tuple:
    return (row["measure"], row["other_name"], row["area"], row["period_start"], row["period_end"])


@transaction.atomic
def area_measures_import(*, actor, csv_file) -> ImportResult:
    """Import a CSV of area measures (``COLUMNS``): all rows or none."""
    require(actor, "figures.measures_import")
    rows = _read(csv_file)
    now = timezone.now()
    created = replaced = 0
    for row in rows:
        measure, other_name, area, start, end = _key(row)
        existing = (
            AreaMeasure.objects.select_for_update()
            .filter(
                measure=measure,
                other_name=other_name,
                area=area,
                period_start=start,
                period_end=end,
            )
            .first()
        )
        record = existing or AreaMeasure()
        for name, value in row.items():
            setattr(record, name, value)
        record.imported_by = actor
        record.imported_at = now
        reason = "Replaced by a later import" if existing else "Imported"
        with_history(record, actor=actor, reason=reason).save()
        if existing:
            replaced += 1
        else:
            created += 1
    # In the chain with the change: who imported how many figures (no person is involved).
    build_event(
        kind=EventKind.GOVERNANCE,
        user=actor,
        action="import_area_measures",
        object_type="area_measure",
        details={"rows": len(rows), "created": created, "replaced": replaced},
    ).save()
    return ImportResult(rows=len(rows), created=created, replaced=replaced)


def area_measures_for_list():
    return AreaMeasure.objects.select_related("imported_by").order_by(
        "measure", "other_name", "area", "period_start"
    )
