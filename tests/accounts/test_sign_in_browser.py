"""Sign-in through a real identity provider: the node `oidc-provider` package (npm),
started on a free port with two accounts and a client, and the whole flow driven in
Chromium against a real web process: the button, the provider's login and consent
pages, back to /host/; someone outside VOTING_OIDC_PRESENTERS turned back; a forged
state and a replayed code refused; sign-out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import in_thread
from tests.support.identity import needs_provider, provider_site, through_the_provider

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the web process must see the accounts
    needs_provider,
]


@pytest.fixture
def signed_in_site() -> Iterator[str]:
    with provider_site() as url:
        yield url


def _session(page: Page) -> str | None:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("sessionid")


def test_a_teacher_signs_in_through_the_provider_and_out_again(signed_in_site, chromium: Browser):
    page = chromium.new_page(locale="en-US")
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/oidc/callback/" in r.url else None)

    page.goto(signed_in_site + "/host/")
    expect(page).to_have_url(f"{signed_in_site}/accounts/login/?next=/host/")
    through_the_provider(page, "teacher")

    expect(page.get_by_role("heading", name="Your events and polls")).to_be_visible()
    assert page.url == f"{signed_in_site}/host/"
    expect(page.get_by_text("Signed in as teacher@school.example")).to_be_visible()
    teacher = in_thread(lambda: User.objects.get(email="teacher@school.example"))
    assert teacher.is_staff and not teacher.is_superuser and teacher.first_name == "Tess"
    assert not teacher.has_usable_password()
    assert in_thread(lambda: teacher.groups.filter(name="presenters").exists())

    # A replayed code: with a fresh state of this browser's own, the provider refuses it.
    used = callbacks[-1]
    signed_in = _session(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Join with the code on the screen")).to_be_visible()
    assert _session(page) != signed_in
    page.goto(signed_in_site + "/host/")
    expect(page).to_have_url(f"{signed_in_site}/accounts/login/?next=/host/")
    replayed = page.request.get(used)  # its state is spent with the session: refused
    assert replayed.url == f"{signed_in_site}/accounts/failed/"
    # A new sign-in's state, this browser's own, carrying the old code: the provider
    # refuses a code used before (and this state's PKCE verifier is not that code's).
    start = page.request.get(signed_in_site + "/accounts/oidc/start/", max_redirects=0)
    query = start.headers["location"].split("?")[1].split("&")
    state = next(p for p in query if p.startswith("state="))
    code = next(p for p in used.split("?")[1].split("&") if p.startswith("code="))
    page.goto(f"{signed_in_site}/accounts/oidc/callback/?{code}&{state}")
    expect(page.get_by_text("The sign-in did not complete")).to_be_visible()
    page.goto(signed_in_site + "/host/")
    expect(page).to_have_url(f"{signed_in_site}/accounts/login/?next=/host/")


def test_the_session_key_changes_when_the_teacher_signs_in(signed_in_site, chromium: Browser):
    page = chromium.new_page(locale="en-US")
    page.goto(signed_in_site + "/accounts/login/")
    page.get_by_role("link", name="Sign in with Example University").click()
    before = _session(page)  # the session that holds the state
    page.fill("input[name=login]", "teacher")
    page.fill("input[name=password]", "any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Your events and polls")).to_be_visible()
    assert before and _session(page) and _session(page) != before


def test_someone_outside_the_rule_is_turned_back_with_no_session(signed_in_site, chromium: Browser):
    page = chromium.new_page(locale="en-US")
    page.goto(signed_in_site + "/accounts/login/")
    through_the_provider(page, "student")

    expect(page).to_have_url(f"{signed_in_site}/accounts/failed/")
    expect(page.locator("main")).to_contain_text(
        "student@elsewhere.example may sign in with Example University, but has no "
        "presenter access on this server."
    )
    expect(page.locator("main")).to_contain_text("help@school.example")
    page.goto(signed_in_site + "/host/")
    expect(page).to_have_url(f"{signed_in_site}/accounts/login/?next=/host/")
    assert not in_thread(lambda: User.objects.filter(email="student@elsewhere.example").exists())


def test_a_forged_state_is_refused(signed_in_site, chromium: Browser):
    page = chromium.new_page(locale="en-US")
    page.goto(signed_in_site + "/accounts/login/")
    page.get_by_role("link", name="Sign in with Example University").click()
    expect(page.locator("input[name=login]")).to_be_visible()  # a state is in the session

    response = page.goto(f"{signed_in_site}/accounts/oidc/callback/?code=forged&state=forged")

    assert response is not None and response.status == 400
    page.goto(signed_in_site + "/host/")
    expect(page).to_have_url(f"{signed_in_site}/accounts/login/?next=/host/")
