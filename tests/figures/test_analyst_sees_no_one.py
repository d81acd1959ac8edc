"""An analyst sees figures and nothing else: every address about a person, referral, case,
allocation, panel meeting or audit record is a 404 for them, on the pages and the API, as
if the record did not exist (the authorization matrix's rule for records one may not see)."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.models import ReviewFlag
from cases.models import PanelMeeting
from interventions.models import Allocation
from tests.factories import partnership_at_work_with

pytestmark = pytest.mark.django_db

# The route parameters that name a record about someone, and the namespaces holding them.
RECORD_NAMESPACES = ("referrals", "cases", "interventions", "audit", "api", "sharing")


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern)


@pytest.fixture
def records(
    school_caseworker, police_officer, coordinator, panel_chair, panel_member, provider_keyworker
):
    case = partnership_at_work_with(
        referrer=school_caseworker,
        other_referrer=police_officer,
        coordinator=coordinator,
        chair=panel_chair,
        member=panel_member,
        keyworker=provider_keyworker,
    )
    referral = case.referrals.get()
    return {
        "person_id": str(case.person_id),
        "referral_id": str(referral.pk),
        "case_id": str(case.pk),
        "allocation_id": str(Allocation.objects.filter(case=case).first().pk),
        "meeting_id": str(PanelMeeting.objects.first().pk),
        "flag_id": str(ReviewFlag.objects.first().pk),
        "pk": None,  # the API's detail routes, filled per resource below
    }


API_RESOURCES = {
    "people": "person_id",
    "referrals": "referral_id",
    "cases": "case_id",
    "allocations": "allocation_id",
    "panels": "meeting_id",
    "audit/flags": "flag_id",
}


def _addresses(records):
    """Every GET address with a record's id in it: web pages and API routes alike."""
    found = []
    for namespace, route in _patterns():
        if namespace not in RECORD_NAMESPACES or "<" not in route:
            continue
        # Path converters (<uuid:case_id>) on pages, regular expressions ((?P<pk>...)) in
        # the API router's routes, which end in an optional slash (taken as absent).
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route.replace("/?$", "$"))
        route = route.replace("^", "").replace("$", "").replace("\\", "")
        if re.search(r"\(\?P|\[", route):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values = {}
        for name in names:
            if name == "pk":
                resource = next(
                    (r for r in API_RESOURCES if route.startswith(f"api/v1/{r}/<pk>")), None
                )
                values[name] = records[API_RESOURCES[resource]] if resource else None
            elif name == "format":
                values[name] = "json"
            else:
                values[name] = records.get(name)
        if any(value is None for value in values.values()):
            continue
        address = route
        for name, value in values.items():
            address = re.sub(rf"<(?:\w+:)?{name}>", value, address)
        found.append("/" + address)
    return found


def _answer(client, address):
    response = client.get(address)
    if response.status_code == 405:  # an action: posting to it must not reveal the record
        response = client.post(address, {})
    return response


def _unmasked(response) -> str:
    """The answer without its per-response CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def _with_ids_that_do_not_exist(address, records):
    ids = {value for value in records.values() if value}
    return "/".join(
        ("99999999" if part.isdigit() else str(uuid.uuid4())) if part in ids else part
        for part in address.split("/")
    )


def test_an_analyst_learns_nothing_from_any_address_about_someone(client, analyst, records):
    """Every record address is a 404, except the pages of roles the analyst does not hold
    (information governance's), which refuse by role before any record is looked up: their
    refusal is word for word the one for a record that does not exist."""
    addresses = _addresses(records)
    # The walk really reached each kind of record, pages and API.
    for expected in (
        f"/referrals/{records['referral_id']}/",
        f"/cases/{records['case_id']}/",
        f"/allocations/{records['allocation_id']}/",
        f"/audit/people/{records['person_id']}/",
        f"/api/v1/people/{records['person_id']}",
        f"/api/v1/referrals/{records['referral_id']}",
        f"/api/v1/cases/{records['case_id']}",
        f"/api/v1/allocations/{records['allocation_id']}",
    ):
        assert expected in addresses
    client.force_login(analyst)
    revealing = {}
    refused_by_role = 0
    for address in addresses:
        answer = _answer(client, address)
        if answer.status_code == 404:
            continue
        blind = _answer(client, _with_ids_that_do_not_exist(address, records))
        if answer.status_code == 403 and (blind.status_code, _unmasked(blind)) == (
            403,
            _unmasked(answer),
        ):
            refused_by_role += 1
            continue
        revealing[address] = answer.status_code
    assert revealing == {}
    assert refused_by_role < len(addresses) / 3


def test_an_analyst_lists_no_one_through_the_api(client, analyst, records):
    client.force_login(analyst)
    for address in ("/api/v1/referrals/", "/api/v1/cases/", "/api/v1/allocations/"):
        response = client.get(address)
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert response.json()["results"] == []
