"""Every role, signed in, follows every link on every page it can reach: none may lead to a
page its viewer is refused (403), that does not exist (404) or that fails (500), and no page
shows a raw code where people expect words."""

import pytest

from tests.factories import partnership_at_work_with
from tests.support import Links, code_finder, crawl, raw_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership_at_work(
    school_caseworker, police_officer, coordinator, panel_chair, panel_member, provider_keyworker
):
    partnership_at_work_with(
        referrer=school_caseworker,
        other_referrer=police_officer,
        coordinator=coordinator,
        chair=panel_chair,
        member=panel_member,
        keyworker=provider_keyworker,
    )


ROLES = [
    "school_caseworker",
    "police_officer",
    "coordinator",
    "panel_chair",
    "panel_member",
    "provider_keyworker",
    "ig_officer",
    "analyst",
    "admin_user",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_is_offered_leads_somewhere_it_may_go_and_shows_words_not_codes(
    client, request, partnership_at_work, role
):
    """One walk a role asks both questions of (a walk is the test's whole cost)."""
    client.force_login(request.getfixturevalue(role))
    results, shown_codes = crawl(client)
    broken = {
        address: f"{status} (linked from {linked_from})"
        for address, (status, linked_from, _) in results.items()
        if status >= 400
    }
    assert {"broken links": broken, "codes shown": shown_codes} == {
        "broken links": {},
        "codes shown": {},
    }
    # Everyone can reach more than their home page: the crawl really walked.
    assert len(results) >= 2, results


def test_the_raw_codes_the_crawl_looks_for_include_the_ones_people_met():
    codes = raw_codes()
    assert {"u18_prevention", "criminal_exploitation", "accepted_for_panel"} <= codes
    # And a code shown in a page's text is caught; one inside an attribute is not text.
    parser = Links()
    parser.feed('<p>Pathway: u18_prevention</p><input value="nte_alcohol">')
    text = " ".join(parser.text)
    assert "nte_alcohol" not in text
    found = code_finder().findall(text + " Purposes: Paneldiscussion, Prevention and early")
    assert found == ["u18_prevention", "Paneldiscussion"]
