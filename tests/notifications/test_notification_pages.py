"""The notifications page, the header's unread count, marking read, email choices, and the
API: each person's own notifications only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Kind, Notification, Preference
from notifications.selectors import unread_count
from notifications.services import notification_mark_read, notification_send
from tests.factories import make_referral, submitted_referral
from tests.support import VerifiedClient


def signed_in(user) -> VerifiedClient:
    client = VerifiedClient()
    client.force_login(user)
    return client


@pytest.fixture
def told(school_caseworker, coordinator):
    """The coordinator told of a referral waiting to be screened."""
    referral = submitted_referral(school_caseworker)
    return Notification.objects.get(recipient=coordinator, subject_id=str(referral.pk))


@pytest.mark.django_db
class TestThePage:
    def test_the_header_counts_unread_on_every_page(self, told, coordinator):
        home = signed_in(coordinator).get("/")
        assert 'id="unread-count">1<span class="govuk-visually-hidden"> unread' in home.text

    def test_the_unread_count_is_one_query(self, told, coordinator, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert unread_count(coordinator) == 1

    def test_the_list_links_to_the_record_and_marks_read(self, told, coordinator):
        client = signed_in(coordinator)
        page = client.get("/notifications/")
        assert f'href="/referrals/{told.subject_id}/"' in page.text
        assert Kind.REFERRAL_SUBMITTED.label in page.text

        response = client.post(f"/notifications/{told.pk}/read/")

        assert response.status_code == 302
        told.refresh_from_db()
        assert told.read_at is not None
        assert 'id="unread-count"' not in client.get("/").text

    def test_mark_all_as_read(self, school_caseworker, coordinator):
        for _ in range(3):
            submitted_referral(school_caseworker)

        response = signed_in(coordinator).post("/notifications/read/")

        assert response.status_code == 302
        assert not Notification.objects.filter(recipient=coordinator, read_at=None).exists()

    def test_someone_elses_notification_is_a_404(self, told, second_coordinator):
        response = signed_in(second_coordinator).post(f"/notifications/{told.pk}/read/")
        assert response.status_code == 404
        told.refresh_from_db()
        assert told.read_at is None

    def test_the_service_refuses_anyone_but_the_recipient(self, told, second_coordinator):
        with pytest.raises(PermissionDenied, match="Only its recipient"):
            notification_mark_read(actor=second_coordinator, notification=told)
        told.refresh_from_db()
        assert told.read_at is None

    def test_newest_first_and_paginated_in_bounded_queries(self, school_caseworker, coordinator):
        referrals = [submitted_referral(school_caseworker) for _ in range(3)]
        for _ in range(30):
            notification_send(kind=Kind.WORK_DUE, recipients=[coordinator])
        client = signed_in(coordinator)
        client.get("/notifications/")  # sessions and memberships warm

        with CaptureQueriesContext(connection) as first_page:
            page = client.get("/notifications/")
        second = client.get("/notifications/", {"page": 2}).text

        assert page.text.index(Kind.WORK_DUE.label) < page.text.index("Page 1 of 2")
        assert all(f"/referrals/{r.pk}/" in second for r in referrals)
        assert len(first_page) <= 12

    def test_a_page_costs_one_query_per_kind_of_record(self, school_caseworker, coordinator):
        for _ in range(2):
            submitted_referral(school_caseworker)
        client = signed_in(coordinator)
        client.get("/notifications/")
        with CaptureQueriesContext(connection) as two:
            client.get("/notifications/")
        for _ in range(10):
            submitted_referral(school_caseworker)
        with CaptureQueriesContext(connection) as twelve:
            client.get("/notifications/")

        assert len(twelve) == len(two)


@pytest.mark.django_db
class TestEmailChoices:
    def test_defaults_are_shown_and_a_choice_is_kept(self, coordinator):
        client = signed_in(coordinator)
        page = client.get("/notifications/preferences/").text
        assert 'value="referral_returned" checked' in page
        assert 'value="referral_submitted" checked' not in page

        client.post("/notifications/preferences/", {"email": ["referral_submitted"]})

        assert dict(Preference.objects.filter(user=coordinator).values_list("kind", "email")) == {
            kind: kind == "referral_submitted" for kind in Kind.values
        }


@pytest.mark.django_db
class TestTheApi:
    URL = "/api/v1/notifications/"

    def test_lists_own_newest_first_and_marks_read(self, api, told, coordinator):
        notification_send(kind=Kind.WORK_DUE, recipients=[coordinator])
        client = api(coordinator)

        listed = client.get(self.URL).json()
        answer = client.post(f"{self.URL}{told.pk}/read/").json()

        assert [n["kind"] for n in listed["results"]] == ["work_due", "referral_submitted"]
        assert listed["results"][1]["subject_type"] == "referral"
        assert listed["results"][1]["url"] == f"/referrals/{told.subject_id}/"
        assert answer["read_at"] is not None
        assert client.get(self.URL, {"unread": "true"}).json()["count"] == 1

    def test_read_all(self, api, told, coordinator):
        assert api(coordinator).post(f"{self.URL}read-all/").json() == {"marked": 1}

    @pytest.mark.parametrize("pk", ["abc", "-1", "99999999999999999999999"])
    def test_an_id_that_is_no_notification_is_a_404(self, api, coordinator, pk):
        assert api(coordinator).post(f"{self.URL}{pk}/read/").status_code == 404

    def test_someone_elses_is_a_404_and_never_listed(self, api, told, second_coordinator):
        client = api(second_coordinator)
        assert client.post(f"{self.URL}{told.pk}/read/").status_code == 404
        assert told.pk not in [n["id"] for n in client.get(self.URL).json()["results"]]

    def test_a_record_no_longer_visible_is_not_named(self, api, school_caseworker, coordinator):
        from django.utils import timezone

        from partners.models import Membership

        referral = make_referral(school_caseworker)
        notification_send(
            kind=Kind.REFERRAL_SUBMITTED,
            recipients=[coordinator],
            subject_type="referral",
            subject_id=referral.pk,
        )
        # A draft is not the coordinators' to see.
        [shown] = api(coordinator).get(self.URL).json()["results"]
        assert (shown["available"], shown["subject_id"], shown["url"]) == (False, None, None)
        Membership.objects.filter(user=coordinator).update(ended_at=timezone.now())
        [after] = api(coordinator).get(self.URL).json()["results"]
        assert (after["available"], after["subject_id"], after["url"]) == (False, None, None)
