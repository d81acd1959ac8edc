"""The referral journey through the web pages, and who is refused."""

import pytest
from django.urls import reverse

from referrals.models import Person, Referral
from tests.factories import make_person, make_referral, submitted_referral, years_ago


def date_parts(prefix: str, value) -> dict:
    return {f"{prefix}_0": value.day, f"{prefix}_1": value.month, f"{prefix}_2": value.year}


@pytest.mark.django_db
class TestTheCaseworkersJourney:
    def test_find_record_describe_consent_check_and_submit(self, client, school_caseworker):
        client.force_login(school_caseworker)
        born = years_ago(14, days=-40)

        search = client.get(
            reverse("referrals:new"), {"family_name": "Marsh", **date_parts("date_of_birth", born)}
        )
        assert b"No match" in search.content

        recorded = client.post(
            reverse("referrals:new-person"),
            {
                "given_name": "Tyler",
                "family_name": "Marsh",
                "gender": "male",
                "postcode": "dh1 3le",
                **date_parts("date_of_birth", born),
            },
        )
        person = Person.objects.get()
        assert recorded["Location"] == reverse("referrals:new-details", args=[person.pk])

        described = client.post(
            reverse("referrals:new-details", args=[person.pk]),
            {
                "pathway": "u18_prevention",
                "area": "durham",
                "narrative": "Seen with a blade outside school.",
                "risk_factors": ["knife_carrying"],
                "risk_level": "high",
                **date_parts("incident_date", years_ago(0, days=-2)),
            },
        )
        referral = Referral.objects.get()
        assert described["Location"] == reverse("referrals:consent", args=[referral.pk])

        consented = client.post(
            reverse("referrals:consent", args=[referral.pk]),
            {
                "purposes": ["assessment", "panel_discussion"],
                "given_by": "parent_or_guardian",
                "decision": "given",
                "method": "written",
                "giver_name": "Dee Marsh",
                **date_parts("decided_on", years_ago(0)),
            },
        )
        assert consented["Location"] == reverse("referrals:check", args=[referral.pk])

        check = client.get(reverse("referrals:check", args=[referral.pk]))
        assert b"Check your answers" in check.content
        assert b"Seen with a blade outside school." in check.content

        submitted = client.post(reverse("referrals:check", args=[referral.pk]), follow=True)
        assert b"Referral submitted" in submitted.content
        referral.refresh_from_db()
        assert referral.status == "submitted"

        listing = client.get(reverse("referrals:list"))
        assert b"Tyler Marsh" in listing.content
        assert b"Submitted" in listing.content

    def test_an_ineligible_referral_shows_the_rule_and_reason(self, client, school_caseworker):
        client.force_login(school_caseworker)
        adult = make_person(school_caseworker, date_of_birth=years_ago(19))
        response = client.post(
            reverse("referrals:new-details", args=[adult.pk]),
            {
                "pathway": "u18_prevention",
                "area": "durham",
                "narrative": "Concern",
                "risk_level": "medium",
                **date_parts("incident_date", years_ago(0)),
            },
        )
        assert response.status_code == 200
        assert b"There is a problem" in response.content
        assert b"this pathway is for under-18s" in response.content
        assert Referral.objects.count() == 0

    def test_a_half_entered_date_is_explained(self, client, school_caseworker):
        client.force_login(school_caseworker)
        response = client.get(
            reverse("referrals:new"),
            {
                "family_name": "Marsh",
                "date_of_birth_0": "12",
                "date_of_birth_1": "",
                "date_of_birth_2": "",
            },
        )
        assert b"Date of birth must include a month and year" in response.content

    def test_submitting_without_consent_explains_why(self, client, school_caseworker):
        client.force_login(school_caseworker)
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        response = client.post(reverse("referrals:check", args=[referral.pk]))
        assert b"Record consent for panel discussion" in response.content
        referral.refresh_from_db()
        assert referral.status == "draft"


