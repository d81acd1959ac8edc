"""Every kind of page any role can reach passes axe-core, at desktop width and on a
375-pixel phone. The pages are found the way people find them: by following links from the
home page (``tests.support.crawl``); each kind of page is checked once, as the first role
that reached it."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import resolve

from tests.factories import partnership_at_work_with
from tests.support import VerifiedClient, crawl

pytestmark = pytest.mark.browser

ROLES = [
    "school_caseworker",
    "coordinator",
    "panel_chair",
    "provider_keyworker",
    "ig_officer",
    "analyst",
    "admin_user",
    "police_officer",
    "panel_member",
]
WIDTHS = (1280, 375)


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_page_passes_axe_at_desktop_and_phone_width(
    live_server, browser, axe_violations, sign_in, request
):
    users = {role: request.getfixturevalue(role) for role in ROLES}
    partnership_at_work_with(
        referrer=users["school_caseworker"],
        other_referrer=users["police_officer"],
        coordinator=users["coordinator"],
        chair=users["panel_chair"],
        member=users["panel_member"],
        keyworker=users["provider_keyworker"],
    )
    first_reached: dict[str, tuple[str, str]] = {}
    # Finding the pages leaves no trail: the sweep's own hundreds of visits would otherwise
    # swell every page that lists a trail (the subject access export) far past what the
    # world holds, and axe's time with it.
    with override_settings(AUDIT_ENABLED=False):
        for role, user in users.items():
            client = VerifiedClient()
            client.force_login(user)
            results, _ = crawl(client)
            for address, (status, _, content_type) in results.items():
                if status == 200 and content_type.startswith("text/html"):
                    view = resolve(urlsplit(address).path).view_name
                    first_reached.setdefault(view, (role, address))
    # The sweep must cover the service, not just a home page.
    assert len(first_reached) >= 15, sorted(first_reached)
    assert {"notifications:list", "notifications:preferences"} <= set(first_reached)

    failures, console_errors = {}, []
    for role in ROLES:
        addresses = [address for who, address in first_reached.values() if who == role]
        if not addresses:
            continue
        context = browser.new_context()
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        sign_in(page, users[role])
        for address in addresses:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_server.url}{address}")
                violations = axe_violations(page)
                if violations:
                    failures[f"{address} at {width}px as {role}"] = violations
        context.close()
    assert failures == {}
    assert console_errors == []
