"""Reading figures: every read folds in stale facts first, then builds the set's report."""

from django.http import Http404

from figures import store
from figures.filters import Filters
from figures.report import Report, figure_set
from figures.suppression import current_rule


def report_for(*, set_key: str, filters: Filters) -> Report:
    """The report of one figure set; raises ``Http404`` for an unknown set and
    ``ValidationError`` (by field) for filters that could reveal a small group."""
    chosen = figure_set(set_key)
    if chosen is None:
        raise Http404("No such figure set")
    store.refresh_stale()
    return chosen.build(filters=filters, rule=current_rule())
