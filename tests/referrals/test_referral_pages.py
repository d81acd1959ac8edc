"""The referral journey through the web pages, and who is refused."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from referrals.models import Person
from tests.factories import make_person, make_referral, submitted_referral, years_ago
from tests.support import VerifiedClient, date_parts


@pytest.mark.django_db
class TestTheCaseworkersJourney:
    def test_find_then_record_the_person_and_the_questions_begin(self, client, school_caseworker):
        client.force_login(school_caseworker)
        born = years_ago(14, days=-40)

        search = client.post(
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
        # The question flow (tests/referrals/test_referral_wizard.py) starts at the pathway.
        started = client.get(recorded["Location"])
        assert started["Location"] == reverse(
            "referrals:new-step", kwargs={"person_id": person.pk, "step": "pathway"}
        )

    def test_a_found_person_is_referred_from_the_search(self, client, school_caseworker):
        person = make_person(school_caseworker, family_name="Marsh", date_of_birth=years_ago(14))
        client.force_login(school_caseworker)

        search = client.post(
            reverse("referrals:new"),
            {"family_name": "Marsh", **date_parts("date_of_birth", person.date_of_birth)},
        )

        assert reverse("referrals:new-details", args=[person.pk]) in search.content.decode()

    def test_the_search_is_posted_so_name_and_birth_date_stay_out_of_the_address(
        self, client, school_caseworker
    ):
        person = make_person(school_caseworker, family_name="Marsh", date_of_birth=years_ago(14))
        client.force_login(school_caseworker)
        page = client.get(reverse("referrals:new"))
        assert 'method="post"' in page.content.decode()
        assert b"csrfmiddlewaretoken" in page.content

        # A search in the query string is not read: no matches, no errors, just the form.
        asked = client.get(
            reverse("referrals:new"),
            {"family_name": "Marsh", **date_parts("date_of_birth", person.date_of_birth)},
        )
        assert asked.status_code == 200
        assert reverse("referrals:new-details", args=[person.pk]) not in asked.content.decode()

    def test_a_search_without_the_csrf_token_is_refused(self, school_caseworker):
        strict = VerifiedClient(enforce_csrf_checks=True)
        strict.force_login(school_caseworker)
        response = strict.post(
            reverse("referrals:new"),
            {"family_name": "Marsh", **date_parts("date_of_birth", years_ago(14))},
        )
        assert response.status_code == 403

    def test_a_refused_user_is_refused_before_the_search_is_read(self, client, coordinator):
        client.force_login(coordinator)
        response = client.post(reverse("referrals:new"), {"family_name": "Marsh"})
        assert response.status_code == 403

    def test_a_half_entered_date_is_explained(self, client, school_caseworker):
        client.force_login(school_caseworker)
        response = client.post(
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
class TestChangingADraft:
    def test_only_the_pathways_own_questions_are_asked_and_the_change_is_saved(
        self, client, school_caseworker
    ):
        referral = make_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        client.force_login(school_caseworker)
        page = client.get(reverse("referrals:edit", args=[referral.pk])).content.decode()
        assert "Which risk factors apply?" in page
        assert "DASH" not in page
        assert "night-time economy" not in page

        saved = client.post(
            reverse("referrals:edit", args=[referral.pk]),
            {
                "version": referral.version,
                "incident-area": "durham",
                **date_parts("incident-incident_date", referral.incident_date),
                "risk-risk_factors": ["knife_carrying", "missing_episodes"],
                "risk-risk_level": "high",
                "narrative-narrative": "Seen with a blade again.",
            },
        )

        assert saved["Location"] == reverse("referrals:check", args=[referral.pk])
        refused = client.post(
            reverse("referrals:edit", args=[referral.pk]),
            {"version": referral.version + 1, "incident-area": "durham"},
        )
        assert refused.content.decode().count("There is a problem") == 1
        referral.refresh_from_db()
        assert referral.risk_factors == ["knife_carrying", "missing_episodes"]
        assert referral.narrative == "Seen with a blade again."


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
        # whether they own panel actions (the navigation's "My actions"), and the header's
        # unread notifications count.
        with django_assert_max_num_queries(12):
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


@pytest.mark.django_db
def test_a_referrer_who_learns_of_other_partners_referrals_is_offered_to_break_the_glass(
    client, school_caseworker, police_officer
):
    ours = submitted_referral(school_caseworker)
    submitted_referral(police_officer)  # the same fictional person, as the police know them
    client.force_login(school_caseworker)
    content = client.get(reverse("referrals:detail", args=[ours.pk])).content.decode()
    assert "Other partners have referred this person" in content
    detail = reverse("referrals:detail", args=[ours.pk])
    link = f"{reverse('audit:break-glass', args=[ours.person_id])}?{urlencode({'next': detail})}"
    assert f'href="{escape(link)}"' in content
    assert client.get(link).status_code == 200
