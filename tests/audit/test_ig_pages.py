"""IG's web pages: finding people, access history, the review queue, legal holds, the
subject access export and its release; and break-glass for anyone with a role."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode

from audit.models import AuditEvent, BreakGlassGrant, LegalHold, ReviewFlag, SubjectAccessRelease
from audit.permissions import can
from audit.readable import generated_at
from audit.recorder import build_event
from audit.services import break_glass, legal_hold_place
from core.templatetags.govuk import govuk_datetime
from tests.factories import case_ready_for_delivery, make_person, submitted_referral, years_ago
from tests.support import VerifiedClient, date_parts

pytestmark = pytest.mark.django_db

REFUSED = ["school_caseworker", "coordinator", "analyst"]
TYLER = {
    "given_name": "Tyler",
    "family_name": "Ashworth",
    "date_of_birth": years_ago(15),
    "nhs_number": "9434765919",
    "police_reference": "DUR/2026/1234",
}


@pytest.fixture
def tyler(school_caseworker):
    return make_person(school_caseworker, **TYLER)


@pytest.fixture
def ig(client, ig_officer):
    client.force_login(ig_officer)
    return client


def _events(**filters):
    return AuditEvent.objects.filter(**filters)


class TestFindPeople:
    url = reverse("audit:find-people")

    def test_by_family_name_and_date_of_birth_linking_to_the_access_history(self, ig, tyler):
        make_person(tyler.created_by, given_name="Zara", family_name="Okonkwo")
        response = ig.post(
            self.url,
            {"family_name": "ashworth", **date_parts("date_of_birth", TYLER["date_of_birth"])},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Tyler Ashworth" in html
        assert "Okonkwo" not in html
        assert reverse("audit:person", kwargs={"person_id": tyler.pk}) in html

    @pytest.mark.parametrize(
        "query", [{"nhs_number": "943 476 5919"}, {"police_reference": "dur/2026/1234"}]
    )
    def test_by_an_identifier(self, ig, tyler, query):
        assert "Tyler Ashworth" in ig.post(self.url, query).content.decode()

    def test_people_recorded_by_any_organisation_are_found(self, ig, police_officer):
        make_person(police_officer, **TYLER)
        response = ig.post(self.url, {"nhs_number": TYLER["nhs_number"]})
        assert "Tyler Ashworth" in response.content.decode()

    def test_the_search_is_an_audit_event_without_the_terms(self, ig, ig_officer, tyler):
        ig.post(self.url, {"police_reference": TYLER["police_reference"]})

        search = _events(user=ig_officer, action="find_people").get()
        assert search.kind == "access"
        details = json.loads(search.content)["details"]
        assert details == {"searched_by": ["police_reference"], "people_found": 1}
        assert "1234" not in search.content
        assert "Ashworth" not in search.content
        shown = _events(user=ig_officer, action="search", object_type="person")
        assert list(shown.values_list("person_id", flat=True)) == [tyler.pk]

    def test_queries_do_not_grow_with_the_people_found(self, ig, school_caseworker, police_officer):
        def counted():
            with CaptureQueriesContext(connection) as queries:
                ig.post(self.url, {"nhs_number": TYLER["nhs_number"]})
            return len(queries)

        make_person(school_caseworker, **TYLER)
        one = counted()
        for _ in range(5):
            make_person(police_officer, **TYLER)
        assert counted() == one

    def test_the_empty_page_searches_nothing(self, ig, ig_officer):
        response = ig.get(self.url)
        assert response.status_code == 200
        assert not _events(user=ig_officer).exists()

    def test_the_terms_are_posted_never_put_in_the_address(self, ig, ig_officer, tyler):
        html = ig.get(self.url).content.decode()
        assert '<form method="post"' in html
        assert "csrfmiddlewaretoken" in html
        # Terms in a query string (an old bookmark, a hand-made link) search nothing.
        response = ig.get(self.url, {"nhs_number": TYLER["nhs_number"]})
        assert "Tyler Ashworth" not in response.content.decode()
        assert not _events(user=ig_officer).exists()

    def test_a_post_without_the_csrf_token_is_refused(self, ig_officer, tyler):
        strict = VerifiedClient(enforce_csrf_checks=True)
        strict.force_login(ig_officer)
        response = strict.post(self.url, {"nhs_number": TYLER["nhs_number"]})
        assert response.status_code == 403
        assert not _events(action="find_people").exists()

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"family_name": "Ashworth"}, "date_of_birth", "searched together"),
            ({"nhs_number": "123"}, "nhs_number", "NHS number"),
            (
                {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "2010"},
                "date_of_birth",
                "real date",
            ),
        ],
    )
    def test_bad_input_names_the_field_and_records_no_search(
        self, ig, ig_officer, tyler, query, field, message
    ):
        response = ig.post(self.url, {"family_name": "", **query})
        assert response.status_code == 200
        form = response.context["form"]
        assert field in form.errors, form.errors
        assert message.lower() in " ".join(form.errors[field]).lower()
        assert "There is a problem" in response.content.decode()
        assert not _events(user=ig_officer).exists()

    def test_no_criterion_at_all_is_an_error(self, ig, ig_officer):
        response = ig.post(self.url, {"family_name": "", "nhs_number": ""})
        assert "Search by family name and date of birth" in response.content.decode()
        assert not _events(user=ig_officer).exists()

    @pytest.mark.parametrize("who", REFUSED)
    def test_others_are_refused(self, client, request, who, tyler):
        client.force_login(request.getfixturevalue(who))
        response = client.post(self.url, {"nhs_number": TYLER["nhs_number"]})
        assert response.status_code == 403
        assert not _events(action="find_people").exists()


def _seen(person, viewer, count):
    for _ in range(count):
        build_event(
            kind="access",
            user=viewer,
            action="view",
            object_type="case",
            object_id="7",
            person_id=person.pk,
        ).save()


class TestAccessHistory:
    def test_names_the_person_and_reads_as_sentences(self, ig, tyler, school_caseworker):
        school_caseworker.first_name, school_caseworker.last_name = "Sam", "Shaw"
        school_caseworker.save()
        _seen(tyler, school_caseworker, 1)

        response = ig.get(reverse("audit:person", kwargs={"person_id": tyler.pk}))

        html = response.content.decode()
        assert "Access history of Tyler Ashworth" in html
        assert "Sam Shaw viewed Tyler Ashworth&#x27;s case" in html
        # The id is only in the addresses of the person's pages, never in the words.
        links = (f"/audit/people/{tyler.pk}/", f"/sharing/people/{tyler.pk}/")
        for link in links:
            html = html.replace(link, "")
        assert str(tyler.pk) not in html
        assert timezone.localtime().strftime("%B %Y") in html

    def test_queries_do_not_grow_with_the_page(self, ig, tyler, school_caseworker, police_officer):
        url = reverse("audit:person", kwargs={"person_id": tyler.pk})
        _seen(tyler, school_caseworker, 2)
        with CaptureQueriesContext(connection) as few:
            ig.get(url)
        _seen(tyler, police_officer, 20)
        with CaptureQueriesContext(connection) as many:
            ig.get(url)
        assert len(many) == len(few)

    @pytest.mark.parametrize("who", REFUSED)
    def test_others_are_refused(self, client, request, who, tyler):
        client.force_login(request.getfixturevalue(who))
        assert (
            client.get(reverse("audit:person", kwargs={"person_id": tyler.pk})).status_code == 403
        )


def test_the_trail_s_queries_do_not_grow_with_the_page(
    ig, tyler, school_caseworker, police_officer
):
    _seen(tyler, school_caseworker, 2)
    with CaptureQueriesContext(connection) as few:
        ig.get(reverse("audit:search"))
    _seen(tyler, police_officer, 30)
    with CaptureQueriesContext(connection) as many:
        ig.get(reverse("audit:search"))
    assert len(many) == len(few)


class TestReviewQueue:
    def test_counts_and_links_to_the_person(self, ig, tyler, police_officer, ig_officer):
        break_glass(actor=police_officer, person=tyler, reason="Checking a reported threat tonight")

        response = ig.get(reverse("audit:flags"))

        html = response.content.decode()
        assert "1 unreviewed of 1 flag" in html
        assert reverse("audit:person", kwargs={"person_id": tyler.pk}) in html
        assert "broke the glass to open a person&#x27;s records" in html
        assert "Tyler" not in html

    def test_no_review_form_on_a_flag_about_the_officer_s_own_access(
        self, ig, ig_officer, tyler, police_officer
    ):
        break_glass(actor=ig_officer, person=tyler, reason="Checking a reported threat tonight")
        break_glass(actor=police_officer, person=tyler, reason="A threat to him was reported")
        own = ReviewFlag.objects.get(user=ig_officer)
        other = ReviewFlag.objects.get(user=police_officer)

        html = ig.get(reverse("audit:flags")).content.decode()

        assert reverse("audit:review", kwargs={"flag_id": other.pk}) in html
        assert reverse("audit:review", kwargs={"flag_id": own.pk}) not in html
        assert html.count("Another IG officer reviews this") == 1

    def test_the_queue_is_paged_oldest_first_and_counts_every_flag(
        self, ig, school_caseworker, police_officer, monkeypatch
    ):
        monkeypatch.setattr("audit.views.FLAGS_PER_PAGE", 2)
        for _ in range(3):
            person = make_person(school_caseworker, family_name="Flagged")
            break_glass(actor=police_officer, person=person, reason="Checking a reported threat")
        oldest, middle, newest = ReviewFlag.objects.order_by("raised_at", "pk")

        first = ig.get(reverse("audit:flags")).content.decode()
        second = ig.get(reverse("audit:flags"), {"page": "2"}).content.decode()

        def offered(html, flag):
            return reverse("audit:review", kwargs={"flag_id": flag.pk}) in html

        for html in (first, second):
            assert "3 unreviewed of 3 flags" in html
        assert [offered(first, f) for f in (oldest, middle, newest)] == [True, True, False]
        assert [offered(second, f) for f in (oldest, middle, newest)] == [False, False, True]
        assert "?page=2" in first
        assert "?page=1" in second
        # A page beyond the last shows the last, never an error.
        assert offered(ig.get(reverse("audit:flags"), {"page": "9"}).content.decode(), newest)

    def test_queries_do_not_grow_with_the_queue(self, ig, school_caseworker, police_officer):
        def flags(n):
            for _ in range(n):
                person = make_person(school_caseworker, family_name="Flagged")
                break_glass(
                    actor=police_officer, person=person, reason="Checking a reported threat"
                )

        flags(2)
        ig.get(reverse("audit:flags"))  # the first scan of the chain
        with CaptureQueriesContext(connection) as few:
            ig.get(reverse("audit:flags"))
        flags(8)
        ig.get(reverse("audit:flags"))
        with CaptureQueriesContext(connection) as many:
            ig.get(reverse("audit:flags"))
        assert len(many) == len(few)


class TestLegalHolds:
    def test_place_then_lift_with_reasons(self, ig, ig_officer, tyler):
        place = reverse("audit:hold-place", kwargs={"person_id": tyler.pk})
        assert "Tyler Ashworth" in ig.get(place).content.decode()

        response = ig.post(place, {"reason": "Civil claim pending against the council"})

        assert response.status_code == 302
        hold = LegalHold.objects.get(person=tyler)
        assert (hold.reason, hold.placed_by, hold.lifted_at) == (
            "Civil claim pending against the council",
            ig_officer,
            None,
        )
        assert _events(action="legal_hold_place", person_id=tyler.pk, kind="governance").exists()

        lift = reverse("audit:hold-lift", kwargs={"person_id": tyler.pk, "hold_id": hold.pk})
        page = ig.get(lift).content.decode()
        assert "Are you sure you want to lift the legal hold on Tyler Ashworth" in page
        assert "Civil claim pending" in page

        response = ig.post(lift, {"reason": "The claim was settled"})

        assert response.status_code == 302
        hold.refresh_from_db()
        assert hold.lifted_by == ig_officer
        assert hold.lift_reason == "The claim was settled"
        assert hold.lifted_at is not None
        assert _events(action="legal_hold_lift", person_id=tyler.pk).exists()
        assert ig.get(lift).status_code == 404  # lifted already: nothing to lift

    def test_a_hold_without_a_reason_is_refused_naming_the_field(self, ig, tyler):
        response = ig.post(
            reverse("audit:hold-place", kwargs={"person_id": tyler.pk}), {"reason": "  "}
        )
        assert response.status_code == 400
        assert "Enter why the records must be kept" in response.content.decode()
        assert not LegalHold.objects.exists()
        assert not _events(action="legal_hold_place").exists()

    def test_a_reason_too_long_is_refused_naming_it(self, ig, tyler):
        response = ig.post(
            reverse("audit:hold-place", kwargs={"person_id": tyler.pk}), {"reason": "x" * 2001}
        )
        assert "The reason must be 2000 characters or fewer" in response.content.decode()
        assert not LegalHold.objects.exists()

    def test_lifting_without_a_reason_changes_nothing(self, ig, ig_officer, tyler):
        hold = legal_hold_place(actor=ig_officer, person=tyler, reason="Civil claim")
        response = ig.post(
            reverse("audit:hold-lift", kwargs={"person_id": tyler.pk, "hold_id": hold.pk}),
            {"reason": ""},
        )
        assert response.status_code == 400
        assert "Enter why the hold can be lifted" in response.content.decode()
        hold.refresh_from_db()
        assert hold.lifted_at is None

    @pytest.mark.parametrize("who", REFUSED)
    def test_others_are_refused(self, client, request, who, ig_officer, tyler):
        hold = legal_hold_place(actor=ig_officer, person=tyler, reason="Civil claim")
        client.force_login(request.getfixturevalue(who))
        place = reverse("audit:hold-place", kwargs={"person_id": tyler.pk})
        lift = reverse("audit:hold-lift", kwargs={"person_id": tyler.pk, "hold_id": hold.pk})
        assert client.post(place, {"reason": "Because"}).status_code == 403
        assert client.post(lift, {"reason": "Because"}).status_code == 403
        assert LegalHold.objects.get().lifted_at is None
        assert LegalHold.objects.count() == 1


class TestSubjectAccessExport:
    def test_a_readable_page_with_labels_and_a_json_download(
        self, ig, school_caseworker, coordinator, panel_chair
    ):
        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
        person = case.person

        page = ig.get(reverse("audit:export", kwargs={"person_id": person.pk}))

        html = page.content.decode()
        assert "Everything held about Jordan Fletcher" in html
        assert "Prevention and early intervention" in html  # the pathway's label
        assert "u18_prevention" not in html
        assert "Referral 1" in html
        assert "Not released to the person yet" in html
        download = ig.get(reverse("audit:export-json", kwargs={"person_id": person.pk}))
        assert download["Content-Type"] == "application/json"
        assert "attachment" in download["Content-Disposition"]
        assert download.json()["people"][0]["family_name"] == "Fletcher"
        assert _events(kind="export", person_id=person.pk).count() == 2

    def test_moments_read_in_gov_uk_style(self):
        assert generated_at({"generated_at": "2026-11-27T17:30:00+00:00"}) == (
            "27 November 2026, 5:30pm"
        )

    def test_release_to_the_person_is_recorded_and_shown(self, ig, ig_officer, tyler):
        release = reverse("audit:export-release", kwargs={"person_id": tyler.pk})
        assert "Are you sure" in ig.get(release).content.decode()

        response = ig.post(release, {"delivery": "Handed over at the council office"})

        assert response.status_code == 302
        recorded = SubjectAccessRelease.objects.get(person=tyler)
        assert (recorded.released_by, recorded.delivery) == (
            ig_officer,
            "Handed over at the council office",
        )
        assert _events(action="subject_access_release", person_id=tyler.pk).exists()
        today = timezone.localdate()
        shown = f"Released to the person on {today.day} {today:%B %Y} by {ig_officer}"
        assert shown in ig.get(response.url).content.decode()
        export = ig.get(reverse("audit:export", kwargs={"person_id": tyler.pk}))
        assert shown in export.content.decode()

    def test_a_release_without_saying_how_writes_nothing(self, ig, tyler):
        response = ig.post(
            reverse("audit:export-release", kwargs={"person_id": tyler.pk}), {"delivery": ""}
        )
        assert response.status_code == 400
        assert "Enter how the export was given to the person" in response.content.decode()
        assert not SubjectAccessRelease.objects.exists()

    @pytest.mark.parametrize("who", REFUSED)
    def test_others_are_refused(self, client, request, who, tyler):
        client.force_login(request.getfixturevalue(who))
        for name in ("audit:export", "audit:export-json", "audit:export-release"):
            assert client.get(reverse(name, kwargs={"person_id": tyler.pk})).status_code == 403
        release = reverse("audit:export-release", kwargs={"person_id": tyler.pk})
        assert client.post(release, {"delivery": "By post"}).status_code == 403
        assert not SubjectAccessRelease.objects.exists()


class TestBreakGlass:
    def test_anyone_with_a_role_sees_the_expiry_and_is_flagged(
        self, client, police_officer, tyler, settings
    ):
        settings.BREAK_GLASS_MINUTES = 90
        client.force_login(police_officer)
        url = reverse("audit:break-glass", kwargs={"person_id": tyler.pk})
        page = client.get(url).content.decode()
        assert "90 minutes" in page
        assert "flagged for review by information governance" in page
        assert "Tyler" not in page

        response = client.post(url, {"reason": "A threat to him was reported tonight"})

        assert response.status_code == 302
        grant = BreakGlassGrant.objects.get(user=police_officer, person=tyler)
        assert grant.reason == "A threat to him was reported tonight"
        assert ReviewFlag.objects.filter(kind="break_glass", user=police_officer).exists()
        after = client.get(url).content.decode()
        assert "You can see these records" in after
        assert f"until {govuk_datetime(grant.expires_at)}" in after
        assert "a.m." not in after
        assert "p.m." not in after

    def test_after_breaking_the_glass_the_user_continues_to_the_record(
        self, client, police_officer, tyler
    ):
        client.force_login(police_officer)
        record = "/referrals/some-referral/?tab=people"
        url = reverse("audit:break-glass", kwargs={"person_id": tyler.pk})
        asking = client.get(url, {"next": record}).content.decode()
        assert f'href="{escape(record)}">Cancel' in asking

        response = client.post(
            f"{url}?{urlencode({'next': record})}",
            {"reason": "A threat to him was reported tonight"},
        )

        assert response.status_code == 302
        assert response["Location"] == f"{url}?{urlencode({'next': record})}"
        after = client.get(response["Location"]).content.decode()
        assert f'href="{escape(record)}">Continue to the record' in after

    @pytest.mark.parametrize(
        "elsewhere", ["https://evil.example/", "//evil.example/records", "javascript:alert(1)"]
    )
    def test_next_never_leads_off_the_site(self, client, police_officer, tyler, elsewhere):
        client.force_login(police_officer)
        url = reverse("audit:break-glass", kwargs={"person_id": tyler.pk})
        response = client.post(
            f"{url}?{urlencode({'next': elsewhere})}",
            {"reason": "A threat to him was reported tonight"},
        )
        assert response["Location"] == url
        after = client.get(f"{url}?{urlencode({'next': elsewhere})}").content.decode()
        assert "Continue to the record" not in after
        assert "evil.example" not in after
        assert "javascript:" not in after

    @pytest.mark.parametrize("reason", ["", "Just looking"])
    def test_a_short_or_missing_reason_opens_nothing(self, client, police_officer, tyler, reason):
        client.force_login(police_officer)
        response = client.post(
            reverse("audit:break-glass", kwargs={"person_id": tyler.pk}), {"reason": reason}
        )
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
        assert not BreakGlassGrant.objects.exists()

    def test_an_analyst_is_refused_and_not_offered_it(self, client, analyst, tyler):
        client.force_login(analyst)
        url = reverse("audit:break-glass", kwargs={"person_id": tyler.pk})
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"reason": "A threat to him was reported tonight"}).status_code == 403
        )
        assert not BreakGlassGrant.objects.exists()
        assert not can(analyst, "audit.break_glass", tyler)

    def test_someone_with_no_role_is_refused(self, client, tyler):
        from tests.factories import UserFactory

        client.force_login(UserFactory())
        url = reverse("audit:break-glass", kwargs={"person_id": tyler.pk})
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"reason": "A threat to him was reported tonight"}).status_code == 403
        )
        assert not BreakGlassGrant.objects.exists()


def test_the_navigation_offers_find_a_person_to_ig_only(client, ig_officer, school_caseworker):
    client.force_login(ig_officer)
    assert reverse("audit:find-people") in client.get("/").content.decode()
    client.force_login(school_caseworker)
    assert reverse("audit:find-people") not in client.get("/").content.decode()


def test_the_export_of_someone_else_stays_out(ig, school_caseworker, tyler):
    submitted_referral(school_caseworker, person=tyler)
    other = make_person(school_caseworker, given_name="Zara", family_name="Okonkwo")
    html = ig.get(reverse("audit:export", kwargs={"person_id": tyler.pk})).content.decode()
    assert "Okonkwo" not in html
    assert str(other.pk) not in html


def test_the_search_walks_older_and_newer_pages_of_the_trail(ig, tyler, school_caseworker):
    from audit.selectors import EVENTS_PER_PAGE

    who = {"username": school_caseworker.username}
    _seen(tyler, school_caseworker, EVENTS_PER_PAGE + 5)
    first = ig.get(reverse("audit:search"), who)
    assert first.status_code == 200
    newest = first.context["page"].items
    assert len(newest) == EVENTS_PER_PAGE
    second = ig.get(reverse("audit:search"), {**who, "cursor": first.context["page"].next_cursor})
    assert second.status_code == 200
    older = second.context["page"].items
    assert older
    assert max(e.pk for e in older) < min(e.pk for e in newest)
    back = ig.get(
        reverse("audit:search"), {**who, "cursor": second.context["page"].previous_cursor}
    )
    assert [e.pk for e in back.context["page"].items] == [e.pk for e in newest]
    # The links carry the search with them.
    assert f"username={school_caseworker.username}" in first.context["page"].next_query
