"""Each question kind voted on a phone-sized page in a real browser (Debian's Chromium),
and a ranking made with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from polls.services import poll_create
from tests.support.browser import LIVE, SCREENSHOTS
from tests.support.processes import rq_worker

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


@pytest.fixture
def polls(db, redis_db):
    """A poll of each kind the vote page draws with a script; Redis emptied first, so that no
    earlier test's ingest flag or job stands in for this one's."""
    poll_create(question="Pick two", options=FOUR, slug="multi", kind="multiple", max_choices=2)
    poll_create(
        question="How was the talk?",
        options=[],
        slug="rate",
        kind="rating",
        scale_labels=("Poor", "Great"),
    )
    poll_create(question="Order these", options=FOUR, slug="rank", kind="ranking")


def phone(chromium: Browser) -> Page:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    return context.new_page()


def tab_to(page: Page, name: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element is called `name`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.textContent.trim()"
        )
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.django_db(transaction=True)  # the processes must see the polls
def test_each_kind_is_voted_on_a_phone(site_url, polls, chromium: Browser):
    with rq_worker():
        page = phone(chromium)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

        page.goto(f"{site_url}/polls/multi/")
        page.get_by_label("Alpha").check()
        page.get_by_label("Charlie").check()
        page.screenshot(path=SCREENSHOTS / "kind-multiple.png")
        page.get_by_role("button", name="Vote").click()
        expect(page.locator(".your-vote")).to_contain_text("You chose Alpha, Charlie")
        expect(page.get_by_label("Charlie")).to_be_checked()

        page.goto(f"{site_url}/polls/rate/")
        expect(page.locator(".scale-ends")).to_contain_text("Great")
        page.locator("label.score", has_text="4").click()
        page.screenshot(path=SCREENSHOTS / "kind-rating.png")
        page.get_by_role("button", name="Vote").click()
        expect(page.locator(".your-vote")).to_contain_text("You gave 4")

        page.goto(f"{site_url}/polls/rate/results/")
        expect(page.locator("[data-average]")).to_have_text("4.0", timeout=LIVE)
        mark = page.locator("[data-average-mark]")
        expect(mark).to_have_attribute("style", re.compile(r"left: 75(\.0)?%"))
        page.screenshot(path=SCREENSHOTS / "kind-rating-results.png")


@pytest.mark.django_db(transaction=True)
def test_a_ranking_is_made_with_the_keyboard_alone(site_url, polls, chromium: Browser):
    with rq_worker():
        page = phone(chromium)
        page.goto(f"{site_url}/polls/rank/")
        expect(page.locator(".ranks")).to_be_hidden()  # the selects give way to buttons

        tab_to(page, "Rank Alpha next")
        for _ in range(4):  # each takes the next one: Alpha, Bravo, Charlie, Delta
            page.keyboard.press("Enter")
        expect(page.locator(".ranked-name")).to_have_text(["Alpha", "Bravo", "Charlie", "Delta"])
        expect(page.get_by_role("button", name="Move Delta up")).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # Delta up twice: to second place
        expect(page.locator(".ranked-name")).to_have_text(["Alpha", "Delta", "Bravo", "Charlie"])
        expect(page.locator("[role=status]").last).to_have_text("Delta moved to place 2.")
        page.screenshot(path=SCREENSHOTS / "kind-ranking.png")

        tab_to(page, "Vote")
        page.keyboard.press("Enter")

        expect(page.locator(".your-vote")).to_contain_text(
            "Your order: Alpha, Delta, Bravo, Charlie"
        )
        expect(page.locator(".ranked-name")).to_have_text(["Alpha", "Delta", "Bravo", "Charlie"])

        page.goto(f"{site_url}/polls/rank/results/")  # bars in order of points: 3, 2, 1, 0
        for slug, place in [("a", 1), ("d", 2), ("b", 3), ("c", 4)]:
            row = page.locator(f'[data-option="{slug}"]')
            expect(row).to_have_attribute("style", re.compile(rf"order: {place}\b"), timeout=LIVE)
        page.screenshot(path=SCREENSHOTS / "kind-ranking-results.png")


@pytest.mark.django_db(transaction=True)
def test_a_ranking_works_without_javascript(site_url, polls, chromium: Browser):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"{site_url}/polls/rank/")
    for place, label in enumerate(["Charlie", "Alpha", "Delta", "Bravo"], start=1):
        page.get_by_label(f"Place {place}").select_option(label=label)
    page.get_by_role("button", name="Vote").click()

    expect(page.locator(".your-vote")).to_contain_text("Your order: Charlie, Alpha, Delta, Bravo")
