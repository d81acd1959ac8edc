"""Server-rendered pages: signing in and out, and a home page for each role."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, submitted_referral

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
class TestSigningIn:
    def test_the_home_page_asks_anonymous_visitors_to_sign_in(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))

    def test_the_sign_in_page_is_a_gov_uk_page(self, client):
        response = client.get(reverse("sign-in"))
        assert response.status_code == 200
        assert b"govuk-frontend.min.css" in response.content
        assert b"<script>" not in response.content  # no inline script

    def test_signing_in_leads_home(self, client, school_caseworker):
        response = client.post(
            reverse("sign-in"), {"username": "school-caseworker", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("home")

    def test_wrong_details_show_an_error_summary_without_naming_which_was_wrong(
        self, client, school_caseworker
    ):
        response = client.post(
            reverse("sign-in"), {"username": "school-caseworker", "password": "nope nope nope"}
        )
        assert response.status_code == 200
        assert b"There is a problem" in response.content
        assert b"<title>Error: Sign in" in response.content

    def test_signing_out_ends_the_session_on_the_server(self, client, school_caseworker):
        client.force_login(school_caseworker)
        session_key = client.session.session_key

        response = client.post(reverse("sign-out"))

        from django.contrib.sessions.models import Session

        assert response.status_code == 302
        assert not Session.objects.filter(session_key=session_key).exists()
        assert client.get("/").status_code == 302

    def test_signing_out_by_get_is_refused(self, client, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get(reverse("sign-out")).status_code == 405


@pytest.mark.django_db
class TestHomePage:
    def test_a_caseworker_sees_what_a_referrer_does_next(self, client, school_caseworker):
        client.force_login(school_caseworker)
        response = client.get("/")
        content = response.content.decode()
        assert "referrer (partner caseworker) at Riverside Academy" in content
        assert "Make a referral" in content
        assert "Flagged access" not in content

    def test_an_ig_officer_sees_the_audit_work(self, client, ig_officer):
        client.force_login(ig_officer)
        content = client.get("/").content.decode()
        assert "No flags are waiting for review" in content
        assert "Make a referral" not in content

    def test_someone_with_no_role_is_told_to_ask_for_one(self, client):
        client.force_login(UserFactory())
        assert b"You do not hold a role" in client.get("/").content

    def test_the_home_page_stays_within_its_query_budget(
        self, client, school_caseworker, django_assert_max_num_queries
    ):
        client.force_login(school_caseworker)
        # session (read, then saved to renew it), user, second-factor device, memberships;
        # then the referrer's worklists: returned referrals and drafts, offers to accept,
        # overdue reviews, prevention cases past 19 and panel actions; and whether they own
        # panel actions (the navigation's "My actions"); and the header's unread
        # notifications count.
        with django_assert_max_num_queries(16):
            assert client.get("/").status_code == 200

    def test_the_home_page_costs_the_same_however_much_is_waiting(
        self, client, school_caseworker, coordinator
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from referrals.services import referral_screen

        def queries_for_home():
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            return len(queries)

        def return_one():
            referral = submitted_referral(school_caseworker)
            referral_screen(
                actor=coordinator, referral=referral, outcome="returned", questions="Which school?"
            )

        client.force_login(school_caseworker)
        return_one()
        with_one = queries_for_home()
        for _ in range(7):
            return_one()
        content = client.get("/").content.decode()
        assert "Returned to you for more information (8)" in content
        assert queries_for_home() == with_one


@pytest.mark.django_db
def test_no_template_comment_leaks_into_a_page(client):
    content = client.get(reverse("sign-in")).content
    assert b"{#" not in content
    assert b"{%" not in content
