"""Every role, signed in, follows every link on every page it can reach: none may lead to a
page its viewer is refused (403), that does not exist (404) or that fails (500), and no page
shows a raw code where people expect words."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.apps import apps

from audit.services import break_glass
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from referrals.services import referral_screen
from tests.factories import (
    accepted_referral,
    case_ready_for_delivery,
    make_intervention,
    make_referral,
    panel_meeting,
    submitted_referral,
)

pytestmark = pytest.mark.django_db

# A crawl that has not finished by then has found an unbounded set of addresses, which is
# itself a fault worth seeing.
PAGE_LIMIT = 400
NOT_PAGES = ("/assets/", "/static/", "/api/schema/", "/api/docs/")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def raw_codes() -> set[str]:
    """Every stored code of every choice in the project's models that people would not
    say: ``u18_prevention``, ``criminal_exploitation``, ``accepted_for_panel``."""
    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in {
            "partners",
            "referrals",
            "cases",
            "interventions",
            "audit",
        }:
            continue
        for field in model._meta.get_fields():
            field = getattr(field, "base_field", field)
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value and value != label:
                    codes.add(value)
    return codes


def crawl(client, start="/"):
    """Breadth first over same-site links; returns {address: (status, referrer)} and the
    raw codes seen in each page's visible text."""
    codes = raw_codes()
    code_pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(codes))) + r")\b")
    seen = {start: None}
    queue = [start]
    results, shown_codes = {}, {}
    while queue:
        assert len(results) < PAGE_LIMIT, f"more than {PAGE_LIMIT} pages: {sorted(results)}"
        address = queue.pop(0)
        response = client.get(address)
        results[address] = (response.status_code, seen[address])
        found = []
        if response.status_code in (301, 302):
            found = [response["Location"]]
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = Links()
            parser.feed(response.content.decode())
            found = parser.hrefs
            codes_here = sorted(set(code_pattern.findall(" ".join(parser.text))))
            if codes_here:
                shown_codes[address] = codes_here
        for href in found:
            target = urldefrag(urljoin(address, href)).url
            parts = urlsplit(target)
            if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local.startswith(NOT_PAGES) or local in seen:
                continue
            seen[local] = address
            queue.append(local)
    return results, shown_codes


@pytest.fixture
def partnership_at_work(
    school_caseworker, police_officer, coordinator, panel_chair, panel_member, provider_keyworker
):
    """A little of everything: referrals in each state, a meeting with its agenda, an open
    case with an allocation in delivery, and a flag for IG to review."""
    make_referral(school_caseworker)
    submitted_referral(police_officer)
    returned = submitted_referral(school_caseworker)
    referral_screen(
        actor=coordinator, referral=returned, outcome="returned", questions="Which year group?"
    )
    accepted_referral(school_caseworker, coordinator)
    panel_meeting(coordinator, panel_chair, members=[panel_member], start=False)
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    provider = provider_keyworker.memberships.get().organisation
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(provider),
        request="Weekly mentoring",
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
    contact_record(
        actor=provider_keyworker,
        allocation=allocation,
        contact_date=datetime.date.today(),
        contact_type="face_to_face",
        outcome="attended",
    )
    break_glass(
        actor=police_officer,
        person=case.person,
        reason="Knife incident overnight, checking for safeguarding",
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
def test_every_link_a_role_is_offered_leads_somewhere_it_may_go(
    client, request, partnership_at_work, role
):
    client.force_login(request.getfixturevalue(role))
    results, _ = crawl(client)
    broken = {
        address: f"{status} (linked from {linked_from})"
        for address, (status, linked_from) in results.items()
        if status >= 400
    }
    assert broken == {}
    # Everyone can reach more than their home page: the crawl really walked.
    assert len(results) >= 2, results


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_shows_words_not_codes(
    client, request, partnership_at_work, role
):
    client.force_login(request.getfixturevalue(role))
    results, shown_codes = crawl(client)
    assert len(results) >= 2, results
    assert shown_codes == {}


def test_the_raw_codes_the_crawl_looks_for_include_the_ones_people_met():
    codes = raw_codes()
    assert {"u18_prevention", "criminal_exploitation", "accepted_for_panel"} <= codes
    # And a code shown in a page's text is caught; one inside an attribute is not text.
    parser = Links()
    parser.feed('<p>Pathway: u18_prevention</p><input value="nte_alcohol">')
    assert "u18_prevention" in " ".join(parser.text)
    assert "nte_alcohol" not in " ".join(parser.text)
