"""Closed in Redis's order: a poll's state is written to Redis as it is saved, the vote
scripts refuse a vote, a question or an upvote to a poll Redis holds closed whatever a web
process's copy says, and the worker counts no cast Redis took after the close; on the
real PostgreSQL and Redis. (Two real web processes: tests/polls/test_closing_e2e.py.)"""

from __future__ import annotations

import dataclasses
import time

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from polls.models import Poll, Question, Vote
from polls.opening import state_key
from polls.selectors import ballot_for
from polls.services import PollClosed, poll_close, poll_create, poll_open, vote_cast
from polls.stream import VOTE_STREAM
from tally.ingest import votes_ingest

pytestmark = pytest.mark.django_db


def cast(poll: Poll, voter: str) -> None:
    """A vote as a web process whose copy of the poll says it is open casts it."""
    ballot = async_to_sync(ballot_for)(slug=poll.slug)
    assert ballot is not None
    ballot = dataclasses.replace(ballot, is_open=True)
    async_to_sync(vote_cast)(
        ballot=ballot, choices=ballot.options[:1], voter=voter, address="192.0.2.0"
    )


def test_saving_a_poll_writes_its_state_and_when_it_closed(redis_db, poll):
    assert redis_db.get(state_key(poll.pk)) == b"open"

    poll_close(poll=poll)

    assert redis_db.get(state_key(poll.pk)) == b"closed"
    closed_ms = Poll.objects.get(pk=poll.pk).closed_ms
    seconds, microseconds = redis_db.time()
    assert 0 <= seconds * 1000 + microseconds // 1000 - closed_ms < 5000
    poll_open(poll=poll)
    assert redis_db.get(state_key(poll.pk)) == b"open"
    assert Poll.objects.get(pk=poll.pk).closed_ms is None


def test_a_vote_is_refused_once_redis_holds_the_poll_closed(redis_db, poll):
    cast(poll, "before")  # the process's copy: open, and kept
    redis_db.set(state_key(poll.pk), "closed")  # closed by another process, a moment ago

    with pytest.raises(PollClosed):
        cast(poll, "after")

    assert redis_db.xlen(VOTE_STREAM) == 1
    votes_ingest(consumer="test", idle_ms=None)
    assert list(Vote.objects.values_list("voter", flat=True)) == ["before"]


def test_the_page_says_closed_with_409_when_redis_refuses(redis_db, poll):
    browser = Client()
    browser.get("/polls/cats-vs-dogs/")  # this process's copy: open
    redis_db.set(state_key(poll.pk), "closed")

    answer = browser.post("/polls/cats-vs-dogs/", {"option": "cats"})

    assert answer.status_code == 409
    page = answer.content.decode()
    assert 'data-when-state="closed" >' in page  # the closed notice, not hidden
    assert redis_db.xlen(VOTE_STREAM) == 0


def test_a_qa_takes_no_question_or_upvote_once_closed_in_redis(redis_db):
    qa = poll_create(question="Questions?", options=[], slug="qa", kind="questions")
    browser = Client()
    browser.get("/polls/qa/")
    assert browser.post("/polls/qa/", {"question": "Why?"}).status_code == 303
    votes_ingest(consumer="test", idle_ms=None)
    question = Question.objects.get()
    redis_db.set(state_key(qa.pk), "closed")

    asked = browser.post("/polls/qa/", {"question": "And now?"})
    upvoted = browser.post("/polls/qa/", {"upvote": str(question.pk)})

    assert (asked.status_code, upvoted.status_code) == (409, 409)
    votes_ingest(consumer="test", idle_ms=None)
    assert list(Question.objects.values_list("text", "upvotes")) == [("Why?", 0)]


def test_the_worker_counts_no_cast_redis_took_after_the_close(redis_db, poll):
    cast(poll, "before")
    poll_close(poll=poll)
    redis_db.delete(state_key(poll.pk))  # lost: the vote script cannot refuse
    time.sleep(0.005)  # Redis adds the next entry in a later millisecond than the close
    cast(poll, "after")  # a process whose copy still says open

    votes_ingest(consumer="test", idle_ms=None)

    assert list(Vote.objects.values_list("voter", flat=True)) == ["before"]
