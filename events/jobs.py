"""RQ jobs of events: thin, they call services. Run by the same worker as tally's."""

from __future__ import annotations

import time

from django.db.models import F

from events.quiz import FINISH_WAITS_AT_MOST_MS, finish_queue
from events.services import question_finished
from polls.countdown import redis_now_ms, remaining_ms
from polls.models import Countdown, Poll
from polls.queue import INGEST_GROUP, VOTE_STREAM
from tally import ingest
from tally.jobs import consumer_name, fresh_connections
from voting_site.redis import redis_client

# How long it waits for another worker's batch that holds a vote from before the deadline.
OTHERS_WAIT_SECONDS = 10


@fresh_connections
def questions_finish_due() -> int:
    """The safety net (tally/cron.py, every 10 s): the overdue questions' finish."""
    return finish_overdue()


def finish_overdue() -> int:
    """Finish each quiz question still open whose deadline Redis's clock has passed: its
    job was lost, or was queued for a time by a web process whose clock is off (the
    scheduler keeps the enqueuer's times). How many there were."""
    due = list(
        Countdown.objects.filter(
            deadline_ms__lte=redis_now_ms(), poll__is_open=True, round=F("poll__round")
        ).values_list("poll_id", "round")
    )
    for poll_id, round_number in due:
        finish_when_due(poll_id, round_number)
    return len(due)


@fresh_connections
def question_finish(poll_id: int, round_number: int) -> None:
    """A quiz question's deadline: its finish, when it is due."""
    finish_when_due(poll_id, round_number)


def finish_when_due(poll_id: int, round_number: int) -> None:
    """Once Redis's clock reaches the question's deadline, count every vote queued before
    it, close the question and tell each player their score. Queued again when the
    presenter has added time; nothing when the question has moved on to a new round."""
    while True:
        countdown = Countdown.objects.filter(poll_id=poll_id, round=round_number).first()
        poll = Poll.objects.filter(pk=poll_id, round=round_number).first()
        if countdown is None or poll is None:
            return
        left = remaining_ms(countdown)
        if left is None:
            return  # untimed now: the presenter's `end` queues this job again
        if left > FINISH_WAITS_AT_MOST_MS:
            finish_queue(poll_id=poll_id, round_number=round_number, at_ms=left)
            return
        if left == 0:
            break
        time.sleep(left / 1000)
    # Redis refuses the question's votes from the deadline on: every vote that counts is
    # in the stream. Count what no worker has read, then wait for other workers' batches.
    ingest.votes_ingest(consumer=consumer_name(), max_seconds=5, idle_ms=None)
    _others_wait(countdown.deadline_ms or redis_now_ms())
    question_finished(poll=poll)


def _others_wait(deadline_ms: int) -> None:
    """Wait (a while at most) until no worker holds an uncounted entry from before the
    deadline: another worker's batch in flight may have one of this question's votes."""
    client = redis_client()
    give_up = time.monotonic() + OTHERS_WAIT_SECONDS
    while time.monotonic() < give_up:
        pending = client.xpending(VOTE_STREAM, INGEST_GROUP)
        if not pending["pending"]:
            return
        oldest = pending["min"].decode() if isinstance(pending["min"], bytes) else pending["min"]
        if int(oldest.split("-")[0]) >= deadline_ms:  # an entry ID: Redis's milliseconds
            return
        time.sleep(0.05)
