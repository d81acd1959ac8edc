"""Refused attempts carry the person the refused record is about (issue 12, item 7).

A police referrer who tries to open a child's case or referral, made by the school, is
refused with the same 404 as for a record that does not exist. IG reviewing the child's
access history sees the attempt, in words, on the page and through the API; the refused
officer learns nothing more than before.
"""

import re
import uuid

import pytest
from django.urls import reverse

from audit.models import AuditEvent, EventKind
from audit.registry import registry
from partners.roles import Role
from tests.factories import make_member, make_person, opened_case, years_ago


@pytest.fixture
def pc_hart(police):
    return make_member(
        police, Role.REFERRER, username="pc-hart", first_name="Dale", last_name="Hart"
    )


@pytest.fixture
def child_case(school_caseworker, coordinator, panel_chair):
    tyler = make_person(
        school_caseworker,
        given_name="Tyler",
        family_name="Ashworth",
        date_of_birth=years_ago(14),
    )
    return opened_case(school_caseworker, coordinator, panel_chair, person=tyler)


def _refused_reads(case):
    """The officer's four refused reads: web and API, of the child's case and referral."""
    referral = case.referrals.get()
    return [
        ("web", reverse("cases:case", kwargs={"case_id": case.pk}), "case"),
        ("web", reverse("referrals:detail", kwargs={"referral_id": referral.pk}), "referral"),
        ("api", reverse("api:case-detail", kwargs={"pk": case.pk}), "case"),
        ("api", reverse("api:referral-detail", kwargs={"pk": referral.pk}), "referral"),
    ]


def _read(client, api, user, channel, url):
    if channel == "api":
        return api(user).get(url)
    client.force_login(user)
    return client.get(url)


@pytest.mark.django_db
def test_a_police_referrers_refused_reads_of_a_childs_case_appear_in_the_childs_access_history(
    client, api, pc_hart, ig_officer, child_case
):
    tyler = child_case.person
    reads = _refused_reads(child_case)
    for channel, url, _ in reads:
        assert _read(client, api, pc_hart, channel, url).status_code == 404, url

    denied = AuditEvent.objects.filter(user=pc_hart, kind=EventKind.DENIED).order_by("id")
    assert [(e.channel, e.object_type, e.person_id) for e in denied] == [
        (channel, object_type, tyler.pk) for channel, _, object_type in reads
    ]

    # The IG page: the child's access history names each refused attempt.
    client.force_login(ig_officer)
    page = client.get(reverse("audit:person", kwargs={"person_id": tyler.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("Dale Hart was refused Tyler Ashworth&#x27;s case") == 2
    assert text.count("Dale Hart was refused Tyler Ashworth&#x27;s referral") == 2

    # The API: the trail filtered by the child holds the same four refused attempts.
    events = (
        api(ig_officer)
        .get("/api/v1/audit/events/", {"person_id": str(tyler.pk), "kind": "denied"})
        .json()["results"]
    )
    assert sorted((e["user"], e["channel"], e["object_type"]) for e in events) == sorted(
        ("Dale Hart", channel, object_type) for channel, _, object_type in reads
    )


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
def test_a_refused_read_of_a_record_that_does_not_exist_names_nobody(client, api, pc_hart, channel):
    missing = uuid.uuid4()
    url = (
        reverse("cases:case", kwargs={"case_id": missing})
        if channel == "web"
        else reverse("api:case-detail", kwargs={"pk": missing})
    )

    assert _read(client, api, pc_hart, channel, url).status_code == 404

    event = AuditEvent.objects.get(user=pc_hart, kind=EventKind.DENIED)
    assert (event.object_type, event.object_id, event.person_id) == ("case", str(missing), None)


def _same_answer(response) -> tuple:
    """What the refused user is told, less what differs on every response (CSP nonces, CSRF
    tokens) and the id they asked for."""
    body = response.content.decode()
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    body = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", body)
    return response.status_code, response.get("Content-Type"), body


@pytest.mark.django_db
def test_the_refused_user_is_told_nothing_about_whether_the_record_exists(
    client, api, pc_hart, child_case
):
    """The answer for the child's record is the answer for a record that does not exist."""
    for channel, url, _ in _refused_reads(child_case):
        real_id = re.search(r"[0-9a-f-]{36}", url).group()
        refused = _read(client, api, pc_hart, channel, url)
        missing = _read(client, api, pc_hart, channel, url.replace(real_id, str(uuid.uuid4())))
        assert refused.status_code == 404, url
        assert _same_answer(refused) == _same_answer(missing), url


@pytest.mark.django_db
def test_each_record_type_a_provider_names_leads_to_its_person(
    school_caseworker, coordinator, panel_chair
):
    """Every path declared in ``named_records`` reaches the person; the rest name nobody."""
    case = opened_case(school_caseworker, coordinator, panel_chair)
    referral = case.referrals.get()
    person = case.person
    assert registry.person_named("person", person.pk) == person.pk
    assert registry.person_named("referral", referral.pk) == person.pk
    assert registry.person_named("case", case.pk) == person.pk
    assert registry.person_named("consent", referral.consents.first().pk) == person.pk
    assert registry.person_named("case", uuid.uuid4()) is None
    assert registry.person_named("case", "not-an-id") is None
    assert registry.person_named("panel_meeting", uuid.uuid4()) is None
    for provider in registry.providers():
        for object_type, (model, path) in provider.named_records.items():
            # Each path is a real lookup: asking for a record that is not there names nobody.
            assert model._default_manager.filter(pk__in=[]).values_list(path).count() == 0, (
                object_type
            )


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
def test_a_refused_change_to_a_record_the_user_can_see_appears_in_the_persons_history(
    client, api, school_caseworker, coordinator, channel
):
    """The school sees its own submitted referral but may not screen it: the 403 is a
    refused attempt on the child's referral, not only a hidden read."""
    from tests.factories import submitted_referral

    referral = submitted_referral(school_caseworker)
    if channel == "api":
        response = api(school_caseworker).post(
            reverse("api:referral-screen", kwargs={"pk": referral.pk}),
            {"decision": "accept", "version": referral.version},
            format="json",
        )
    else:
        client.force_login(school_caseworker)
        response = client.post(
            reverse("referrals:screen", kwargs={"referral_id": referral.pk}),
            {"decision": "accept"},
        )
    assert response.status_code == 403

    event = AuditEvent.objects.get(user=school_caseworker, kind=EventKind.DENIED)
    assert (event.channel, event.object_type, event.object_id, event.person_id) == (
        channel,
        "referral",
        str(referral.pk),
        referral.person_id,
    )
    assert event.action.startswith("referral.")
    referral.refresh_from_db()
    assert referral.status == "submitted"