@pytest.mark.django_db
class TestTheCoordinatorsQueue:
    def test_the_queue_shows_the_areas_submitted_referrals_highest_risk_first(
        self, client, school_caseworker, coordinator
    ):
        medium = submitted_referral(
            school_caseworker,
            person=make_person(school_caseworker, given_name="Medium", date_of_birth=years_ago(14)),
            risk_level="medium",
        )
        high = submitted_referral(
            school_caseworker,
            person=make_person(school_caseworker, given_name="High", date_of_birth=years_ago(14)),
            risk_level="high",
        )
        client.force_login(coordinator)

        content = client.get(reverse("referrals:screening")).content.decode()

        assert content.index(f"/referrals/{high.pk}/") < content.index(f"/referrals/{medium.pk}/")

    def test_screening_from_the_page(self, client, school_caseworker, coordinator):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client.force_login(coordinator)

        response = client.post(
            reverse("referrals:screen", args=[referral.pk]),
            {"outcome": "returned", "questions": "Is the family aware?"},
        )

        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == "returned"

    def test_a_second_screening_is_a_409_with_an_explanation(
        self, client, school_caseworker, coordinator
    ):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client.force_login(coordinator)
        client.post(
            reverse("referrals:screen", args=[referral.pk]), {"outcome": "accepted_for_panel"}
        )

        again = client.post(
            reverse("referrals:screen", args=[referral.pk]), {"outcome": "declined", "note": "No"}
        )

        assert again.status_code == 409
        assert b"Cannot screen a referral that is accepted for panel" in again.content

    @pytest.mark.parametrize("who", ["school_caseworker", "provider_keyworker", "ig_officer"])
    def test_only_coordinators_have_a_screening_queue(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("referrals:screening")).status_code == 403

    def test_a_referrer_cannot_screen_through_the_page(self, client, school_caseworker):
        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client.force_login(school_caseworker)
        response = client.post(
            reverse("referrals:screen", args=[referral.pk]), {"outcome": "accepted_for_panel"}
        )
        assert response.status_code == 403
        referral.refresh_from_db()
        assert referral.status == "submitted"


@pytest.mark.django_db
class TestWhoSeesReferralPages:
    @pytest.mark.parametrize(
        "page", ["referrals:detail", "referrals:consent", "referrals:check", "referrals:edit"]
    )
    def test_another_organisation_gets_404(self, client, school_caseworker, police_officer, page):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client.force_login(police_officer)
        assert client.get(reverse(page, args=[referral.pk])).status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(reverse("referrals:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))

    def test_the_list_page_has_a_query_budget(
        self, client, school_caseworker, django_assert_max_num_queries
    ):
        for n in range(10):
            make_referral(
                school_caseworker,
                person=make_person(
                    school_caseworker, given_name=f"P{n}", date_of_birth=years_ago(14)
                ),
            )
        client.force_login(school_caseworker)
        # session, user, memberships, count, page
        # ...plus the one INSERT that writes the request's audit events, and the session
        # save that renews its idle timeout (two queries), and the second-factor device, and
        # whether they own panel actions (the navigation's "My actions").
        with django_assert_max_num_queries(11):
            assert client.get(reverse("referrals:list")).status_code == 200


@pytest.mark.django_db
class TestListPagesCostTheSameForOneRowOrMany:
    """A list page's queries do not grow with the rows it shows (no query per row)."""

    @staticmethod
    def _queries(client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def test_the_referral_list(self, client, school_caseworker):
        client.force_login(school_caseworker)
        make_referral(school_caseworker)
        one = self._queries(client, reverse("referrals:list"))
        for _ in range(9):
            make_referral(school_caseworker)
        assert self._queries(client, reverse("referrals:list")) == one

    def test_the_screening_queue(self, client, school_caseworker, coordinator):
        client.force_login(coordinator)
        submitted_referral(school_caseworker)
        one = self._queries(client, reverse("referrals:screening"))
        for _ in range(9):
            submitted_referral(school_caseworker)
        assert self._queries(client, reverse("referrals:screening")) == one
