"""Each role its own way through: the navigation offers exactly the sections a person can
use, and the home page is a worklist of what is waiting for them."""

import datetime
import re

import pytest
from django.urls import reverse

from audit.models import ReviewFlag
from cases.models import Case
from tests.factories import (
    UserFactory,
    accepted_referral,
    case_ready_for_delivery,
    panel_meeting,
    submitted_referral,
)

pytestmark = pytest.mark.django_db

# Everyone signed in has their own notifications, whatever their roles.
EVERYONES = ["Notifications"]


def navigation_of(client, user) -> list[str]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'class="govuk-service-navigation__link"[^>]*>(.*?)</a>', nav, re.S)
    ]


@pytest.mark.parametrize(
    ("user_fixture", "sections"),
    [
        ("school_caseworker", ["Referrals", "Cases", "Interventions"]),
        (
            "coordinator",
            [
                "Referrals",
                "Screening",
                "Panels",
                "Cases",
                "Interventions",
                "Sharing agreements",
                "Sharing rules",
                "Figures",
            ],
        ),
        ("panel_chair", ["Panels", "Cases", "Interventions"]),
        ("panel_member", ["Panels", "Cases", "Interventions"]),
        ("provider_keyworker", ["Caseload", "Interventions"]),
        (
            "ig_officer",
            [
                "Find a person",
                "Flagged access",
                "Audit",
                "Sharing rules",
                "Interventions",
                "Sharing agreements",
                "Figures",
            ],
        ),
        ("analyst", ["Interventions", "Figures"]),
        (
            "admin_user",
            ["Interventions", "Administration", "Background jobs", "Sharing agreements", "Figures"],
        ),
    ],
)
def test_each_role_sees_only_the_sections_it_can_use(client, request, user_fixture, sections):
    user = request.getfixturevalue(user_fixture)
    shown = navigation_of(client, user)
    assert sorted(shown) == sorted([*sections, *EVERYONES])


def test_someone_without_a_role_gets_no_sections(client):
    assert navigation_of(client, UserFactory()) == EVERYONES


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [
        ("analyst", "referrals:list"),
        ("provider_keyworker", "referrals:list"),
        ("analyst", "cases:planner"),
        ("school_caseworker", "cases:planner"),
        ("analyst", "cases:list"),
        ("school_caseworker", "interventions:caseload"),
        ("ig_officer", "interventions:caseload"),
        ("school_caseworker", "figures:home"),
        ("provider_keyworker", "figures:home"),
        ("panel_chair", "figures:home"),
        ("ig_officer", "jobs:page"),
    ],
)
def test_a_section_not_offered_is_refused_with_a_page_that_leads_home(
    client, request, user_fixture, url_name
):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    content = response.content.decode()
    assert "You cannot do that" in content
    assert f'href="{reverse("home")}"' in content


def test_a_missing_record_is_a_styled_page_that_leads_home(client, school_caseworker):
    client.force_login(school_caseworker)
    response = client.get("/cases/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_coordinator_sees_the_screening_queue_waiting(client, school_caseworker, coordinator):
    submitted_referral(school_caseworker)
    submitted_referral(school_caseworker)
    client.force_login(coordinator)
    content = client.get(reverse("home")).content.decode()
    assert "2 referrals waiting to be screened" in content
    assert f'href="{reverse("referrals:screening")}"' in content


def test_the_chair_sees_the_next_meeting_and_its_agenda_size(
    client, school_caseworker, coordinator, panel_chair
):
    accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair, start=False)
    client.force_login(panel_chair)
    content = client.get(reverse("home")).content.decode()
    assert "1 referral on the agenda" in content
    assert reverse("cases:meeting", args=[meeting.pk]) in content


def test_the_keyworker_sees_missed_contacts_and_the_lead_the_offers_to_accept(
    client, school_caseworker, coordinator, panel_chair, provider_keyworker
):
    import datetime

    from interventions.services import (
        allocation_create,
        allocation_offer,
        allocation_transition,
        contact_record,
    )
    from tests.factories import make_intervention

    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    provider = provider_keyworker.memberships.get().organisation

    def offered(name):
        allocation = allocation_create(
            actor=school_caseworker,
            case=case,
            intervention=make_intervention(provider, name=name),
            request="Weekly sessions",
        )
        return allocation_offer(actor=school_caseworker, allocation=allocation)

    allocation = offered("Mentoring")
    missing = offered("Boxing club")
    allocation_transition(actor=provider_keyworker, allocation=missing, action="accept")
    for days_ago in (3, 2, 1):
        contact_record(
            actor=provider_keyworker,
            allocation=missing,
            contact_date=datetime.date.today() - datetime.timedelta(days=days_ago),
            contact_type="face_to_face",
            outcome="did_not_attend",
        )
    client.force_login(provider_keyworker)
    content = client.get(reverse("home")).content.decode()
    assert "Missed contacts (1)" in content
    assert reverse("interventions:allocation", args=[missing.pk]) in content

    client.force_login(school_caseworker)
    assert Case.objects.get().lead_professional == school_caseworker
    content = client.get(reverse("home")).content.decode()
    assert "Offers to accept" in content
    assert reverse("interventions:allocation", args=[allocation.pk]) in content


def test_ig_sees_how_many_flags_wait(client, ig_officer, school_caseworker):
    from audit.services import break_glass
    from tests.factories import make_person

    break_glass(
        actor=school_caseworker,
        person=make_person(school_caseworker),
        reason="Urgent safeguarding check out of hours",
    )
    client.force_login(ig_officer)
    content = client.get(reverse("home")).content.decode()
    waiting = ReviewFlag.objects.filter(reviewed_at__isnull=True).count()
    assert waiting >= 1
    assert f"{waiting} flag{'s' if waiting > 1 else ''} waiting for review" in content


def test_with_debug_on_a_missing_record_is_still_the_styled_page(
    client, school_caseworker, settings
):
    settings.DEBUG = True
    client.force_login(school_caseworker)
    response = client.get("/cases/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert f'href="{reverse("home")}"' in content
    # The API keeps its JSON answer.
    api_response = client.get("/api/v1/cases/00000000-0000-0000-0000-000000000000/")
    assert api_response.status_code in (401, 403, 404)
    assert "Page not found" not in api_response.content.decode()


def test_the_server_error_page_renders_without_a_request_context(rf):
    from api.errors import server_failure

    response = server_failure(rf.get("/cases/"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "Sorry, there is a problem with the service" in content
    assert 'href="/"' in content


def test_an_action_owner_off_the_panel_sees_their_actions_and_can_open_them(
    client, school_caseworker, coordinator, panel_chair, provider_keyworker
):
    from cases.services import decision_record

    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair)
    decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=referral,
        outcome="no_further_action",
        rationale="Support already in place",
        actions=[
            {
                "description": "Offer a place on the boxing programme",
                "owner": provider_keyworker,
                "due_date": datetime.date.today() - datetime.timedelta(days=1),
            }
        ],
    )
    client.force_login(provider_keyworker)
    content = client.get(reverse("home")).content.decode()
    assert "Your panel actions (1 open)" in content
    assert "Offer a place on the boxing programme" in content
    assert "Overdue" in content
    assert client.get(reverse("cases:my-actions")).status_code == 200
    assert "My actions" in navigation_of(client, provider_keyworker)
