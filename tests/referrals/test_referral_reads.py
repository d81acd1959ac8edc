"""The referral reads at any size: a page costs the same number of queries for 5 referrals
or 30 and for a page of 5 or 30; pages follow each other by cursor, newest first; a cursor
that is not ours is a 400 that says so; break-glass grants still open the list while they
last, and only then."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import BreakGlassGrant
from tests.factories import make_person, make_referral, submitted_referral, years_ago

REFERRALS_URL = "/api/v1/referrals/"


def _queries(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return len(queries), response


def _referrals(actor, n, *, submitted=False):
    make = submitted_referral if submitted else make_referral
    return [
        make(actor, person=make_person(actor, given_name=f"P{i}", date_of_birth=years_ago(14)))
        for i in range(n)
    ]


@pytest.mark.django_db
class TestQueriesDoNotGrow:
    # token, memberships, the page (person and organisation joined, break-glass grants as
    # one subquery), and the one INSERT of the request's audit events.
    BUDGET = 5

    @pytest.mark.parametrize("who", ["school_caseworker", "coordinator"])
    def test_the_api_list_costs_the_same_for_5_or_30_referrals_and_any_page_size(
        self, api, request, school_caseworker, who
    ):
        client = api(request.getfixturevalue(who))
        client.get(REFERRALS_URL)  # the token's first use is recorded once, apart from lists
        _referrals(school_caseworker, 5, submitted=True)
        small = {size: _queries(client, REFERRALS_URL, {"page_size": size})[0] for size in (5, 30)}
        _referrals(school_caseworker, 25, submitted=True)
        large = {size: _queries(client, REFERRALS_URL, {"page_size": size})[0] for size in (5, 30)}
        filtered, response = _queries(
            client, REFERRALS_URL, {"page_size": 30, "status": ["submitted", "returned"]}
        )
        assert len(response.json()["results"]) == 30
        assert set(small.values()) == set(large.values()) == {filtered}
        assert filtered <= self.BUDGET

    def test_a_later_page_costs_what_the_first_does(self, api, school_caseworker):
        client = api(school_caseworker)
        client.get(REFERRALS_URL)  # the token's first use is recorded once, apart from lists
        _referrals(school_caseworker, 12)
        first, response = _queries(client, REFERRALS_URL, {"page_size": 5})
        later, _ = _queries(client, response.json()["next"])
        assert first == later

    def test_the_web_list_and_queue_cost_the_same_for_5_or_30(
        self, client, school_caseworker, coordinator
    ):
        _referrals(school_caseworker, 5, submitted=True)
        client.force_login(school_caseworker)
        referrer_small = _queries(client, reverse("referrals:list"))[0]
        client.force_login(coordinator)
        queue_small = _queries(client, reverse("referrals:screening"))[0]
        _referrals(school_caseworker, 25, submitted=True)
        queue_large, page = _queries(client, reverse("referrals:screening"))
        client.force_login(school_caseworker)
        referrer_large = _queries(client, reverse("referrals:list"))[0]
        assert referrer_small == referrer_large
        assert queue_small == queue_large
        assert page.content.decode().count('class="govuk-table__row"') == 25 + 1  # head row


@pytest.mark.django_db
class TestPagingByCursor:
    def test_next_and_previous_walk_the_list_newest_first(self, api, school_caseworker):
        made = _referrals(school_caseworker, 7)
        newest_first = [str(r.pk) for r in reversed(made)]
        client = api(school_caseworker)

        first = client.get(REFERRALS_URL, {"page_size": 3}).json()
        assert set(first) == {"next", "previous", "results"}
        assert first["previous"] is None
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
        assert third["next"] is None
        listed = [r["id"] for page in (first, second, third) for r in page["results"]]
        assert listed == newest_first

        back = client.get(third["previous"]).json()
        assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
        again = client.get(back["previous"]).json()
        assert [r["id"] for r in again["results"]] == newest_first[:3]
        assert again["previous"] is None

    def test_a_filter_stays_with_its_cursor(self, api, school_caseworker):
        _referrals(school_caseworker, 3)
        _referrals(school_caseworker, 3, submitted=True)
        client = api(school_caseworker)
        first = client.get(REFERRALS_URL, {"status": "submitted", "page_size": 2}).json()
        second = client.get(first["next"]).json()
        statuses = {r["status"] for r in first["results"] + second["results"]}
        assert statuses == {"submitted"}
        assert second["next"] is None

    @pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjogWzFdLCAiYiI6IDB9", "e30"])
    def test_a_cursor_that_is_not_ours_is_a_400_naming_it(self, api, school_caseworker, cursor):
        _referrals(school_caseworker, 1)
        response = api(school_caseworker).get(REFERRALS_URL, {"cursor": cursor})
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["attr"] == "cursor"
        assert "Invalid cursor" in error["detail"]

    def test_a_damaged_link_on_the_web_list_shows_the_first_page(self, client, school_caseworker):
        _referrals(school_caseworker, 2)
        client.force_login(school_caseworker)
        response = client.get(reverse("referrals:list"), {"cursor": "garbage"})
        assert response.status_code == 200
        assert response.content.decode().count("referrals/") >= 2

    def test_the_web_list_pages_with_previous_and_next_links(self, client, school_caseworker):
        made = _referrals(school_caseworker, 27)
        client.force_login(school_caseworker)
        first = client.get(reverse("referrals:list"), {"status": "draft"})
        content = first.content.decode()
        assert 'rel="next"' in content
        assert 'rel="prev"' not in content
        assert first.context["page"].next_query.startswith("status=draft&cursor=")
        second = client.get(f"{reverse('referrals:list')}?{first.context['page'].next_query}")
        assert [r.pk for r in second.context["page"].items] == [made[1].pk, made[0].pk]
        assert 'rel="prev"' in second.content.decode()


@pytest.mark.django_db
class TestBreakGlassStillOpensTheList:
    def test_a_live_grant_lists_the_referral_and_an_expired_one_does_not(
        self, api, school_caseworker, police_officer
    ):
        referral = submitted_referral(school_caseworker)
        officer = api(police_officer)
        assert officer.get(REFERRALS_URL).json()["results"] == []

        granted = officer.post(
            f"/api/v1/people/{referral.person_id}/break-glass/",
            {"reason": "Knife incident tonight; need to know who else is involved"},
            format="json",
        )
        assert granted.status_code == 201
        listed = officer.get(REFERRALS_URL).json()["results"]
        assert [r["id"] for r in listed] == [str(referral.pk)]
        assert officer.get(f"{REFERRALS_URL}{referral.pk}/").status_code == 200

        BreakGlassGrant.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        assert officer.get(REFERRALS_URL).json()["results"] == []
        assert officer.get(f"{REFERRALS_URL}{referral.pk}/").status_code == 404
