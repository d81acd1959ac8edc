"""Reading figures is one operation whichever way they are delivered (page, CSV or API):
the reader's permission is asked, the filters are checked, and the reading is audited."""

from audit.models import EventKind
from audit.recorder import build_event, emit
from figures.filters import parse_filters
from figures.permissions import require
from figures.report import Report
from figures.selectors import report_for

DELIVERED_AS = ("page", "csv", "api")


def figures_read(*, actor, set_key: str, query, delivered_as: str) -> Report:
    """The report of one figure set for ``query`` (a mapping of filter strings).

    Raises ``PermissionDenied`` for someone who may not see figures, ``Http404`` for an
    unknown set and ``ValidationError`` by field for filters that are wrong or that could
    reveal a small group. A CSV is a download, so it is recorded as an export."""
    if delivered_as not in DELIVERED_AS:
        raise ValueError(f"figures are delivered as one of {DELIVERED_AS}")
    require(actor, "figures.view")
    filters = parse_filters(query)
    report = report_for(set_key=set_key, filters=filters)
    emit(
        [
            build_event(
                kind=EventKind.EXPORT if delivered_as == "csv" else EventKind.ACCESS,
                user=actor,
                action="download_figures" if delivered_as == "csv" else "view_figures",
                object_type="figures",
                object_id=set_key,
                details={"filters": filters.as_query(), "delivered_as": delivered_as},
            )
        ]
    )
    return report
