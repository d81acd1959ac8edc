"""The API's HTTP contract beyond the happy path: the body cap, unknown fields, strict
filters, ids in filters, and the headers every answer carries."""

import inspect
import io
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework import serializers as drf_serializers

from api.middleware import CappedStream, RequestTooLarge
from api.strict import UNKNOWN_FIELD, RejectUnknownFieldsMixin
from interventions.services import allocation_create
from partners.roles import Role
from tests.factories import (
    case_ready_for_delivery,
    make_intervention,
    make_member,
    make_organisation,
    make_referral,
)

WRITE_METHODS = ("post", "put", "patch", "delete")


def _api_routes(patterns=None, prefix=""):
    """(path with sample arguments, view callback) for every route under /api/v1/."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith(("api/v1/", "^api/v1/")):
            yield _sample_path(route), pattern.callback


def _sample_path(route: str) -> str:
    """A concrete address for a route: a fresh UUID or number for each argument."""
    # Router patterns are regular expressions: (?P<pk>[^/.]+), (?P<note_id>\d+)..., each
    # ending in an optional slash (api.routing), taken as absent.
    path = re.sub(r"\(\?P<\w+>\\d\+\)", "1", route.replace("/?$", "$"))
    path = re.sub(r"\(\?P<\w+>[^)]*\)", str(uuid.uuid4()), path)
    path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), path)
    path = re.sub(r"<slug:\w+>", "referrals", path)
    path = re.sub(r"<(int:)?\w+>", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def _write_routes():
    routes = []
    for path, callback in _api_routes():
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        methods = (
            set(actions)
            if actions
            else {m for m in WRITE_METHODS if view_class and hasattr(view_class, m)}
        )
        routes += [(method, path) for method in sorted(methods & set(WRITE_METHODS))]
    return sorted(set(routes))


WRITE_ROUTES = _write_routes()


def test_there_are_write_routes_to_check():
    # The resolver walk found the API's writes (a broken walk would make the next test vacuous).
    assert len(WRITE_ROUTES) > 60
    assert ("post", "/api/v1/people") in WRITE_ROUTES
    assert ("post", "/api/v1/auth/token") in WRITE_ROUTES


@pytest.mark.django_db
def test_a_body_one_byte_over_the_cap_is_413_on_every_write_route(django_assert_num_queries):
    body = b"{" + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # 1 MB + 1 byte
    client = Client()
    refused = {}
    for method, path in WRITE_ROUTES:
        for content_type in ("application/json", "multipart/form-data; boundary=x"):
            # No query at all: nothing is read, written or audited before the refusal.
            with django_assert_num_queries(0):
                response = getattr(client, method)(path, body, content_type=content_type)
            refused[(method, path, content_type)] = (
                response.status_code,
                response.json()["errors"][0]["code"],
            )
    assert set(refused.values()) == {(413, "request_too_large")}, refused


@pytest.mark.django_db
def test_a_body_at_the_cap_is_read(api, school_caseworker):
    padding = " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 200)
    body = f'{{"given_name": "Ana", "family_name": "Bell"{padding}}}'.encode()
    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api(school_caseworker).post("/api/v1/people/", body, content_type="application/json")
    assert response.status_code == 400  # read and validated: no date of birth
    assert response.json()["errors"][0]["attr"] == "date_of_birth"


def test_a_body_without_a_length_is_cut_off_after_the_cap():
    limit = 10
    within = CappedStream(io.BytesIO(b"x" * limit), limit)
    assert within.read() == b"x" * limit
    beyond = CappedStream(io.BytesIO(b"x" * (limit + 5)), limit)
    with pytest.raises(RequestTooLarge):
        beyond.read()
    chunked = CappedStream(io.BytesIO(b"x" * (limit + 5)), limit)
    chunked.read(6)
    with pytest.raises(RequestTooLarge):
        chunked.read(6)


def _api_serializer_classes():
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return sorted(
        {
            cls
            for cls in walk(drf_serializers.BaseSerializer)
            if cls.__module__.startswith("api.") and cls.__module__ != "api.strict"
        },
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


API_SERIALIZERS = _api_serializer_classes()


def test_every_api_serializer_refuses_unknown_fields():
    assert len(API_SERIALIZERS) > 80
    lax = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in API_SERIALIZERS
        if not issubclass(cls, RejectUnknownFieldsMixin)
        and not issubclass(cls, drf_serializers.ListSerializer)
    ]
    assert lax == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "serializer_class",
    [cls for cls in API_SERIALIZERS if issubclass(cls, RejectUnknownFieldsMixin)],
    ids=lambda cls: cls.__qualname__,
)
def test_each_serializer_names_the_unknown_field(serializer_class):
    accepts = inspect.signature(serializer_class.__init__).parameters
    kwargs = {"partial": True} if "partial" in accepts or "kwargs" in accepts else {}
    serializer = serializer_class(data={"consent_givn": True}, **kwargs)
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"consent_givn"}
    assert serializer.errors["consent_givn"][0].code == UNKNOWN_FIELD


@pytest.mark.django_db
def test_an_unknown_field_is_400_naming_it_and_nothing_is_written(api, school_caseworker):
    from referrals.models import Person

    people_before = Person.objects.count()
    response = api(school_caseworker).post(
        "/api/v1/people/",
        {
            "given_name": "Ana",
            "family_name": "Bell",
            "date_of_birth": "2010-01-01",
            "nhs_numbr": "9434765919",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": UNKNOWN_FIELD, "detail": "This field is not accepted here.", "attr": "nhs_numbr"}
    ]
    assert Person.objects.count() == people_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/organisations/", {"page_size": "false"}),
        ("/api/v1/organisations/", {"page_size": "0"}),
        ("/api/v1/notifications/", {"page_size": "-3"}),  # a list that does not filter
        ("/api/v1/organisations/", {"active": "null"}),
        ("/api/v1/allocations/", {"missed_contacts_flag": "null"}),
        ("/api/v1/cases/", {"overdue_review": "maybe"}),
        ("/api/v1/referrals/", {"status": "nonsense"}),
    ],
)
def test_an_invalid_filter_value_is_400_naming_it(api, school_caseworker, path, query):
    response = api(school_caseworker).get(path, query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == next(iter(query))


@pytest.mark.django_db
def test_valid_filter_values_still_filter(api, school_caseworker):
    caseworker = api(school_caseworker)
    assert caseworker.get("/api/v1/allocations/", {"missed_contacts_flag": "true"}).status_code == (
        200
    )
    assert caseworker.get("/api/v1/organisations/", {"page_size": "1000"}).status_code == 200


@pytest.mark.django_db
def test_the_token_filter_answers_the_same_for_a_missing_and_a_forbidden_user(
    api, school_caseworker, police_officer
):
    api(police_officer)  # the officer holds a token the caseworker may not see
    caseworker = api(school_caseworker)

    forbidden = caseworker.get("/api/v1/auth/tokens/", {"user": police_officer.pk})
    missing = caseworker.get("/api/v1/auth/tokens/", {"user": 99_999_999})
    own = caseworker.get("/api/v1/auth/tokens/", {"user": school_caseworker.pk})

    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json())
    assert forbidden.status_code == 400
    assert own.status_code == 200
    assert own.json()["count"] == 1


@pytest.mark.django_db
def test_the_allocation_case_filter_answers_the_same_for_a_missing_and_a_forbidden_case(
    api, school_caseworker, coordinator, panel_chair
):
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(case.lead_organisation),
        request="Mentor",
    )
    outsider = make_member(make_organisation(name="Elsewhere"), Role.PROVIDER)

    forbidden = api(outsider).get("/api/v1/allocations/", {"case": str(case.pk)})
    missing = api(outsider).get("/api/v1/allocations/", {"case": str(uuid.uuid4())})
    seen = api(school_caseworker).get("/api/v1/allocations/", {"case": str(case.pk)})

    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json())
    assert forbidden.status_code == 400
    assert seen.status_code == 200
    assert seen.json()["count"] == 1


@pytest.mark.django_db
def test_answers_are_not_stored_and_deny_unused_browser_features(api, school_caseworker):
    from tests.support import VerifiedClient

    page_client = VerifiedClient()
    page_client.force_login(school_caseworker)
    answers = {
        "api": api(school_caseworker).get("/api/v1/me/"),
        "api error": api().get("/api/v1/me/"),
        "page": page_client.get("/"),
        "sign-in": Client().get("/sign-in/"),
    }
    for name, response in answers.items():
        assert response["Cache-Control"] == "no-store", name
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy, name
        assert "geolocation=()" in policy, name


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_address_is_json_in_every_mode(settings, debug, school_caseworker, api):
    settings.DEBUG = debug
    response = api(school_caseworker).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


# --- one address, with or without its trailing slash (api.routing) ----------------------


def test_the_api_addresses_it_names_have_no_trailing_slash():
    assert reverse("api:person-list") == "/api/v1/people"
    assert reverse("api:api-me") == "/api/v1/me"
    person = uuid.uuid4()
    assert reverse("api:person-detail", kwargs={"pk": person}) == f"/api/v1/people/{person}"
    assert reverse("api:person-break-glass", kwargs={"person_id": person}) == (
        f"/api/v1/people/{person}/break-glass"
    )


@pytest.mark.django_db
def test_a_read_answers_the_same_with_and_without_the_trailing_slash(api, school_caseworker):
    caseworker = api(school_caseworker)
    person = caseworker.post(
        "/api/v1/people",
        {"given_name": "Ana", "family_name": "Bell", "date_of_birth": "2010-01-01"},
        format="json",
    ).json()

    for path in ("/api/v1/me", f"/api/v1/people/{person['id']}", "/api/v1/people/match"):
        query = {"nhs_number": "9434765919"} if path.endswith("match") else None
        canonical, slashed = caseworker.get(path, query), caseworker.get(f"{path}/", query)
        assert canonical.status_code == 200, path
        assert (slashed.status_code, slashed.json()) == (canonical.status_code, canonical.json())


@pytest.mark.django_db
def test_a_write_answers_the_same_with_and_without_the_trailing_slash(api, school_caseworker):
    from referrals.models import Person

    caseworker = api(school_caseworker)
    created = {}
    for path in ("/api/v1/people", "/api/v1/people/"):
        body = {
            "given_name": "Ana",
            "family_name": f"Bell{len(path)}",
            "date_of_birth": "2010-01-01",
        }
        created[path] = caseworker.post(path, body, format="json")
        refused = caseworker.post(path, {**body, "nhs_numbr": "1"}, format="json")
        assert (refused.status_code, refused.json()["errors"][0]["attr"]) == (400, "nhs_numbr")
    canonical, slashed = created.values()
    assert canonical.status_code == slashed.status_code == 201
    assert canonical.json().keys() == slashed.json().keys()
    assert canonical.json()["family_name"] == "Bell14"
    assert slashed.json()["family_name"] == "Bell15"
    assert Person.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("idempotency_key", [None, "retry-1"])
def test_a_signed_in_user_refused_hears_the_refusal_whatever_body_they_send(
    school_caseworker, police_officer, idempotency_key
):
    """Through a session (the web pages' sign-in) the API asks for a CSRF token; checking
    it must not parse the body: a refused caller sending malformed JSON is refused."""
    from rest_framework.test import APIClient

    referral = make_referral(school_caseworker)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(police_officer)
    client.cookies["csrftoken"] = "c" * 32
    headers = {"HTTP_X_CSRFTOKEN": "c" * 32}
    if idempotency_key:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key

    response = client.generic(
        "POST",
        reverse("api:referral-submit", kwargs={"pk": referral.pk}),
        b'{"reason": ["unterminated',
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


@pytest.mark.django_db
def test_a_signed_in_user_s_api_write_without_the_csrf_token_is_refused(school_caseworker):
    from rest_framework.test import APIClient

    from referrals.models import Person

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(school_caseworker)
    client.cookies["csrftoken"] = "c" * 32
    body = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "2012-12-10"}

    refused = client.post(reverse("api:person-list"), body, format="json")
    accepted = client.post(
        reverse("api:person-list"), body, format="json", HTTP_X_CSRFTOKEN="c" * 32
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]["detail"]
    assert accepted.status_code == 201
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_a_signed_in_user_s_form_body_with_a_key_is_refused_before_it_is_read(
    school_caseworker, police_officer
):
    """A form body is parsed by Django's CSRF check itself, so its bytes are gone before the
    fingerprint: the refusal still comes first; a caller allowed in hears that submitting
    takes no body."""
    from rest_framework.test import APIClient

    referral = make_referral(school_caseworker)
    url = reverse("api:referral-submit", kwargs={"pk": referral.pk})
    answers = {}
    for who in (police_officer, school_caseworker):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(who)
        client.cookies["csrftoken"] = "c" * 32
        answers[who.username] = client.post(
            url,
            {"csrfmiddlewaretoken": "c" * 32, "reason": "x"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="form-retry",
        ).status_code

    assert answers == {police_officer.username: 404, school_caseworker.username: 400}
