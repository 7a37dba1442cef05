"""The admin's poll pages in a real browser (Debian's Chromium): each kind's fields as the
kind is chosen, and the poll list at a laptop's width."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from polls.models import Poll
from tests.support.browser import SCREENSHOTS, csp_refusals, in_thread


def signed_in(chromium: Browser, url: str, path: str) -> Page:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/admin/login/?next={path}")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "a long pass phrase")
    page.click("input[type=submit]")
    return page


@pytest.fixture
def teacher(db) -> User:
    return User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")


@pytest.mark.django_db(transaction=True)  # the server process must see the user
def test_a_rating_is_added_with_its_scale_and_no_options_to_fill(
    site_url, teacher, chromium: Browser
):
    page = signed_in(chromium, site_url, "/admin/polls/poll/add/")
    refused = csp_refusals(page)
    options = page.locator("#options-group")
    expect(options).to_be_visible()
    expect(page.locator(".form-row.field-scale_min")).to_be_hidden()

    page.select_option("#id_kind", "rating")  # no reload: the form follows the kind
    expect(options).to_be_hidden()
    expect(page.locator(".form-row.field-scale_min")).to_be_visible()
    expect(page.locator(".form-row.field-min_choices")).to_be_hidden()
    page.fill("#id_question", "How was the class?")
    page.fill("#id_scale_min_label", "Poor")
    page.fill("#id_scale_max_label", "Great")
    page.screenshot(path=SCREENSHOTS / "admin-add-rating.png", full_page=True)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.goto(f"{site_url}/admin/polls/poll/add/")
    page.select_option("#id_kind", "questions")  # a Q&A: its moderation and filter
    expect(page.locator(".form-row.field-moderation")).to_be_visible()
    expect(page.locator(".form-row.field-masks_profanity")).to_be_visible()
    expect(page.locator(".fieldBox.field-max_length")).to_be_visible()
    expect(page.locator(".fieldBox.field-answers_per_voter")).to_be_hidden()
    expect(options).to_be_hidden()
    page.select_option("#id_kind", "ranking")
    expect(page.locator(".fieldBox.field-max_choices")).to_be_visible()
    expect(page.locator(".fieldBox.field-min_choices")).to_be_hidden()
    expect(options).to_be_visible()

    poll = in_thread(lambda: Poll.objects.get())
    assert (poll.slug, poll.kind, poll.scale_min_label) == ("how-was-the-class", "rating", "Poor")
    assert in_thread(lambda: list(poll.options.values_list("slug", flat=True))) == list("12345")
    assert refused == []


@pytest.mark.django_db(transaction=True)
def test_the_poll_list_shows_the_projector_link_at_1280_pixels(
    site_url, teacher, poll, chromium: Browser
):
    page = signed_in(chromium, site_url, "/admin/polls/poll/")
    projector = page.get_by_role("link", name="projector")
    expect(projector).to_be_visible()
    box = projector.bounding_box()
    assert box["x"] + box["width"] <= 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator("#result_list").evaluate(  # every column in sight
        "table => table.getBoundingClientRect().right"
    ) <= page.locator("#changelist-filter").evaluate(
        "filter => filter.getBoundingClientRect().left"
    )
    page.screenshot(path=SCREENSHOTS / "admin-polls.png")
