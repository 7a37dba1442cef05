"""A quiz question's deadline is kept on Redis's clock: a web process whose clock is
minutes off (under libfaketime) can neither stretch it nor change a vote's points."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from events.services import event_clock, event_create, event_move
from polls.models import Countdown, Vote
from polls.services import poll_create
from polls.stream import VOTE_STREAM, stream_ms
from tally.ingest import votes_ingest
from tests.support.pages import form_post_async
from tests.support.processes import LIBFAKETIME, asgi_server


@pytest.mark.parametrize("offset", ["-5m", "+5m"])
@pytest.mark.django_db(transaction=True)
def test_a_web_process_whose_clock_is_minutes_off_cannot_stretch_the_deadline(redis_db, offset):
    if LIBFAKETIME is None:
        pytest.skip("no libfaketime: apt-get install faketime")
    poll = poll_create(
        question="Red planet?", options=[("a", "Venus"), ("b", "Mars")], slug="red",
        correct=["b"], seconds=60,
    )  # fmt: skip
    event = event_create(title="Planets", polls=[poll], slug="planets", quiz=True)
    event_move(event=event, action="next")
    off: dict[str, Any] = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }

    async def mars(browser: httpx.AsyncClient, url: str) -> int:
        answer = await form_post_async(
            browser, f"{url}/events/planets/", {"option": "b"}, to=f"{url}/polls/red/"
        )
        return answer.status_code

    async def joined(browser: httpx.AsyncClient, url: str, nickname: str) -> None:
        page = f"{url}/events/planets/"
        assert (await form_post_async(browser, page, {"nickname": nickname})).status_code == 303

    async def before_and_after(url: str) -> tuple[int, int, int]:
        async with httpx.AsyncClient() as first, httpx.AsyncClient() as second:
            await joined(first, url, "Ada")
            await joined(second, url, "Bob")
            in_time = await mars(first, url)
            await asyncio.to_thread(event_clock, event=event, change="end")
            return in_time, await mars(second, url), await mars(first, url)

    with asgi_server(**off) as url:
        in_time, late, changed_late = asyncio.run(before_and_after(url))

    assert (in_time, late, changed_late) == (303, 409, 409)
    assert redis_db.xlen(VOTE_STREAM) == 1  # the late ones were never queued
    votes_ingest(consumer="test")
    vote = Vote.objects.get()
    # Timed by Redis, from the opening to the vote's entry (seconds, for the process to
    # start): a clock five minutes off would have made it 500, the least.
    countdown = Countdown.objects.get()
    taken = stream_ms(vote.stream_order) - countdown.opened_ms
    assert 0 < taken < 30_000
    assert vote.points == round(1000 - 500 * taken / 60_000) > 750
    # The process's clock was off indeed: the vote says it came minutes away from now.
    assert abs(timezone.now() - vote.cast_at) > timedelta(minutes=4)
