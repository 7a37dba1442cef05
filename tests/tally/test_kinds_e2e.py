"""Each question kind end to end: browsers vote and change their votes over HTTP, a real
worker counts, a viewer's WebSocket gets the results, and `recount` agrees."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Origin

from polls.simulator import simulate
from polls.stream import VOTE_STREAM
from tally.recount import tallies_rebuild
from tally.selectors import results_for
from tests.support.pages import form_post_async
from tests.support.processes import rq_worker
from tests.tally.conftest import next_results

CASTS: dict[str, tuple[dict[str, Any], ...]] = {  # a first cast and a change, by kind
    "single": ({"option": "a"}, {"option": "b"}),
    "multiple": ({"option": ["a", "b"]}, {"option": ["c"]}),
    "rating": ({"score": "2"}, {"score": "5"}),
    "ranking": ({"option": ["a", "b", "c", "d"]}, {"option": ["d", "c", "b", "a"]}),
    "open": ({"answer": "Cats"}, {"answer": "dogs"}),
}


async def vote_then_change(url: str, kind: str) -> None:
    async with httpx.AsyncClient(base_url=url) as browser:
        for data in CASTS[kind]:
            answer = await form_post_async(browser, "/polls/q/", data)
            assert answer.status_code == 303, answer.text[:1000]


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_each_kind_through_http_a_worker_and_a_socket(site_url, poll_of_each_kind, redis_db):
    poll, kind = poll_of_each_kind, poll_of_each_kind.kind
    if kind == "questions":
        pytest.skip("a Q&A takes questions and upvotes, not votes: test_answers_browser.py")

    async def scenario(site_url: str) -> dict:
        socket_url = site_url.replace("http://", "ws://") + "/ws/polls/q/"
        async with websockets.connect(socket_url, origin=Origin(site_url)) as viewer:
            first = await next_results(viewer)
            assert (first["kind"], first["voters"]) == (kind, 0)
            report = await simulate(url=site_url, poll="q", votes=20, concurrency=5, seed=1)
            assert report.accepted == 20, report.summary()
            await asyncio.gather(*(vote_then_change(site_url, kind) for _ in range(4)))
            while redis_db.xlen(VOTE_STREAM):  # pytest-timeout ends it, should it never drain
                await asyncio.sleep(0.05)
            counted = await asyncio.to_thread(results_for, poll=poll)
            message = first
            while message["version"] < counted["version"]:
                message = await next_results(viewer)
            return message

    with rq_worker():
        last = asyncio.run(scenario(site_url))

    assert tallies_rebuild(polls=[poll], fix=False) == []
    stored = results_for(poll=poll)
    shown = ("voters", "total", "options", "terms", "answers")
    assert {key: last.get(key) for key in shown} == {key: stored.get(key) for key in shown}
    changed_to = CASTS[kind][1]
    if kind == "rating":
        assert last["distribution"]["5"] >= 4 and last["count"] == 24
    elif kind == "open":
        terms = {term["term"]: term["count"] for term in last["terms"]}
        assert terms["dogs"] >= 4 and "cats" not in terms
    elif kind == "ranking":
        assert sum(o["points"] for o in last["options"]) == 24 * (3 + 2 + 1)
    else:
        votes = {o["slug"]: o["votes"] for o in last["options"]}
        assert votes[changed_to["option"][0]] >= 4
