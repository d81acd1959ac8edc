"""A police officer refers a victim of domestic abuse in a real browser: the Dash checklist
is asked through the pages (24 questions, yes / no / not known), then the MARAC reasons; the
referral page shows the score, the band and the MARAC criteria; the officer links the
perpetrator and records the MARAC referral. Every page passes axe-core."""

import pytest
from playwright.sync_api import expect

from referrals.dash import QUESTIONS
from referrals.models import DashRecord, MaracReferral, Referral
from tests.browser.test_referral_journey import continue_to, fill_date
from tests.factories import make_person, years_ago

pytestmark = pytest.mark.browser

RIC = QUESTIONS["safelives_ric_2009"]


@pytest.mark.django_db(transaction=True)
def test_a_victims_dash_answers_score_and_band_are_recorded_through_the_pages(
    live_server, page, axe_violations, police_officer, sign_in
):
    victim = make_person(
        police_officer, given_name="Dana", family_name="Reid", date_of_birth=years_ago(31)
    )
    make_person(police_officer, given_name="Sam", family_name="Hale", date_of_birth=years_ago(34))
    sign_in(page, police_officer)

    page.goto(f"{live_server.url}/referrals/new/{victim.pk}/")
    expect(page.get_by_role("heading", name="Choose the pathway")).to_be_visible()
    page.get_by_label("Repeat domestic abuse with a knife or sharp instrument").check()
    continue_to(page, "The incident or concern", axe_violations)

    page.get_by_label("Durham", exact=True).check()
    fill_date(page, "Date of the incident or concern", years_ago(0, days=-2))
    continue_to(page, "The domestic abuse", axe_violations)

    page.get_by_role("group", name="Was this a domestic abuse incident?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Was a knife or sharp instrument involved?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Victim", exact=True).check()
    continue_to(page, "The previous incident", axe_violations)

    fill_date(
        page,
        "Date of the previous domestic abuse incident, in the same role (if known)",
        years_ago(0, days=-60),
    )
    page.get_by_label("Where is the previous incident recorded?").fill("Police log DUR/26/0042")
    continue_to(page, "The Dash risk checklist", axe_violations)

    page.get_by_label("SafeLives Dash risk identification checklist (24 questions)").check()
    continue_to(page, "The Dash risk checklist: the victim's answers", axe_violations)

    # 14 yes, 6 no, 4 not known: high risk, a MARAC criterion.
    given = ["yes"] * 14 + ["no"] * 6 + ["not_known"] * 4
    labels = {"yes": "Yes", "no": "No", "not_known": "Not known"}
    for number, (question, answer) in enumerate(zip(RIC, given, strict=True), start=1):
        group = page.get_by_role("group", name=f"{number}. {question}")
        group.get_by_label(labels[answer], exact=True).check()
    continue_to(page, "Other reasons to refer to MARAC", axe_violations)

    page.get_by_label("Professional judgement (optional)").fill(
        "Threats to kill since she left; she believes he will do it."
    )
    continue_to(page, "Risk", axe_violations)

    page.get_by_label("Domestic abuse history", exact=True).check()
    page.get_by_label("Medium", exact=True).check()
    continue_to(page, "What happened", axe_violations)

    page.get_by_label("What happened, and why are you worried?").fill(
        "Threatened with a kitchen knife at home."
    )
    continue_to(page, "Consent to sharing", axe_violations)

    page.get_by_label("Assessment", exact=True).check()
    page.get_by_label("Panel discussion", exact=True).check()
    page.get_by_label("The person", exact=True).check()
    page.get_by_label("Given", exact=True).check()
    fill_date(page, "Date of the decision", years_ago(0))
    page.get_by_label("Verbally").check()
    continue_to(page, "Agreement to take part", axe_violations)
    page.get_by_label("Yes, they agree to take part").check()
    page.get_by_label("The person", exact=True).check()
    page.get_by_label("Verbally").check()
    continue_to(page, "Check your answers before submitting the referral", axe_violations)

    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_text("Referral submitted")).to_be_visible()
    expect(page.get_by_text("14 (High risk)")).to_be_visible()
    expect(page.get_by_text("Meets the MARAC criteria")).to_be_visible()
    assert axe_violations(page) == []

    referral = Referral.objects.get()
    record = DashRecord.objects.get(referral=referral)
    assert record.checklist == "safelives_ric_2009"
    assert record.answer_list == given
    assert (record.score, record.band) == (14, "high")
    assert record.professional_judgement_reason.startswith("Threats to kill")
    assert referral.marac_referral_required
    assert referral.risk_level == "high"

    # The perpetrator, found among the people the police recorded, then MARAC.
    page.get_by_role("link", name="Link a perpetrator").click()
    expect(page.get_by_role("heading", name="Link the perpetrator")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Family name").fill("Hale")
    fill_date(page, "Date of birth", years_ago(34))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="People found")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Link Sam Hale as the perpetrator").click()
    expect(page.get_by_text("Perpetrator linked")).to_be_visible()

    page.get_by_role("link", name="Record a MARAC referral").click()
    expect(page.get_by_role("heading", name="Record a MARAC referral")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Sam Hale").check()
    fill_date(page, "Date referred to MARAC", years_ago(0))
    page.get_by_role("button", name="Record the MARAC referral").click()
    expect(page.get_by_text("MARAC referral recorded")).to_be_visible()
    assert axe_violations(page) == []

    marac = MaracReferral.objects.get()
    assert marac.referral == referral
    assert marac.link.perpetrator.family_name == "Hale"
    assert sorted(marac.criteria) == ["professional_judgement", "visible_high_risk"]
    assert not marac.repeat
