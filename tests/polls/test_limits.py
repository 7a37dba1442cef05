"""Abuse limits: 429 with Retry-After at the limit, nothing queued, counted in Redis for
every web process; the defaults let a classroom behind one address in."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.test import Client

from polls.services import poll_reset
from polls.stream import VOTE_STREAM
from voting_site.limits import retry_after

pytestmark = pytest.mark.django_db

VOTE_PAGE = "/polls/cats-vs-dogs/"


def vote(browser: Client, option: str = "cats"):
    return browser.post(VOTE_PAGE, {"option": option})


def test_new_voters_from_one_address_are_limited(settings, poll, redis_db):
    settings.VOTING_RATE_NEW_VOTERS = (2, 60)
    first, second, third = (Client().get(VOTE_PAGE) for _ in range(3))

    assert first.status_code == second.status_code == 200
    assert third.status_code == 429
    assert 1 <= int(third["Retry-After"]) <= 60
    assert "Too many new voters" in third.content.decode()
    assert "voter_id" not in third.cookies  # no new voter made
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_a_client_cannot_escape_the_limit_by_naming_another_address(settings, poll, redis_db):
    settings.VOTING_RATE_NEW_VOTERS = (1, 60)  # and no proxy is trusted

    answers = [
        Client(HTTP_X_FORWARDED_FOR=address).get(VOTE_PAGE).status_code
        for address in ("198.51.100.1", "198.51.100.2")
    ]

    assert answers == [200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(settings, poll, redis_db):
    settings.VOTING_RATE_NEW_VOTERS = (1, 60)
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    answers = [
        Client(HTTP_X_FORWARDED_FOR=address).get(VOTE_PAGE).status_code
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.1")
    ]

    assert answers == [200, 200, 429]


def test_votes_per_voter_are_limited_and_the_one_over_is_not_queued(settings, poll, redis_db):
    settings.VOTING_RATE_VOTES = (2, 60)
    browser = Client()
    browser.get(VOTE_PAGE)

    answers = [vote(browser, option) for option in ("cats", "dogs", "cats")]

    assert [answer.status_code for answer in answers] == [303, 303, 429]
    assert "voted too many times" in answers[2].content.decode()
    assert int(answers[2]["Retry-After"]) >= 1
    assert redis_db.xlen(VOTE_STREAM) == 2
    assert Client().get(VOTE_PAGE).status_code == 200  # another voter is not held back


def just_before_a_fixed_window_ends(seconds: int, lead: float) -> None:
    """Wait until `lead` seconds before a multiple of `seconds` on the clock: where a
    count per window of the clock would start again."""
    time.sleep((seconds - lead - time.time() % seconds) % seconds)


@pytest.mark.asyncio
async def test_no_span_of_the_limits_length_holds_more_than_the_limit(redis_db):
    rate = (5, 2)
    just_before_a_fixed_window_ends(2, lead=0.3)
    before = [await retry_after("test", "someone", rate) for _ in range(5)]
    await asyncio.sleep(0.5)  # across the edge
    after = [await retry_after("test", "someone", rate) for _ in range(5)]
    await asyncio.sleep(2)
    later = await retry_after("test", "someone", rate)

    assert before == [0] * 5
    assert all(1 <= wait <= 2 for wait in after)  # fixed windows let these five through
    assert later == 0  # the first five have left the window


def test_new_voters_across_what_was_a_windows_edge_are_limited_all_the_same(
    settings, poll, redis_db
):
    settings.VOTING_RATE_NEW_VOTERS = (3, 2)
    just_before_a_fixed_window_ends(2, lead=0.3)
    before = [Client().get(VOTE_PAGE).status_code for _ in range(3)]
    time.sleep(0.5)
    after = [Client().get(VOTE_PAGE).status_code for _ in range(3)]

    assert before + after == [200] * 3 + [429] * 3


def test_a_poll_may_cap_its_voters_from_one_address(poll, redis_db):
    poll.voters_per_address = 2
    poll.save()
    browsers = [Client() for _ in range(3)]
    for browser in browsers:
        browser.get(VOTE_PAGE)

    answers = [vote(browser) for browser in browsers]
    changed = vote(browsers[0], "dogs")  # a voter counted already may change their vote

    assert [answer.status_code for answer in answers] == [303, 303, 403]
    assert "takes 2 voters from each network" in answers[2].content.decode()
    assert changed.status_code == 303
    assert redis_db.xlen(VOTE_STREAM) == 3


def test_the_cap_counts_each_round_afresh(poll, redis_db):
    poll.voters_per_address = 1
    poll.save()
    first, second = Client(), Client()
    for browser in (first, second):
        browser.get(VOTE_PAGE)
    assert [vote(first).status_code, vote(second).status_code] == [303, 403]

    poll_reset(poll=poll)

    assert vote(second).status_code == 303
