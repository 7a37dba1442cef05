"""'Check my vote' in Chromium, on a phone: the page's own script checks the published
log against the fingerprint the room saw, finds the voter's receipt, and says so; with a
log altered on its way, it says the log does not check out."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, Route, expect

from polls.models import Poll
from tests.support.browser import PHONE, csp_refusals, in_thread, sign_in
from tests.support.processes import asgi_server, rq_worker


@pytest.fixture
def phone(chromium: Browser) -> Page:
    return chromium.new_page(**PHONE)


@pytest.fixture
def projector(chromium: Browser) -> Page:
    return chromium.new_page(viewport={"width": 1280, "height": 720})


@pytest.fixture
def teacher(db) -> User:
    return User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")


def close(slug: str) -> None:
    poll = Poll.objects.get(slug=slug)
    poll.is_open = False
    poll.save()


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_a_phone_checks_its_vote_in_the_published_log(
    poll, redis_db, teacher, tmp_path, projector, phone
):
    # The pages last: Playwright runs an event loop, under which Django refuses the ORM.
    refused = csp_refusals(phone)
    with rq_worker(), asgi_server() as url:
        sign_in(projector, url, username="teacher", password="a long pass phrase",
                then="/polls/cats-vs-dogs/present/")  # fmt: skip
        phone.goto(f"{url}/polls/cats-vs-dogs/")
        phone.get_by_role("button", name="Dogs").click()
        receipt = phone.locator("[data-receipt]")
        expect(receipt).to_have_text(re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}"))
        given = receipt.text_content()
        phone.screenshot(path=tmp_path / "vote.png", full_page=True)
        in_thread(lambda: close("cats-vs-dogs"))
        shown = projector.locator("[data-fingerprint-short]")  # at the close, live
        expect(shown).to_have_text(re.compile(r"[0-9A-F]{4}-[0-9A-F]{4}"), timeout=15_000)
        projector.screenshot(path=tmp_path / "projector.png")

        phone.goto(f"{url}/polls/cats-vs-dogs/results/")
        fingerprint = phone.locator("[data-fingerprint-short]")
        expect(fingerprint).to_have_text(shown.text_content() or "")  # what the room saw
        phone.screenshot(path=tmp_path / "results.png", full_page=True)
        phone.get_by_role("link", name="Check my vote").click()

        verdict = phone.locator("[data-verdict]")
        expect(verdict).to_have_text("The log checks out, and your vote is in it as you cast it.")
        expect(phone.locator(".verify .fingerprint")).to_have_text(shown.text_content() or "")
        expect(phone.locator("[data-receipt-list] li")).to_have_text(
            f"{given} is entry 1: Dogs, counted."
        )
        expect(phone.locator("[data-tally] tbody tr").first).to_have_text("Cats0")
        phone.screenshot(path=tmp_path / "verify.png", full_page=True)

        def altered(route: Route) -> None:
            log = route.fetch().json()
            log["entries"][0]["choices"] = ["cats"]
            route.fulfill(body=json.dumps(log), content_type="application/json")

        phone.route("**/audit.json", altered)
        phone.reload()
        expect(verdict).to_contain_text("The log does not check out: entry 1")
    assert refused == []
