"""The case page: a summary, the chronology, and links to each operation the viewer may
take (each on its own page), composed with the sections other apps register
(``cases.extensions``). Another app that needs the page re-shown with some state calls
``render_case_page``, so no app imports ``cases.views``."""

from django.shortcuts import render

from cases.extensions import case_sections
from cases.permissions import offered
from cases.selectors import (
    capacities_held,
    case_timeline_page,
    notes_of_case,
    prevention_transition_due,
    shares_read_onto,
)
from core.pagination import CURSOR_PARAM, InvalidCursor

TIMELINE_PAGE_SIZE = 20
CASE_OPERATIONS = (
    "case.share",
    "case.unshare",
    "case.review",
    "case.note",
    "case.close",
    "case.reopen",
)


def case_page_context(request, case, **state) -> dict:
    """The case page's variables; ``state`` (a section's failed form, or ``problem``) is
    handed to every registered section. The page links to each operation's own page, as
    ``offered`` says (allowed to this viewer, and open in the case's status)."""
    timeline = _timeline_page(request, case)
    # Before the sections: the viewer's capacities ask which of them are current.
    shares = shares_read_onto(case)
    sections = []
    with capacities_held():
        for section in case_sections():
            variables = section.context(request, case, state)
            sections.append(
                {
                    "template": section.template,
                    "closure_template": section.closure_template,
                    **variables,
                }
            )
        allowed = offered(request.user, case, CASE_OPERATIONS)
    context = {
        "case": case,
        "allowed": allowed,
        "timeline": timeline,
        "shares": shares,
        "notes": notes_of_case(case)[:50],
        "sections": sections,
        "turned_19_on": prevention_transition_due(case),
    }
    context.update(state)
    return context


def _timeline_page(request, case):
    """The chronology's page, from the request's ``cursor`` as the API's (one query however
    far back). It goes forward only: the "Older" link carries the next cursor and "Newer"
    goes back to the newest entries. A damaged cursor shows the newest entries, as a list
    page does (``core.pagination.paginate``)."""
    cursor = request.GET.get(CURSOR_PARAM) or None
    try:
        page = case_timeline_page(case, cursor=cursor, page_size=TIMELINE_PAGE_SIZE)
    except InvalidCursor:
        cursor = None
        page = case_timeline_page(case, cursor=None, page_size=TIMELINE_PAGE_SIZE)
    older = ""
    if page.next_cursor:
        params = request.GET.copy()
        params[CURSOR_PARAM] = page.next_cursor
        older = params.urlencode()
    return {"entries": page.items, "older_query": older, "from_newest": cursor is None}


def render_case_page(request, case, *, status: int = 200, **state):
    return render(
        request, "cases/case.html", case_page_context(request, case, **state), status=status
    )
