"""The audience's pages in Spanish in a real browser (Chromium): chosen by the browser's
language or by the switcher, voting with the keyboard alone, and the live results in
Spanish, words and plurals from the JavaScript catalogue."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SCREENSHOTS, csp_refusals, votes
from tests.support.pages import english_left
from tests.support.processes import rq_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the processes must see the poll

VOTE_PAGE = "/polls/cats-vs-dogs/"


@pytest.fixture
def spanish(chromium: Browser) -> Page:
    """A phone whose language is Spanish (its Accept-Language says so)."""
    return chromium.new_page(
        locale="es-AR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


def test_a_spanish_browser_votes_with_the_keyboard_and_watches_results_in_spanish(
    site_url, poll, redis_db, spanish
):
    refused = csp_refusals(spanish)
    with rq_worker():
        spanish.goto(site_url + VOTE_PAGE)
        expect(spanish.locator("html")).to_have_attribute("lang", "es")
        expect(spanish.get_by_text("Toca una opción para votar.")).to_be_visible()
        expect(spanish.locator("[data-status]")).to_have_text("En vivo")  # live.js

        # The keyboard alone: Tab to the option, Enter to vote.
        dogs = spanish.get_by_role("button", name="Dogs")
        for _ in range(20):
            if dogs.evaluate("button => button === document.activeElement"):
                break
            spanish.keyboard.press("Tab")
        expect(dogs).to_be_focused()
        expect(dogs).to_have_attribute("aria-pressed", "false")
        spanish.keyboard.press("Enter")

        expect(spanish.locator(".your-vote")).to_contain_text("Votaste por Dogs.")
        expect(spanish.get_by_role("button", name="Dogs")).to_have_attribute("aria-pressed", "true")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        spanish.screenshot(path=SCREENSHOTS / "phone-vote-es.png")

        spanish.goto(site_url + VOTE_PAGE + "results/")
        unit = spanish.locator("[data-voters-unit]")
        expect(spanish.locator("[data-voters]")).to_have_text("1")
        expect(unit).to_have_text("votante")
        votes(site_url, 2, {"cats": 2})
        expect(spanish.locator("[data-voters]")).to_have_text("3")  # over the WebSocket
        expect(unit).to_have_text("votantes")  # ngettext, from the catalogue
    assert refused == []


def test_the_switcher_turns_an_english_page_spanish(site_url, poll, redis_db, chromium):
    page = chromium.new_page(locale="en-US")
    page.goto(site_url + VOTE_PAGE)
    expect(page.get_by_text("Tap an option to vote.")).to_be_visible()

    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()

    expect(page).to_have_url(site_url + VOTE_PAGE)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Toca una opción para votar.")).to_be_visible()
    expect(page.get_by_label("Idioma")).to_have_value("es")


@pytest.fixture
def teacher(db) -> User:
    return User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")


def test_the_projector_in_spanish(site_url, poll, redis_db, teacher, spanish):
    # `spanish` last: Playwright runs an event loop, under which Django refuses the ORM.
    refused = csp_refusals(spanish)
    with rq_worker():
        spanish.goto(site_url + VOTE_PAGE + "present/")
        spanish.fill("#id_username", "teacher")
        spanish.fill("#id_password", "a long pass phrase")
        spanish.click(".sign-in-form button[type=submit]")
        expect(spanish.locator("[data-status]")).to_have_text("En vivo")
        expect(spanish.get_by_text("Vota desde tu celular: escanea o entra en")).to_be_visible()
        badge = spanish.locator("[data-state-badge]")
        expect(badge).to_have_text("abierta")

        spanish.get_by_role("button", name="Cerrar la votación").click()

        expect(badge).to_have_text("cerrada")  # over the WebSocket, from the catalogue
        votes_shown = spanish.locator("[data-voters-unit]")
        expect(votes_shown).to_have_text("votantes")
        assert english_left(spanish.content()) == []
    assert refused == []
