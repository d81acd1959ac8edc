"""IG's agreement and approval pages and endpoints: who may use them (web and API), bad
input as a 400 naming the field, the home page's review worklist, and a bounded number of
queries on the list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sharing.models import InformationSharingAgreement, OutsideAgreementApproval
from tests.factories import make_agreement, make_organisation, make_person
from tests.support import date_parts

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
FORBIDDEN = ["school_caseworker", "analyst", "provider_keyworker"]


@pytest.fixture
def partner():
    return make_organisation(name="Safe Harbour", agreement=False)


@pytest.fixture
def agreement(partner):
    return make_agreement(partner, reference="ISA-SH-1", review_on=TODAY + 10 * DAY)


def _agreement_post(partner, **overrides):
    return {
        "organisation": partner.pk,
        "reference": "ISA-NEW",
        "title": "Safe Harbour and the partnership",
        "purposes": ["assessment", "panel_discussion"],
        "data_categories": ["identity", "health"],
        **date_parts("starts_on", TODAY),
        **date_parts("review_on", TODAY + 365 * DAY),
        **overrides,
    }


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", FORBIDDEN)
def test_forbidden_users_are_refused_every_page(client, request, agreement, who):
    client.force_login(request.getfixturevalue(who))
    for name, kwargs in [
        ("sharing:agreements", {}),
        ("sharing:agreement", {"agreement_id": agreement.pk}),
        ("sharing:agreement-new", {}),
        ("sharing:agreement-edit", {"agreement_id": agreement.pk}),
        ("sharing:agreement-review", {"agreement_id": agreement.pk}),
        ("sharing:agreement-end", {"agreement_id": agreement.pk}),
        ("sharing:signatory-new", {"agreement_id": agreement.pk}),
        ("sharing:approvals", {}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name
    response = client.post(
        reverse("sharing:agreement-new"), _agreement_post(agreement.organisation)
    )
    assert response.status_code == 403
    assert not InformationSharingAgreement.objects.filter(reference="ISA-NEW").exists()


@pytest.mark.parametrize("who", FORBIDDEN)
def test_forbidden_users_are_refused_the_approval_form(
    client, request, who, school_caseworker, school, charity
):
    person = make_person(school_caseworker)
    client.force_login(request.getfixturevalue(who))
    url = reverse("sharing:approval-new", kwargs={"person_id": person.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"discloser": school.pk}).status_code == 403
    assert not OutsideAgreementApproval.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "admin_user"])
def test_coordinators_and_administrators_read_but_do_not_change(client, request, agreement, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("sharing:agreements")).status_code == 200
    page = client.get(reverse("sharing:agreement", kwargs={"agreement_id": agreement.pk}))
    assert page.status_code == 200
    assert "Change the agreement" not in page.content.decode()
    assert client.get(reverse("sharing:agreement-new")).status_code == 403
    assert client.get(reverse("sharing:approvals")).status_code == 403


@pytest.mark.parametrize("who", FORBIDDEN)
def test_forbidden_users_are_refused_the_api(api, request, agreement, who, school, charity):
    http = api(request.getfixturevalue(who))
    base = "/api/v1/sharing-agreements/"
    assert http.get(base).status_code == 403
    assert http.get(f"{base}{agreement.pk}/").status_code == 403
    body = {
        "organisation": agreement.organisation_id,
        "reference": "ISA-API",
        "title": "T",
        "purposes": ["assessment"],
        "data_categories": ["identity"],
        "starts_on": TODAY.isoformat(),
        "review_on": (TODAY + 300 * DAY).isoformat(),
    }
    assert http.post(base, body, format="json").status_code == 403
    assert http.patch(f"{base}{agreement.pk}/", {"title": "X"}, format="json").status_code == 403
    end = {"ends_on": TODAY.isoformat(), "reason": "Gone", "version": 1}
    assert http.post(f"{base}{agreement.pk}/end/", end, format="json").status_code == 403
    assert http.get("/api/v1/sharing-approvals/").status_code == 403
    assert http.post("/api/v1/sharing-approvals/", {}, format="json").status_code == 403
    assert not InformationSharingAgreement.objects.filter(reference="ISA-API").exists()


def test_a_coordinator_reads_agreements_through_the_api_but_not_approvals(
    api, coordinator, agreement
):
    http = api(coordinator)
    listed = http.get("/api/v1/sharing-agreements/", {"organisation": agreement.organisation_id})
    assert listed.status_code == 200
    assert [row["reference"] for row in listed.json()["results"]] == ["ISA-SH-1"]
    assert listed.json()["results"][0]["status"] == "due_for_review"
    assert (
        http.patch(
            f"/api/v1/sharing-agreements/{agreement.pk}/", {"title": "X"}, format="json"
        ).status_code
        == 403
    )
    assert http.get("/api/v1/sharing-approvals/").status_code == 403


# --- IG's pages ------------------------------------------------------------------------------


def test_ig_records_an_agreement_and_bad_input_is_a_400(client, ig_officer, partner):
    client.force_login(ig_officer)
    url = reverse("sharing:agreement-new")

    bad = client.post(url, _agreement_post(partner, purposes=[], **date_parts("review_on", TODAY)))
    assert bad.status_code == 400
    assert "Choose at least one purpose" in bad.content.decode()
    same_day = client.post(url, _agreement_post(partner, **date_parts("review_on", TODAY)))
    assert same_day.status_code == 400
    assert "The review date must be after the start date" in same_day.content.decode()
    assert not InformationSharingAgreement.objects.filter(organisation=partner).exists()

    response = client.post(url, _agreement_post(partner))

    agreement = InformationSharingAgreement.objects.get(organisation=partner)
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:agreement", args=[agreement.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Assessment, Panel discussion" in page
    assert "Identity, Health" in page


def test_a_stale_change_is_a_409(client, ig_officer, agreement):
    client.force_login(ig_officer)
    url = reverse("sharing:agreement-edit", args=[agreement.pk])
    body = _agreement_post(agreement.organisation, reference="ISA-SH-1", version=1)
    assert client.post(url, body).status_code == 302
    again = client.post(url, {**body, "title": "Stale"})
    assert again.status_code == 409
    agreement.refresh_from_db()
    assert (agreement.version, agreement.title) == (2, "Safe Harbour and the partnership")


def test_ig_reviews_ends_and_adds_signatories(client, ig_officer, agreement):
    client.force_login(ig_officer)
    review = reverse("sharing:agreement-review", args=[agreement.pk])
    assert (
        client.post(review, {"version": 1, **date_parts("next_review_on", TODAY)}).status_code
        == 400
    )
    assert (
        client.post(
            review,
            {"version": 1, "note": "Fine", **date_parts("next_review_on", TODAY + 200 * DAY)},
        ).status_code
        == 302
    )
    signatory = reverse("sharing:signatory-new", args=[agreement.pk])
    assert (
        client.post(
            signatory,
            {
                "name": "Joan Pratt",
                "role": "Service manager",
                "organisation": agreement.organisation_id,
                **date_parts("signed_on", TODAY),
            },
        ).status_code
        == 302
    )
    end = reverse("sharing:agreement-end", args=[agreement.pk])
    assert client.get(end).status_code == 200
    assert (
        client.post(
            end, {"version": 2, "reason": "Service closed", **date_parts("ends_on", TODAY)}
        ).status_code
        == 302
    )
    agreement.refresh_from_db()
    assert (agreement.review_on, agreement.ends_on, agreement.end_reason) == (
        TODAY + 200 * DAY,
        TODAY,
        "Service closed",
    )
    assert agreement.signatories.get().name == "Joan Pratt"


def test_the_list_shows_each_status_in_words(client, ig_officer, partner):
    make_agreement(partner, reference="ISA-OLD", starts_on=TODAY - 400 * DAY, ends_on=TODAY - DAY)
    make_agreement(partner, reference="ISA-NEXT", starts_on=TODAY + 5 * DAY)
    client.force_login(ig_officer)
    page = client.get(reverse("sharing:agreements")).content.decode()
    for words in ("Ended", "Not yet started", "Active"):
        assert words in page


def test_the_list_costs_the_same_however_many_agreements(
    client, ig_officer, django_assert_max_num_queries
):
    for _ in range(12):
        make_organisation()
    client.force_login(ig_officer)
    client.get(reverse("sharing:agreements"))  # warm the session
    with django_assert_max_num_queries(10):
        response = client.get(reverse("sharing:agreements"))
    assert response.status_code == 200
    assert response.content.decode().count("govuk-tag--") >= 12


def test_ig_approves_a_disclosure_for_a_person_through_the_form(
    client, ig_officer, school_caseworker, school, charity
):
    person = make_person(school_caseworker, given_name="Tyler", family_name="Ashworth")
    client.force_login(ig_officer)
    url = reverse("sharing:approval-new", kwargs={"person_id": person.pk})
    assert "Tyler Ashworth" in client.get(url).content.decode()
    body = {
        "discloser": school.pk,
        "recipient": charity.pk,
        "purpose": "intervention_delivery",
        "data_categories": ["identity"],
        "reason": "Mentoring must start before the trust signs",
        **date_parts("valid_until", TODAY + 100 * DAY),
    }
    too_long = client.post(url, body)
    assert too_long.status_code == 400
    assert "An approval runs for 90 days at most" in too_long.content.decode()

    done = client.post(url, {**body, **date_parts("valid_until", TODAY + 10 * DAY)})

    assert done.status_code == 302
    approval = OutsideAgreementApproval.objects.get()
    assert (approval.person, approval.approved_by, approval.valid_until) == (
        person,
        ig_officer,
        TODAY + 10 * DAY,
    )
    since = AuditEvent.objects.order_by("-pk").first().pk
    listing = client.get(reverse("sharing:approvals")).content.decode()
    assert "Tyler Ashworth" in listing
    assert "Intervention delivery: Identity" in listing
    assert AuditEvent.objects.filter(
        pk__gt=since, object_type="outside_agreement_approval", person_id=person.pk
    ).exists()


def test_the_api_records_and_lists_approvals(api, ig_officer, school_caseworker, school, charity):
    person = make_person(school_caseworker)
    http = api(ig_officer)
    body = {
        "discloser": school.pk,
        "recipient": charity.pk,
        "person": str(person.pk),
        "purpose": "assessment",
        "data_categories": ["identity", "health"],
        "reason": "Urgent assessment",
        "valid_until": (TODAY + 5 * DAY).isoformat(),
    }
    missing = http.post(
        "/api/v1/sharing-approvals/",
        {**body, "person": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "person"
    created = http.post(
        "/api/v1/sharing-approvals/", body, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    assert created.status_code == 201
    replay = http.post(
        "/api/v1/sharing-approvals/", body, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    assert replay["Idempotent-Replayed"] == "true"
    assert OutsideAgreementApproval.objects.count() == 1
    listed = http.get("/api/v1/sharing-approvals/").json()["results"]
    assert [row["person"] for row in listed] == [str(person.pk)]


def test_the_api_manages_agreements(api, ig_officer, partner):
    http = api(ig_officer)
    base = "/api/v1/sharing-agreements/"
    body = {
        "organisation": partner.pk,
        "reference": "ISA-API",
        "title": "Through the API",
        "purposes": ["assessment"],
        "data_categories": ["identity"],
        "starts_on": TODAY.isoformat(),
        "review_on": TODAY.isoformat(),
    }
    bad = http.post(base, body, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "review_on"
    created = http.post(base, {**body, "review_on": (TODAY + 99 * DAY).isoformat()}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    changed = http.patch(f"{base}{pk}/", {"title": "Renamed", "version": 1}, format="json")
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    assert (
        http.patch(f"{base}{pk}/", {"title": "Stale", "version": 1}, format="json").status_code
        == 409
    )
    signed = http.post(
        f"{base}{pk}/signatories/",
        {
            "name": "Joan Pratt",
            "role": "DPO",
            "organisation": partner.pk,
            "signed_on": TODAY.isoformat(),
        },
        format="json",
    )
    assert signed.status_code == 201
    reviewed = http.post(
        f"{base}{pk}/review/",
        {"next_review_on": (TODAY + 300 * DAY).isoformat(), "version": 2},
        format="json",
    )
    assert reviewed.status_code == 200
    ended = http.post(
        f"{base}{pk}/end/",
        {"ends_on": TODAY.isoformat(), "reason": "Merged", "version": 3},
        format="json",
    )
    assert ended.status_code == 200
    detail = http.get(f"{base}{pk}/").json()
    assert (detail["title"], detail["ends_on"], detail["signatories"][0]["name"]) == (
        "Renamed",
        TODAY.isoformat(),
        "Joan Pratt",
    )


# --- The worklist ----------------------------------------------------------------------------


def test_ig_home_lists_agreements_due_for_review(client, ig_officer, partner):
    make_agreement(
        partner, reference="ISA-LATE", review_on=TODAY - DAY, starts_on=TODAY - 400 * DAY
    )
    make_agreement(partner, reference="ISA-SOON", review_on=TODAY + 30 * DAY)
    make_agreement(partner, reference="ISA-LATER", review_on=TODAY + 31 * DAY)
    make_agreement(
        partner,
        reference="ISA-ENDED",
        starts_on=TODAY - 400 * DAY,
        review_on=TODAY - 10 * DAY,
        ends_on=TODAY - DAY,
    )
    client.force_login(ig_officer)

    home = client.get(reverse("home")).content.decode()

    assert "Agreements due for review (2)" in home
    assert "ISA-LATE" in home
    assert "ISA-SOON" in home
    assert "ISA-LATER" not in home
    assert "ISA-ENDED" not in home
    assert "Overdue" in home


def test_no_worklist_when_nothing_is_due_nor_for_others(client, ig_officer, coordinator, partner):
    make_agreement(partner, reference="ISA-SOON", review_on=TODAY + 3 * DAY)
    client.force_login(coordinator)
    assert "Agreements due for review" not in client.get(reverse("home")).content.decode()
    InformationSharingAgreement.objects.update(review_on=TODAY + 300 * DAY)
    client.force_login(ig_officer)
    assert "Agreements due for review" not in client.get(reverse("home")).content.decode()
