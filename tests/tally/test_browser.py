"""The results page in a real browser (Chromium): it moves with the votes, and says when
it has lost the server, until it is back.

Chromium is the `CHROMIUM` environment variable's (`.ci/run` installs Debian's
`chromium` and sets it), or the `chromium` on the PATH; with neither, the test is
skipped.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import votes
from tests.support.processes import asgi_server, rq_worker
from voting_site.processes import free_port


@pytest.fixture
def page(chromium: Browser) -> Page:
    return chromium.new_page()


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_the_results_page_moves_with_the_votes_and_says_when_it_is_cut_off(poll, redis_db, page):
    # `page` last: Playwright runs an event loop, under which Django refuses the ORM.
    port = free_port()
    total, status = page.locator("[data-voters]"), page.locator("[data-status]")
    cats = page.locator('[data-option="cats"]')

    with rq_worker():
        with asgi_server(port) as url:
            page.goto(f"{url}/polls/cats-vs-dogs/results/")
            expect(total).to_have_text("0")  # rendered by the server
            expect(status).to_have_text("Live")

            votes(url, 1, {"cats": 1})
            expect(total).to_have_text("1")  # no reload: over the WebSocket
            expect(page.locator("[data-voters-unit]")).to_have_text("voter")
            votes(url, 2, {"cats": 1, "dogs": 1})
            expect(total).to_have_text("3")
            expect(page.locator("[data-voters-unit]")).to_have_text("voters")
            expect(cats.locator("[data-votes]")).to_have_text("2")
            expect(cats.locator("[data-percent]")).to_have_text("66.7%")
            expect(cats.locator("[data-bar]")).to_have_attribute("style", "--share: 66.7%;")

        # The web process is gone: the page says so and keeps its numbers.
        expect(status).to_contain_text("Connection lost: reconnecting")
        expect(total).to_have_text("3")

        with asgi_server(port) as url:
            expect(status).to_have_text("Live", timeout=15_000)  # retried by itself
            votes(url, 1, {"dogs": 1})
            expect(total).to_have_text("4")


@pytest.mark.parametrize("path", ["/polls/cats-vs-dogs/results/", "/polls/cats-vs-dogs/"])
@pytest.mark.django_db(transaction=True)
def test_a_live_page_says_when_its_server_hears_no_updates_and_recovers(
    poll, redis_db, redis_link, page, path
):
    """Redis cut from the web process: on the Pub/Sub layer the socket stays open, and
    without the heartbeat the page would go on saying "Live"."""
    status = page.locator("[data-status]")
    with asgi_server(REDIS_URL=redis_link.url) as url:
        page.goto(url + path)
        expect(status).to_have_text("Live")

        redis_link.cut()
        expect(status).to_contain_text("Not receiving updates", timeout=10_000)
        assert page.evaluate("() => window.performance.navigation.type") == 0  # no reload

        redis_link.restore()
        expect(status).to_have_text("Live", timeout=20_000)
        votes(url, 1, {"cats": 1})
