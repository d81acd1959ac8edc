"""The filters every figure set takes: a period of whole months, an area and a pathway.

Periods snap to whole months (a quarter is three of them): figures for arbitrary days could
be subtracted from one another to find out about a few people. Anything else is refused
with the field and the reason, on the page, the CSV and the API alike.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.models import ReferralArea
from referrals.pathways import Pathway

DEFAULT_MONTHS = 12
LONGEST_PERIOD_MONTHS = 60
# No partnership record is older: a year 0 would not even be a date.
EARLIEST_YEAR = 2000
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(count)]


def this_month() -> date:
    return timezone.localdate().replace(day=1)


@dataclass(frozen=True)
class Filters:
    first_month: date
    last_month: date
    area: str = ""
    pathway: str = ""

    @property
    def months(self) -> list[date]:
        return months_between(self.first_month, self.last_month)

    @property
    def period_end(self) -> date:
        """The first day after the period."""
        return add_months(self.last_month, 1)

    def in_words(self) -> str:
        span = (
            f"{self.first_month:%B %Y}"
            if self.first_month == self.last_month
            else f"{self.first_month:%B %Y} to {self.last_month:%B %Y}"
        )
        where = dict(ReferralArea.choices).get(self.area, "all areas")
        route = dict(Pathway.choices).get(self.pathway, "all pathways")
        return f"{span}, {where}, {route}"

    def narrow(self, rows, *, by_month: bool = True):
        """``rows`` (facts or tallies with ``month``, ``area`` and ``pathway`` columns) of
        these filters: the one place a figure set's filters become a query."""
        if by_month:
            rows = rows.filter(month__gte=self.first_month, month__lte=self.last_month)
        if self.area:
            rows = rows.filter(area=self.area)
        if self.pathway:
            rows = rows.filter(pathway=self.pathway)
        return rows

    def as_query(self) -> dict[str, str]:
        query = {"from": f"{self.first_month:%Y-%m}", "to": f"{self.last_month:%Y-%m}"}
        if self.area:
            query["area"] = self.area
        if self.pathway:
            query["pathway"] = self.pathway
        return query


def default_filters() -> Filters:
    """The last ``DEFAULT_MONTHS`` months, this one included, everywhere."""
    latest = this_month()
    return Filters(first_month=add_months(latest, -(DEFAULT_MONTHS - 1)), last_month=latest)


def _month(value: str, field: str) -> date:
    match = MONTH_PATTERN.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not int(match[1]) >= EARLIEST_YEAR:
        raise ValidationError({field: "Enter a month as year and month, for example 2026-04"})
    return date(int(match[1]), int(match[2]), 1)


def parse_filters(query) -> Filters:
    """``query`` is a mapping of strings (a QueryDict): ``from`` and ``to`` as YYYY-MM, or
    ``quarter`` as YYYY-Qn; ``area``; ``pathway``. Raises ``ValidationError`` by field."""
    errors: dict[str, str] = {}
    latest = this_month()
    first = last = None
    quarter = (query.get("quarter") or "").strip()
    if quarter:
        match = QUARTER_PATTERN.match(quarter)
        if not match or int(match[1]) < EARLIEST_YEAR:
            errors["quarter"] = "Enter a quarter as year and quarter, for example 2026-Q2"
        elif query.get("from") or query.get("to"):
            errors["quarter"] = "Choose a quarter or a range of months, not both"
        else:
            first = date(int(match[1]), 3 * int(match[2]) - 2, 1)
            last = add_months(first, 2)
    else:
        for field in ("from", "to"):
            value = (query.get(field) or "").strip()
            if not value:
                continue
            try:
                parsed = _month(value, field)
            except ValidationError as error:
                errors.update(error.message_dict)
                continue
            if field == "from":
                first = parsed
            else:
                last = parsed
        if last is None and "to" not in errors:
            last = latest
        if first is None and "from" not in errors and last is not None:
            first = add_months(last, -(DEFAULT_MONTHS - 1))
    if first and last and not errors:
        if first > last:
            errors["from"] = "The first month must be on or before the last month"
        elif last > latest:
            errors["to"] = f"The last month cannot be after {latest:%B %Y}"
        elif len(months_between(first, last)) > LONGEST_PERIOD_MONTHS:
            errors["from"] = f"Choose a period of at most {LONGEST_PERIOD_MONTHS} months"
    area = (query.get("area") or "").strip()
    if area and area not in ReferralArea.values:
        errors["area"] = "Choose one of the partnership's areas, or all areas"
    pathway = (query.get("pathway") or "").strip()
    if pathway and pathway not in Pathway.values:
        errors["pathway"] = "Choose one of the four pathways, or all pathways"
    if errors:
        raise ValidationError(errors)
    return Filters(first_month=first, last_month=last, area=area, pathway=pathway)
