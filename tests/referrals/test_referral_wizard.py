"""A new referral, one question per page: the order of the pages, only the chosen
pathway's questions, "Check your answers" with Change links, and a submission that writes
exactly what was answered, or nothing."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from referrals.models import Consent, DashRecord, Participation, Referral
from tests.factories import make_person, years_ago
from tests.support import date_parts

U18 = "u18_prevention"
DA = "da_knife_repeat"


def dash_answers(yes: int, total: int = 24) -> dict:
    return {f"answer_{n}": "yes" if n <= yes else "no" for n in range(1, total + 1)}


def step_url(person, step):
    return reverse("referrals:new-step", kwargs={"person_id": person.pk, "step": step})


def answer(client, person, step, **fields):
    """Post one page as the browser would: each field under the step's prefix."""
    body = {f"new_referral_{person.pk}-current_step": step}
    for name, value in fields.items():
        body[f"{step}-{name}"] = value
    return client.post(step_url(person, step), body)


def dated(name, day) -> dict:
    return date_parts(name, day)


def next_step(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def u18_answers(
    client,
    person,
    *,
    risk_factors=("knife_carrying",),
    purposes=None,
    given_by="parent_or_guardian",
    taking_part="not_asked",
):
    """Answer every page of a prevention referral, up to "Check your answers"."""
    assert next_step(client.get(reverse("referrals:new-details", args=[person.pk]))) == "pathway"
    steps = [
        next_step(answer(client, person, "pathway", pathway=U18)),
        next_step(
            answer(
                client,
                person,
                "incident",
                area="durham",
                incident_place="School gates",
                **dated("incident_date", years_ago(0, days=-2)),
            )
        ),
        next_step(
            answer(client, person, "risk", risk_factors=list(risk_factors), risk_level="high")
        ),
        next_step(answer(client, person, "narrative", narrative="Seen with a blade.")),
        next_step(
            answer(
                client,
                person,
                "consent",
                purposes=list(purposes or ["assessment", "panel_discussion"]),
                given_by=given_by,
                decision="given",
                method="written",
                giver_name="Dee Marsh" if given_by == "parent_or_guardian" else "",
                **dated("decided_on", years_ago(0)),
            )
        ),
        next_step(
            answer(
                client,
                person,
                "taking-part",
                taking_part=taking_part,
                taking_part_given_by=given_by if taking_part != "not_asked" else "",
                taking_part_method="verbal" if taking_part == "agreed" else "",
                taking_part_giver_name="Dee Marsh" if given_by == "parent_or_guardian" else "",
            )
        ),
    ]
    return steps


@pytest.fixture
def child(school_caseworker):
    return make_person(school_caseworker, date_of_birth=years_ago(14))


@pytest.mark.django_db
class TestTheQuestionFlow:
    def test_the_pages_come_in_order_and_the_referral_is_written_on_submit(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)

        steps = u18_answers(
            client,
            child,
            risk_factors=["knife_carrying", "criminal_exploitation", "gang_association"],
            purposes=["assessment", "panel_discussion"],
            taking_part="agreed",
        )

        # Prevention asks no night-time economy, domestic abuse or DASH questions; taking
        # part in an intervention is asked apart from consent to sharing.
        assert steps == ["incident", "risk", "narrative", "consent", "taking-part", "check"]
        assert Referral.objects.count() == 0, "nothing is written before submitting"
        submitted = answer(client, child, "check")
        referral = Referral.objects.get()
        assert submitted["Location"] == reverse("referrals:detail", args=[referral.pk])
        assert referral.status == "submitted"
        assert sorted(referral.risk_factors) == [
            "criminal_exploitation",
            "gang_association",
            "knife_carrying",
        ]
        assert sorted(Consent.objects.values_list("purpose", flat=True)) == [
            "assessment",
            "panel_discussion",
        ]
        agreement = Participation.objects.get(referral=referral)
        assert (agreement.given_by, agreement.decision, agreement.method) == (
            "parent_or_guardian",
            "agreed",
            "verbal",
        )
        assert agreement.giver_name == "Dee Marsh"
        assert "intervention_delivery" in referral.permitted_purposes
        assert referral.incident_place == "School gates"
        assert not DashRecord.objects.exists()
        detail = visible_text(client.get(submitted["Location"]))
        assert "Criminal exploitation, Gang association, Knife carrying" in detail
        assert "criminal_exploitation" not in detail
        assert not referral.night_time_economy

    def test_the_domestic_abuse_pathway_asks_its_own_questions(self, client, school_caseworker):
        adult = make_person(school_caseworker, date_of_birth=years_ago(30))
        client.force_login(school_caseworker)
        client.get(reverse("referrals:new-details", args=[adult.pk]))

        after_pathway = next_step(answer(client, adult, "pathway", pathway=DA))
        after_incident = next_step(
            answer(
                client,
                adult,
                "incident",
                area="durham",
                **dated("incident_date", years_ago(0, days=-2)),
            )
        )
        page = client.get(step_url(adult, after_incident))

        assert (after_pathway, after_incident) == ("incident", "domestic-abuse")
        text = visible_text(page)
        assert "Was a knife or sharp instrument involved?" in text
        assert "night-time economy" not in text.lower()
        assert next_step(
            answer(
                client,
                adult,
                "domestic-abuse",
                domestic_abuse_incident="yes",
                knife_or_sharp_instrument="yes",
                domestic_abuse_role="victim",
            )
        ) == ("previous-incident")
        assert (
            next_step(
                answer(
                    client,
                    adult,
                    "previous-incident",
                    previous_incident_source="Police log 123",
                    **dated("previous_incident_date", years_ago(0, days=-60)),
                )
            )
            == "dash"
        )
        assert next_step(answer(client, adult, "dash", checklist="safelives_ric_2009")) == (
            "dash-answers"
        )
        questions = visible_text(client.get(step_url(adult, "dash-answers")))
        assert "24. Has the abuser ever been in trouble with the police" in questions
        assert next_step(answer(client, adult, "dash-answers", **dash_answers(15))) == "marac"
        assert next_step(answer(client, adult, "marac")) == "risk"
        risk = visible_text(client.get(step_url(adult, "risk")))
        # The domestic abuse checklist, in words: no gang association there.
        assert "Domestic abuse history" in risk
        assert "Gang association" not in risk

    def test_the_night_time_economy_pathway_asks_when(self, client, school_caseworker):
        adult = make_person(school_caseworker, date_of_birth=years_ago(25))
        client.force_login(school_caseworker)
        client.get(reverse("referrals:new-details", args=[adult.pk]))
        answer(client, adult, "pathway", pathway="nte_alcohol")

        incident = answer(
            client, adult, "incident", area="durham", **dated("incident_date", years_ago(0))
        )

        assert incident.status_code == 200, "the place is asked for on this pathway"
        assert "There is a problem" in visible_text(incident)
        incident = answer(
            client,
            adult,
            "incident",
            area="durham",
            incident_place="Market Street",
            **dated("incident_date", years_ago(0)),
        )
        assert next_step(incident) == "night-time-economy"

    @pytest.mark.parametrize(("gender", "asked"), [("female", True), ("male", False)])
    def test_the_adults_pathway_asks_a_reason_only_outside_its_focus(
        self, client, school_caseworker, gender, asked
    ):
        adult = make_person(school_caseworker, date_of_birth=years_ago(25), gender=gender)
        client.force_login(school_caseworker)
        client.get(reverse("referrals:new-details", args=[adult.pk]))
        answer(client, adult, "pathway", pathway="adult_18_35")

        after = next_step(
            answer(client, adult, "incident", area="durham", **dated("incident_date", years_ago(0)))
        )

        assert after == ("outside-focus" if asked else "risk")

    def test_the_answers_wait_sealed_in_the_session(self, client, school_caseworker, child):
        client.force_login(school_caseworker)
        u18_answers(client, child)

        stored = " ".join(str(session.get_decoded()) for session in Session.objects.all())

        assert f"new_referral_{child.pk}" in stored
        assert "Seen with a blade." not in stored
        assert "Dee Marsh" not in stored

    def test_no_page_can_be_skipped(self, client, school_caseworker, child):
        client.force_login(school_caseworker)
        client.get(reverse("referrals:new-details", args=[child.pk]))

        response = client.get(step_url(child, "check"))

        assert response["Location"] == step_url(child, "pathway")


@pytest.mark.django_db
class TestCheckYourAnswers:
    def test_every_answer_is_listed_in_words_with_a_change_link(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)
        u18_answers(client, child, risk_factors=["knife_carrying", "criminal_exploitation"])

        page = client.get(step_url(child, "check"))
        text = visible_text(page)

        for shown in (
            "Prevention and early intervention (18 and under)",
            "Durham",
            "School gates",
            "Knife carrying",
            "Criminal exploitation",
            "High",
            "Seen with a blade.",
            "Assessment",
            "Panel discussion",
            "A parent or guardian",
            "In writing",
            "Dee Marsh",
        ):
            assert shown in text, shown
        for code in ("u18_prevention", "criminal_exploitation", "panel_discussion"):
            assert code not in text
        html = page.content.decode()
        for step in ("pathway", "incident", "risk", "narrative", "consent", "taking-part"):
            assert f'href="{step_url(child, step)}"' in html, step

    def test_change_comes_back_to_the_check_page_and_keeps_every_other_answer(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)
        u18_answers(client, child)
        client.get(step_url(child, "check"))

        change_page = client.get(step_url(child, "risk"))
        assert 'value="knife_carrying" checked' in change_page.content.decode()
        back = answer(
            client,
            child,
            "risk",
            risk_factors=["knife_carrying", "missing_episodes"],
            risk_level="medium",
        )

        assert next_step(back) == "check"
        text = visible_text(client.get(step_url(child, "check")))
        assert "Missing episodes" in text
        assert "Seen with a blade." in text
        assert "Dee Marsh" in text
        answer(client, child, "check")
        referral = Referral.objects.get()
        assert sorted(referral.risk_factors) == ["knife_carrying", "missing_episodes"]
        assert referral.risk_level == "medium"

    def test_a_changed_pathway_asks_its_own_questions_then_comes_back(
        self, client, school_caseworker
    ):
        adult = make_person(school_caseworker, date_of_birth=years_ago(30))
        client.force_login(school_caseworker)
        u18_answers(client, adult)
        client.get(step_url(adult, "check"))

        after = next_step(answer(client, adult, "pathway", pathway=DA))

        assert after == "domestic-abuse"
        answers = {
            "domestic-abuse": {
                "domestic_abuse_incident": "yes",
                "knife_or_sharp_instrument": "yes",
                "domestic_abuse_role": "victim",
            },
            "previous-incident": {
                "previous_incident_source": "Police log 123",
                **dated("previous_incident_date", years_ago(0, days=-60)),
            },
            "dash": {"checklist": "safelives_ric_2009"},
            "dash-answers": dash_answers(15),
            "marac": {},
            # The prevention checklist's answers are not kept for another checklist.
            "risk": {"risk_factors": ["domestic_abuse_history"], "risk_level": "high"},
        }
        for step, fields in answers.items():
            assert after == step
            after = next_step(answer(client, adult, step, **fields))
        assert after == "check"
        # An adult decides for themselves (u18_answers recorded a parent's decision).
        consent = answer(
            client,
            adult,
            "consent",
            purposes=["panel_discussion"],
            given_by="person",
            decision="given",
            method="verbal",
            **dated("decided_on", years_ago(0)),
        )
        assert next_step(consent) == "check"
        text = visible_text(client.get(step_url(adult, "check")))
        assert "Repeat domestic abuse with a knife or sharp instrument" in text
        assert "Seen with a blade." in text
        submitted = answer(client, adult, "check")
        assert submitted.status_code == 302, visible_text(submitted)
        referral = Referral.objects.get()
        assert referral.pathway == DA
        assert referral.risk_factors == ["domestic_abuse_history"]
        assert referral.marac_referral_required
        record = DashRecord.objects.get(referral=referral)
        assert (record.score, record.band) == (15, "high")
        assert record.answer_list == ["yes"] * 15 + ["no"] * 9

    def test_a_perpetrator_is_not_asked_the_dash_checklist(self, client, school_caseworker):
        adult = make_person(school_caseworker, date_of_birth=years_ago(30))
        client.force_login(school_caseworker)
        client.get(reverse("referrals:new-details", args=[adult.pk]))
        answer(client, adult, "pathway", pathway=DA)
        answer(
            client,
            adult,
            "incident",
            area="durham",
            **dated("incident_date", years_ago(0, days=-2)),
        )
        answer(
            client,
            adult,
            "domestic-abuse",
            domestic_abuse_incident="yes",
            knife_or_sharp_instrument="yes",
            domestic_abuse_role="perpetrator",
        )
        after = next_step(
            answer(
                client,
                adult,
                "previous-incident",
                previous_incident_source="Police log 123",
                **dated("previous_incident_date", years_ago(0, days=-60)),
            )
        )
        assert after == "risk"

    def test_back_from_a_change_goes_to_the_check_page(self, client, school_caseworker, child):
        client.force_login(school_caseworker)
        u18_answers(client, child)
        client.get(step_url(child, "check"))

        page = client.get(step_url(child, "narrative")).content.decode()

        assert f'href="{step_url(child, "check")}" class="govuk-back-link' in page


@pytest.mark.django_db
class TestRefusedSubmissions:
    def test_an_ineligible_referral_is_explained_and_nothing_is_written(
        self, client, school_caseworker
    ):
        adult = make_person(school_caseworker, date_of_birth=years_ago(19))
        client.force_login(school_caseworker)
        u18_answers(client, adult)

        response = answer(client, adult, "check")

        assert response.status_code == 200
        text = visible_text(response)
        assert "There is a problem" in text
        assert "this pathway is for ages 18 and under" in text
        assert "Which pathway are you referring to?:" in text, "the error names the question"
        assert f'href="{step_url(adult, "pathway")}"' in response.content.decode()
        assert Referral.objects.count() == 0
        assert Consent.objects.count() == 0

    @pytest.mark.parametrize("born", [years_ago(18), years_ago(19, days=1)])
    def test_an_18_year_old_is_referred_to_prevention(self, client, school_caseworker, born):
        person = make_person(school_caseworker, date_of_birth=born)
        client.force_login(school_caseworker)
        u18_answers(client, person, given_by="person")

        submitted = answer(client, person, "check")

        assert submitted.status_code == 302, visible_text(submitted)
        referral = Referral.objects.get()
        assert (referral.pathway, referral.age_at_referral) == (U18, 18)

    def test_a_consent_the_service_refuses_leaves_no_referral_behind(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)
        u18_answers(client, child)
        # A 14-year-old's own consent needs a Gillick assessment first: refused by
        # consent_record, after referral_create has run in the same transaction.
        answer(
            client,
            child,
            "consent",
            purposes=["panel_discussion"],
            given_by="person",
            decision="given",
            method="verbal",
            **dated("decided_on", years_ago(0)),
        )

        response = answer(client, child, "check")

        assert response.status_code == 200
        assert "Gillick" in visible_text(response)
        assert "Who decided?:" in visible_text(response)
        assert Referral.objects.count() == 0
        assert Consent.objects.count() == 0
        # The answers are kept to be put right.
        assert "Seen with a blade." in visible_text(client.get(step_url(child, "check")))

    def test_without_consent_for_the_panel_it_can_be_saved_as_a_draft(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)
        u18_answers(client, child)
        answer(
            client,
            child,
            "consent",
            purposes=["panel_discussion"],
            given_by="parent_or_guardian",
            decision="refused",
            giver_name="Dee Marsh",
            **dated("decided_on", years_ago(0)),
        )

        refused = answer(client, child, "check")
        assert "Consent to sharing: Record consent for panel discussion" in visible_text(refused)
        assert Referral.objects.count() == 0
        body = {f"new_referral_{child.pk}-current_step": "check", "save_draft": "1"}
        saved = client.post(step_url(child, "check"), body)

        referral = Referral.objects.get()
        assert saved["Location"] == reverse("referrals:detail", args=[referral.pk])
        assert referral.status == "draft"
        assert list(referral.consents.values_list("decision", flat=True)) == ["refused"]

    def test_a_parents_name_is_asked_on_the_consent_page(self, client, school_caseworker, child):
        client.force_login(school_caseworker)
        u18_answers(client, child)

        response = answer(
            client,
            child,
            "consent",
            purposes=["panel_discussion"],
            given_by="parent_or_guardian",
            decision="given",
            method="verbal",
            **dated("decided_on", years_ago(0)),
        )

        assert response.status_code == 200
        assert "Enter the name of the parent or guardian" in visible_text(response)


@pytest.mark.django_db
class TestWhoMayMakeAReferral:
    @pytest.mark.parametrize("who", ["analyst", "coordinator", "ig_officer", "provider_keyworker"])
    def test_other_roles_are_refused_before_answering_anything(
        self, client, request, school_caseworker, child, who
    ):
        client.force_login(request.getfixturevalue(who))

        for url in (
            reverse("referrals:new"),
            reverse("referrals:new-person"),
            reverse("referrals:new-details", args=[child.pk]),
            step_url(child, "pathway"),
        ):
            assert client.get(url).status_code == 403, url
        assert answer(client, child, "pathway", pathway=U18).status_code == 403
        assert Referral.objects.count() == 0

    def test_a_referrer_who_cannot_see_the_person_gets_404(self, client, police_officer, child):
        client.force_login(police_officer)
        assert client.get(step_url(child, "pathway")).status_code == 404

    def test_the_make_a_referral_button_is_offered_only_to_referrers(
        self, client, school_caseworker, coordinator
    ):
        client.force_login(school_caseworker)
        assert "Make a referral" in visible_text(client.get(reverse("referrals:list")))
        client.force_login(coordinator)
        assert "Make a referral" not in visible_text(client.get(reverse("referrals:list")))


@pytest.mark.django_db
def test_the_pathways_page_sets_out_each_pathway_in_words(client, analyst):
    client.force_login(analyst)

    text = visible_text(client.get(reverse("referrals:pathways")))

    assert "Repeat domestic abuse with a knife or sharp instrument" in text
    assert "Criminal exploitation" in text
    assert "criminal_exploitation" not in text
    assert "u18_prevention" not in text


@pytest.mark.django_db
class TestAgreementToTakePart:
    def test_it_is_its_own_page_and_a_child_cannot_agree_without_gillick(
        self, client, school_caseworker, child
    ):
        client.force_login(school_caseworker)
        u18_answers(client, child)
        # The consent page no longer asks about intervention delivery.
        consent_page = client.get(step_url(child, "consent")).content.decode()
        assert 'value="intervention_delivery"' not in consent_page
        # A 14-year-old agreeing for themselves needs a Gillick assessment first.
        answer(
            client,
            child,
            "taking-part",
            taking_part="agreed",
            taking_part_given_by="person",
            taking_part_method="verbal",
        )

        response = answer(client, child, "check")

        text = visible_text(response)
        assert response.status_code == 200
        assert "Who decided about taking part?: Aged 14" in text
        assert f'href="{step_url(child, "taking-part")}"' in response.content.decode()
        assert Referral.objects.count() == 0
        assert Participation.objects.count() == 0

    def test_it_asks_who_and_how_when_they_agree(self, client, school_caseworker, child):
        client.force_login(school_caseworker)
        u18_answers(client, child)

        response = answer(client, child, "taking-part", taking_part="agreed")

        text = visible_text(response)
        assert response.status_code == 200
        assert "Select who decided about taking part" in text
        assert "Select how they agreed to take part" in text
