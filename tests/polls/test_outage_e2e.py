"""PostgreSQL down: voting goes on, the votes queue in Redis, and they are counted once it is back.

The real web process reaches PostgreSQL through a link the test cuts
(`postgres_link`); the shared server itself never stops.
"""

from __future__ import annotations

import re

import httpx
import pytest

from polls.services import poll_create
from tests.support.links import Link
from tests.support.pages import csrf_token
from tests.support.processes import asgi_server, rq_worker, wait_until
from tests.tally.conftest import tallies


def vote(browser: httpx.Client, option: str) -> httpx.Response:
    """What a browser does: open the vote page, post the form, follow the 303."""
    page = browser.get("/polls/cats-vs-dogs/")
    assert page.status_code == 200, page.text
    form = {"csrfmiddlewaretoken": csrf_token(page.text), "option": option}
    return browser.post("/polls/cats-vs-dogs/", data=form)


def said(page: httpx.Response) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split()).replace(" .", ".")


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_voting_goes_on_while_postgresql_is_down(poll, redis_db, postgres_link: Link):
    poll_create(question="Tea or coffee?", options=[("tea", "Tea"), ("coffee", "Coffee")])
    with (
        # Every vote reads the poll anew: the first vote after the cut finds PostgreSQL gone.
        asgi_server(DATABASE_URL=postgres_link.url, VOTING_BALLOT_CACHE_SECONDS="0") as url,
        httpx.Client(base_url=url, follow_redirects=True) as alice,
        httpx.Client(base_url=url, follow_redirects=True) as bob,
    ):
        assert "You voted for Cats." in said(vote(alice, "cats"))

        postgres_link.cut()
        wait_until(lambda: "postgres" in alice.get("/readyz").json()["down"])  # the cut is real

        changed = vote(alice, "dogs")
        first = vote(bob, "cats")
        results = alice.get("/polls/cats-vs-dogs/results/")
        unseen = alice.get("/polls/tea-or-coffee/")  # a poll this process never read
        postgres_link.restore()

    assert changed.status_code == first.status_code == 200
    assert "You voted for Dogs. It is being counted." in said(changed)
    assert "You voted for Cats. It is being counted." in said(first)
    assert results.status_code == 503  # the results live in PostgreSQL: a plain 503, no traceback
    assert "database is unreachable" in results.text
    assert unseen.status_code == 503

    with rq_worker():
        wait_until(lambda: tallies(poll) == {"cats": 1, "dogs": 1}, timeout=30)
