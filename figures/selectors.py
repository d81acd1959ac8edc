"""Reading figures: every read folds in stale facts first, then builds the set's report
(from the read replica, when one is configured and the fold wrote nothing: core.replicas)."""

from dataclasses import replace

from django.http import Http404

from core.replicas import reading_from_replica
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
    # Folding in writes, on the primary; a read that folded anything in then reads the
    # primary too (core.replicas: a request sees its own writes), one that folded nothing
    # may read the replica, as of its replay point.
    store.refresh_stale(limit=store.READ_FOLD_LIMIT)
    with reading_from_replica():
        report = chosen.build(filters=filters, rule=current_rule())
        waiting = store.stale_count()
    if waiting:
        note = (
            f"Recent changes to {waiting:,} people's records are still being counted: these "
            "figures will include them within minutes."
        )
        report = replace(report, notes=[note, *report.notes])
    return report
