"""The case page: a summary, the chronology, and links to each operation the viewer may
take (each on its own page), composed with the sections other apps register
(``cases.extensions``). Another app that needs the page re-shown with some state calls
``render_case_page``, so no app imports ``cases.views``."""

from django.shortcuts import render

from cases.extensions import case_sections
from cases.permissions import offered
from cases.selectors import (
    capacities_held,
    case_timeline,
    notes_of_case,
    prevention_transition_due,
    risk_reviews_of_case,
    shares_of_case,
)

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
    try:
        page_number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page_number = 1
    timeline = case_timeline(
        case, offset=(page_number - 1) * TIMELINE_PAGE_SIZE, limit=TIMELINE_PAGE_SIZE + 1
    )
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
        "timeline": timeline[:TIMELINE_PAGE_SIZE],
        "page_number": page_number,
        "has_next": len(timeline) > TIMELINE_PAGE_SIZE,
        "shares": shares_of_case(case),
        "notes": notes_of_case(case)[:50],
        "reviews": risk_reviews_of_case(case)[:10],
        "sections": sections,
        "turned_19_on": prevention_transition_due(case),
    }
    context.update(state)
    return context


def render_case_page(request, case, *, status: int = 200, **state):
    return render(
        request, "cases/case.html", case_page_context(request, case, **state), status=status
    )
