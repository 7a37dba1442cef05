"""Receipts and the published log on the real processes: 200 voters vote from their own
browsers (cookies, CSRF token, form POST), some change their minds, the polls close, and
tools/verify.py on the downloaded log recounts the results and finds every receipt."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from polls.models import Poll
from polls.services import poll_create
from tests.support.pages import form_post_async
from tests.support.processes import asgi_server, rq_worker
from tests.support.verifier import verified

pytestmark = pytest.mark.django_db(transaction=True)  # the processes must see the polls

VOTERS = 200
RECEIPT = re.compile(r"data-receipt>([0-9A-Z]{4}-[0-9A-Z]{4})<")


def casts_of(number: int) -> list[tuple[str, str]]:
    """The voter's casts, in order: every fifth changes their mind on the changeable
    poll, every seventh tries to on the final one (refused)."""
    pet, drink = ("cats", "dogs")[number % 2], ("tea", "coffee")[number % 3 == 0]
    casts = [("cats-vs-dogs", pet), ("tea-or-coffee", drink)]
    if number % 5 == 0:
        casts.append(("cats-vs-dogs", "dogs" if pet == "cats" else "cats"))
    if number % 7 == 0:
        casts.append(("tea-or-coffee", "coffee" if drink == "tea" else "tea"))
    return casts


async def vote_all(url: str) -> list[dict[str, list[str]]]:
    """Each voter's receipts per poll, as their pages showed them."""
    limit = asyncio.Semaphore(20)

    async def voter(number: int) -> dict[str, list[str]]:
        receipts: dict[str, list[str]] = {"cats-vs-dogs": [], "tea-or-coffee": []}
        async with limit, httpx.AsyncClient(base_url=url) as browser:
            for slug, option in casts_of(number):
                answer = await form_post_async(browser, f"/polls/{slug}/", {"option": option})
                if answer.status_code != 303:
                    assert slug == "tea-or-coffee" and answer.status_code == 409, answer.text
                    continue  # a final vote stands
                page = await browser.get(answer.headers["location"])
                found = RECEIPT.search(page.text)
                assert found, page.text
                receipts[slug].append(found[1])
        return receipts

    return await asyncio.gather(*(voter(number) for number in range(VOTERS)))


def published(url: str, slug: str) -> dict[str, Any]:
    """The poll's log, once the worker has sealed it."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.get(f"{url}/polls/{slug}/audit.json")
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code == 503 and time.monotonic() < deadline, answer.text
        time.sleep(0.2)


def test_every_voter_finds_their_receipts_and_the_log_recounts_to_the_results(redis_db, tmp_path):
    poll_create(question="Cats or dogs?", options=[("cats", "Cats"), ("dogs", "Dogs")],
                slug="cats-vs-dogs")  # fmt: skip
    poll_create(question="Tea or coffee?", options=[("tea", "Tea"), ("coffee", "Coffee")],
                slug="tea-or-coffee", voters_may_change=False)  # fmt: skip

    with asgi_server() as url, rq_worker():
        receipts = asyncio.run(vote_all(url))
        for poll in Poll.objects.all():
            poll.is_open = False
            poll.save()
        refused = asyncio.run(_late_vote(url))
        logs = {slug: published(url, slug) for slug in ("cats-vs-dogs", "tea-or-coffee")}
        results = {slug: httpx.get(f"{url}/api/polls/{slug}/results").json() for slug in logs}

    assert refused == 409  # after the close: never in the log
    for slug, log in logs.items():
        everyone = [receipt for voter in receipts for receipt in voter[slug]]
        checked = verified(log, tmp_path, *[f"--receipt={receipt}" for receipt in everyone])
        assert checked["fingerprint"] == results[slug]["fingerprint"] == log["fingerprint"]
        assert checked["tally"]["voters"] == results[slug]["voters"] == VOTERS
        assert checked["tally"]["options"] == {
            option["slug"]: option["votes"] for option in results[slug]["options"]
        }
        assert len(log["entries"]) == len(everyone)  # each accepted vote once, no other
        for voter in receipts:
            *earlier, latest = voter[slug]
            assert checked["receipts"][latest]["counts"]
            assert not any(checked["receipts"][receipt]["counts"] for receipt in earlier)
    assert all(len(voter["tea-or-coffee"]) == 1 for voter in receipts)  # final: one each


async def _late_vote(url: str) -> int:
    async with httpx.AsyncClient(base_url=url) as browser:
        answer = await form_post_async(browser, f"{url}/polls/cats-vs-dogs/", {"option": "cats"})
        return answer.status_code
