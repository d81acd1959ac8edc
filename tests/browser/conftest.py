"""Headless Debian Chromium driven by Playwright, with axe-core for accessibility checks."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support import PASSWORD, current_code

# Playwright's sync API runs an event loop in this thread; the test itself still talks to
# the database synchronously (fixtures), which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium` (Debian's package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    yield page
    context.close()
    # Every page must work under the Content Security Policy, with no script errors either.
    assert console_errors == []


@pytest.fixture
def axe_violations():
    """Run axe-core (WCAG 2.2 A and AA rules) on the page and return its violations."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci`")

    def run(page):
        # From the site's own static files: an inline copy would break the page's CSP.
        origin = page.url.split("/", 3)[:3]
        page.add_script_tag(url="/".join(origin) + "/assets/axe/axe.min.js")
        # resultTypes: only violations are read, so axe need not gather every passing
        # node's details (its documented way to run faster on a large page).
        result = page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice']},
                resultTypes: ['violations']
            })"""
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
        ]

    return run


@pytest.fixture
def sign_in(live_server):
    """Sign in through the real pages, second factor included (the user's authenticator is
    set up beforehand; the enrolment journey has its own test)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def run(page, user, next_url="/"):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
        page.goto(f"{live_server.url}/sign-in/?next={next_url}")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code", exact=True).fill(current_code(device))
        page.get_by_role("button", name="Continue").click()

    return run
