"""Closed means closed on every web process at once: a vote sent 50 ms after the close, to
a web process whose copy of the poll still says open, gets 409 and is not counted."""

from __future__ import annotations

import time

import httpx
import pytest

from polls.models import Poll, Vote
from polls.services import poll_close
from tests.support.pages import csrf_token
from tests.support.processes import asgi_server, rq_worker, wait_until
from voting_site.metrics import ACCEPTED, COUNTERS

PAGE = "/polls/cats-vs-dogs/"


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_a_vote_50_ms_after_the_close_is_refused_by_another_web_process(redis_db, poll):
    # Each process keeps its copy of the poll for 10 s: only Redis can tell it of the close.
    with (
        asgi_server(server="uvicorn", VOTING_BALLOT_CACHE_SECONDS="10") as first,
        asgi_server(server="uvicorn", VOTING_BALLOT_CACHE_SECONDS="10") as second,
        rq_worker(),
        httpx.Client(base_url=first) as early,
        httpx.Client(base_url=second) as late,
    ):
        for browser in (early, late):  # each page read: each process's copy says open
            browser.get(PAGE)
        token = csrf_token(early.get(PAGE).text)
        assert early.post(PAGE, data={"csrfmiddlewaretoken": token, "option": "cats"}).is_redirect
        late_token = csrf_token(late.get(PAGE).text)

        poll_close(poll=poll)  # the presenter, in a third process
        time.sleep(0.05)
        answer = late.post(PAGE, data={"csrfmiddlewaretoken": late_token, "option": "dogs"})

        assert answer.status_code == 409
        assert "Voting is closed" in answer.text
        assert redis_db.hget(COUNTERS, ACCEPTED) == b"1"  # the late vote was never queued
        wait_until(lambda: Vote.objects.count() == 1)
    assert list(Vote.objects.values_list("poll__slug", "choices")) == [
        ("cats-vs-dogs", [Poll.objects.get().options.get(slug="cats").pk])
    ]
