"""RQ jobs of events: thin, they call services. Run by the same worker as tally's; the
safety net is registered in events/cron.py.

The services that start and change a quiz question's clock ask for its finish with the
`finish_wanted` signal (events/signals.py); the receiver here queues the job, so the
services need not know the queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import django_rq
from django.dispatch import receiver
from django.utils import timezone
from redis import RedisError

from events.decks import deck_render
from events.erasure import erasure_finish
from events.publish import scores_publish
from events.retention import purge
from events.services import (
    FINISH_QUEUED_AHEAD_MS,
    FINISH_WAITS_AT_MOST_MS,
    finish_overdue,
    finish_when_due,
)
from events.signals import finish_wanted
from polls.models import Poll
from tally.jobs import fresh_connections
from tally.publish import poll_publish

logger = logging.getLogger(__name__)


@fresh_connections
def questions_finish_due() -> int:
    """The safety net (events/cron.py, every 10 s): the overdue questions' finish."""
    return finish_overdue()


@fresh_connections
def question_finish(poll_id: int, round_number: int) -> None:
    """A quiz question's deadline: its finish, when it is due."""
    finish_when_due(poll_id, round_number)


@fresh_connections
def retention_purge() -> int:
    """The links to people of every poll and event quiet for longer than its retention,
    removed (events/cron.py, daily); how many were purged."""
    purged = purge()
    for done in purged:
        logger.info("retention: %s", done.line())
    return len(purged)


# How soon an erasure looks again while votes from before it are still being counted.
ERASURE_RETRY = timedelta(seconds=1)


@fresh_connections
def participant_erase(event_id: int, voter: str, since_ms: int) -> bool | None:
    """A participant's answers erased (events/erasure.py) once the votes before the
    erasure are counted, and the event's pages told the new results."""
    erased = erasure_finish(event_id=event_id, voter=voter, since_ms=since_ms)
    if erased is False:
        queue = django_rq.get_queue("default")
        queue.enqueue_in(ERASURE_RETRY, participant_erase, event_id, voter, since_ms)
    elif erased:
        for poll_id in Poll.objects.filter(event_question__event_id=event_id).values_list(
            "pk", flat=True
        ):
            poll_publish(poll_id=poll_id)
        scores_publish(event_id=event_id)
    return erased


def erasure_queue(event_id: int, voter: str, since_ms: int) -> None:
    """Queue the erasure of a participant's answers: the worker recounts, never the request."""
    django_rq.get_queue("default").enqueue(participant_erase, event_id, voter, since_ms)


@fresh_connections
def deck_slides_make(deck_id: int) -> None:
    """A PDF deck's pages made slides of its event (events/decks.py)."""
    deck_render(deck_id)


def deck_queue(deck_id: int) -> None:
    """Queue the making of a deck's slides: the worker renders, never the request."""
    django_rq.get_queue("default").enqueue(deck_slides_make, deck_id, job_timeout=1800)


@receiver(finish_wanted)
def finish_queue(
    sender: Any, *, poll_id: int, round_number: int, at_ms: int | None = None, **kwargs: Any
) -> None:
    """Queue the job that finishes the question's round: now, or shortly before `at_ms`
    milliseconds from now (the job waits out the rest on Redis's clock)."""
    try:
        queue = django_rq.get_queue("default")
        if at_ms is None or at_ms <= FINISH_WAITS_AT_MOST_MS:
            queue.enqueue(question_finish, poll_id, round_number)
        else:
            due = timezone.now() + timedelta(milliseconds=at_ms - FINISH_QUEUED_AHEAD_MS)
            queue.enqueue_at(due, question_finish, poll_id, round_number)
    except RedisError as error:
        logger.warning("question %s's finish was not queued: %s", poll_id, error)
