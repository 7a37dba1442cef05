"""The voting pages as a presenter's first session found them, on phones in a real browser
(Debian's Chromium): limits kept as the voter ticks, a ranking's places, long words,
right-to-left text, the header on a small or sideways screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from polls.services import poll_create
from tests.support.browser import SCREENSHOTS

FIVE = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta"), ("e", "Echo")]
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis"  # 45 letters


@pytest.fixture
def polls(db):
    poll_create(question="Pick up to three", options=FIVE, slug="multi", kind="multiple",
                max_choices=3)  # fmt: skip
    poll_create(question="Order these", options=FIVE[:4], slug="rank", kind="ranking")
    poll_create(question=f"Which {LONG_WORD}?", options=[("long", LONG_WORD), ("b", "Bravo")],
                slug="long")  # fmt: skip
    poll_create(question="ما هو لونك المفضل؟", options=[("r", "أحمر"), ("g", "أخضر")], slug="rtl")


def phone(chromium: Browser, width: int = 390, height: int = 844) -> Page:
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=True)
    return context.new_page()


@pytest.mark.django_db(transaction=True)  # the process must see the polls
def test_a_fourth_tick_of_at_most_three_is_taken_back_with_a_message(
    site_url, polls, chromium: Browser
):
    page = phone(chromium)
    page.goto(f"{site_url}/polls/multi/")
    for label in ("Alpha", "Bravo", "Charlie"):
        page.get_by_label(label).check()

    page.get_by_label("Delta").click()

    expect(page.get_by_label("Delta")).not_to_be_checked()
    expect(page.locator("[data-choice-limit]")).to_have_text(
        "You can choose at most 3 options: untick one to choose another."
    )
    assert page.locator("input[type=checkbox]:checked").count() == 3
    page.get_by_label("Alpha").uncheck()
    expect(page.locator("[data-choice-limit]")).to_have_text("")


@pytest.mark.django_db(transaction=True)
def test_a_ranking_shows_each_place_and_votes_only_once_all_are_ranked(
    site_url, polls, chromium: Browser
):
    page = phone(chromium)
    posts: list[str] = []

    def posted(request: Request) -> None:
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", posted)
    page.goto(f"{site_url}/polls/rank/")
    vote = page.get_by_role("button", name="Vote")
    expect(vote).to_have_attribute("aria-disabled", "true")
    expect(page.locator("[data-ranking-left]")).to_have_text("Rank 4 more options to vote.")

    vote.click(force=True)  # nothing ranked: nothing sent
    page.wait_for_timeout(300)
    assert posts == []

    for label in ("Charlie", "Alpha", "Delta", "Bravo"):
        page.get_by_role("button", name=f"Rank {label} next").click()
    places = page.locator(".ranked-item .ranked-place").all_text_contents()
    names = page.locator(".ranked-item .ranked-name").all_text_contents()
    page.screenshot(path=SCREENSHOTS / "kind-ranking-places.png")

    assert places == ["1", "2", "3", "4"]
    assert names == ["Charlie", "Alpha", "Delta", "Bravo"]
    expect(vote).to_have_attribute("aria-disabled", "false")
    vote.click()
    expect(page.locator(".your-vote")).to_contain_text("Charlie, Alpha, Delta, Bravo")


WIDTH = "() => document.documentElement.scrollWidth"


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.django_db(transaction=True)
def test_a_long_word_wraps_rather_than_widen_the_page(site_url, polls, chromium: Browser, width):
    page = phone(chromium, width=width)
    for path in ("/polls/long/", "/polls/long/results/", "/"):
        page.goto(site_url + path)
        assert page.evaluate(WIDTH) <= width, f"{path} is wider than {width} px"


@pytest.mark.django_db(transaction=True)
def test_right_to_left_text_is_laid_out_right_to_left(site_url, polls, chromium: Browser):
    direction = "el => getComputedStyle(el).direction"
    page = phone(chromium)
    page.goto(f"{site_url}/polls/rtl/")
    assert page.locator("h1").evaluate(direction) == "rtl"
    assert page.locator("button.option").first.evaluate(direction) == "rtl"
    page.goto(f"{site_url}/polls/rtl/results/")
    row = page.locator(".bar-row").first
    assert row.evaluate(direction) == "rtl"
    name, figures = row.locator(".bar-name"), row.locator(".bar-figures")
    # The label at the right-hand end, its figures at the left, as the text reads.
    assert name.bounding_box()["x"] > figures.bounding_box()["x"]
    page.screenshot(path=SCREENSHOTS / "phone-rtl-results.png")


@pytest.mark.django_db(transaction=True)
def test_the_header_is_one_small_line_on_a_phone_and_smaller_sideways(
    site_url, polls, chromium: Browser
):
    page = phone(chromium)
    page.goto(f"{site_url}/polls/multi/")
    header = page.locator(".site-header").bounding_box()["height"]
    assert header <= 64, f"the header is {header} px of 844"
    expect(page.get_by_label("Language")).to_be_visible()

    sideways = phone(chromium, width=844, height=390)
    sideways.goto(f"{site_url}/polls/multi/")
    sideways.screenshot(path=SCREENSHOTS / "phone-landscape.png")
    header = sideways.locator(".site-header").bounding_box()["height"]
    assert header <= 48, f"the header is {header} px of 390"
    third = sideways.locator("label.option").nth(2).bounding_box()
    assert third["y"] + third["height"] <= 390  # three options in the first screen
