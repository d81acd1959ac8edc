"""An administrator finds someone, gives them a role, ends it, and resets their two-factor
sign-in, on the web only; every page passes axe-core, at desktop width and on a phone."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from audit.models import AuditEvent
from partners.models import Membership
from partners.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_an_administrator_gives_a_role_and_ends_it(
    live_server, page, axe_violations, admin_user, school, police, sign_in
):
    sam = make_member(school, Role.REFERRER, username="sam", first_name="Sam", last_name="Shaw")

    TOTPDevice.objects.create(user=sam, name="Lost phone", confirmed=True)

    sign_in(page, admin_user)
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="People and their roles")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Name, username or email").fill("Shaw")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Referrer (partner caseworker) at Riverside Academy")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Sam Shaw").click()

    expect(page.get_by_role("heading", name="Sam Shaw", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Give a role").click()

    expect(page.get_by_role("heading", name="Give a role")).to_be_visible()
    page.get_by_role("button", name="Give this role").click()
    expect(
        page.get_by_role("link", name="Choose the organisation they will act for")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Organisation").select_option(label="Durham Constabulary")
    page.get_by_label("Role").select_option(label="Panel member")
    page.get_by_role("button", name="Give this role").click()

    expect(page.get_by_text("Sam Shaw is now Panel member at Durham Constabulary")).to_be_visible()
    given = Membership.objects.get(user=sam, organisation=police)
    assert (given.role, given.ended_at) == (Role.PANEL_MEMBER, None)
    assert axe_violations(page) == []
    page.get_by_role(
        "link", name=re.compile(r"End this role\W+Panel member at Durham Constabulary")
    ).click()

    expect(
        page.get_by_role("heading", name="Are you sure you want to end this role?")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_label("Reason").fill("Moved to another force's panel")
    page.get_by_role("button", name="Yes, end this role").click()

    expect(page.get_by_text("Sam Shaw is no longer Panel member")).to_be_visible()
    assert axe_violations(page) == []
    given.refresh_from_db()
    assert given.ended_at is not None
    assert given.history.latest("history_date").history_change_reason == (
        "Moved to another force's panel"
    )
    # The role at the school was not touched.
    assert Membership.objects.active().filter(user=sam, organisation=school).exists()

    page.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(
        page.get_by_role("heading", name=re.compile("reset Sam Shaw's two-factor"))
    ).to_be_visible()
    page.get_by_role("button", name="Yes, reset two-factor sign-in").click()
    expect(
        page.get_by_role("link", name=re.compile("Enter the reason for resetting"))
    ).to_be_visible()
    assert axe_violations(page) == []
    assert TOTPDevice.objects.filter(user=sam).exists()
    page.get_by_label("Reason").fill("Lost phone; identity checked by their manager")
    page.get_by_role("button", name="Yes, reset two-factor sign-in").click()

    expect(page.get_by_text("Sam Shaw's two-factor sign-in has been reset")).to_be_visible()
    assert not TOTPDevice.objects.filter(user=sam).exists()
    assert AuditEvent.objects.filter(
        kind="security", action="reset_two_factor", object_id=str(sam.pk), user=admin_user
    ).exists()
