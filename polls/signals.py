"""A poll or option saved is seen at once by this process's vote path, and by every open page.

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
from polls.selectors import ballot_forget
from tally import jobs
from tally.publish import poll_publish

logger = logging.getLogger(__name__)


@receiver([post_save, post_delete], sender=Poll)
def poll_changed(sender: type[Poll], instance: Poll, **kwargs: Any) -> None:
    ballot_forget(slug=instance.slug)
    if not kwargs.get("created") and kwargs["signal"] is post_save:
        transaction.on_commit(lambda: _publish(instance.pk, instance.opens_at, instance.closes_at))


@receiver([post_save, post_delete], sender=Option)
def option_changed(sender: type[Option], instance: Option, **kwargs: Any) -> None:
    ballot_forget(slug=instance.poll.slug)
    transaction.on_commit(lambda: _publish(instance.poll_id, None, None))


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
