"""No two answers can be subtracted to reveal a small group.

Every answer is a sum of elementary groups: the people of one month, area and pathway. Two
answers whose filters differ can be subtracted, and what remains is a sum of elementary
groups within the months asked about, at the grain of the filters used (month alone when
neither area nor pathway is chosen; month and area when an area is; month, area and pathway
when both are). So a request is answered only when every such group within its months, in
every area and pathway (not just the ones chosen, since their complements are what a
subtraction isolates), holds none or at least the minimum group size. Counts are also rounded
to 5 and small ones suppressed (``figures.suppression``); this guard is the part that stops
a reader subtracting one request from another.

The refusal names the month and the filter, which says no more than a suppressed cell does
(that the group holds from 1 to the minimum less one).
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum

from figures.filters import Filters
from figures.suppression import Rule
from referrals.models import ReferralArea
from referrals.pathways import Pathway


def require_no_small_groups(
    *, filters: Filters, facts, rule: Rule, counted: str, weight: str | None = None
) -> None:
    """``facts`` is a queryset with ``month``, ``area`` and ``pathway`` columns: one row per
    counted unit, or, with ``weight``, rows already tallied whose ``weight`` column says how
    many units each stands for. ``counted`` names the units in words, for the refusal."""
    grain = ["month"]
    if filters.area:
        grain.append("area")
    if filters.pathway:
        grain.append("pathway")
    small = (
        facts.filter(month__gte=filters.first_month, month__lte=filters.last_month)
        .values(*grain)
        .annotate(n=Sum(weight) if weight else Count("*"))
        .filter(n__gt=0, n__lt=max(rule.min_group, rule.high + 1))
        .order_by(*grain)
        .first()
    )
    if small is None:
        return
    where = []
    if "area" in small:
        where.append(f"in {ReferralArea(small['area']).label}")
    if "pathway" in small:
        where.append(f"on the {Pathway(small['pathway']).label.lower()} pathway")
    group = " ".join([f"{small['month']:%B %Y}", *where])
    field = "pathway" if filters.pathway else "area" if filters.area else "period"
    advice = {
        "period": "Choose a period without that month.",
        "area": "Choose all areas, or a period without that month.",
        "pathway": "Choose all pathways, or a period without that month.",
    }[field]
    raise ValidationError(
        {
            field: (
                f"Fewer than {max(rule.min_group, rule.high + 1)} {counted} in {group}, so "
                f"figures for these filters could be compared with others to reveal them. "
                f"{advice}"
            )
        }
    )
