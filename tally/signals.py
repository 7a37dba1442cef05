"""What tally does when polls tells it something (polls/signals.py), and when a poll or
an option is saved: every open page hears of the change.

Open pages hear of it over their sockets once the change commits (the presenter's
controls, an admin edit); a poll's opening and closing times are published by a
job the worker's scheduler runs at that moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import django_rq
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from redis import RedisError

from polls.models import Option, Poll
from polls.signals import round_started, votes_waiting
from tally import jobs
from tally.ingest import versions_bump
from tally.publish import poll_publish

logger = logging.getLogger(__name__)


@receiver(votes_waiting)
def ingest_enqueue(sender: Any, **kwargs: Any) -> None:
    """Ask a worker to count what is queued."""
    try:
        django_rq.get_queue("default").enqueue(jobs.votes_ingest)
    except RedisError as error:  # the vote is queued; the periodic job will count it
        logger.warning("vote queued, but its ingest job was not: %s", error)


@receiver(round_started)
def round_versions_bump(sender: Any, poll: Poll, **kwargs: Any) -> None:
    """The new round's zeros are newer than any count a page holds."""
    versions_bump([poll.pk])


@receiver(post_save, sender=Poll)
def poll_saved(sender: type[Poll], instance: Poll, created: bool, **kwargs: Any) -> None:
    if not created:
        transaction.on_commit(lambda: _publish(instance.pk, instance.opens_at, instance.closes_at))
    if not instance.is_open and instance.closed_ms is not None:
        transaction.on_commit(lambda: _seal(instance.pk))


@receiver([post_save, post_delete], sender=Option)
def option_changed(sender: type[Option], instance: Option, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _publish(instance.poll_id, None, None))


def _seal(poll_id: int) -> None:
    """Have the worker seal the closed poll's log once its last casts are counted."""
    try:
        django_rq.get_queue("default").enqueue(jobs.log_seal, poll_id)
    except RedisError as error:  # the log is sealed on the poll's next save
        logger.warning("poll %s closed, but its log's seal was not queued: %s", poll_id, error)


def _publish(poll_id: int, *times: datetime | None) -> None:
    """Tell open pages now, and again when the poll's times come (a job per time to come)."""
    try:
        poll_publish(poll_id=poll_id)
        queue = django_rq.get_queue("default")
        for moment in times:
            if moment is not None and moment > timezone.now():
                # RQ keeps whole seconds, dropping the fraction: the next whole second
                # is the first that is surely past the moment.
                due = moment.replace(microsecond=0) + timedelta(seconds=1)
                queue.enqueue_at(due, jobs.poll_publish, poll_id)
    except RedisError as error:  # the change is saved; pages catch up on their next connect
        logger.warning("poll %s changed, but open pages were not told: %s", poll_id, error)
