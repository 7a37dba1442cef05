"""What polls tells the apps built on it, and what it keeps in step itself.

polls never imports the apps built on it (tally counts and publishes, events groups
polls); it sends these signals, and they receive them:

- `votes_waiting`, when the vote path queues the first vote since the worker last said
  it was counting, so that a worker is asked to count it;
- `round_started`, inside `poll_reset`'s transaction, for what must move with the round.

Its own receivers forget a changed poll's ballot in this process's cache, so its vote
path sees the change at once, and write a saved poll's open or closed state to Redis in
the same step (polls/opening.py), so that every web process's vote path sees it at once.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from polls.models import Option, Poll
from polls.opening import state_forget, state_write
from polls.selectors import ballot_forget

votes_waiting = Signal()
round_started = Signal()  # poll: the poll, its new round saved


@receiver([post_save, post_delete], sender=Poll)
def poll_changed(sender: type[Poll], instance: Poll, **kwargs: Any) -> None:
    ballot_forget(slug=instance.slug)


@receiver(post_save, sender=Poll)
def poll_state_written(sender: type[Poll], instance: Poll, **kwargs: Any) -> None:
    """Redis holds the poll open or closed from this save on; RedisError rolls the save
    back where it runs in a transaction (the admin's, the presenter's controls)."""
    closed_ms = state_write(poll_id=instance.pk, is_open=instance.is_open)
    if closed_ms is not None:
        instance.closed_ms = closed_ms
        Poll.objects.filter(pk=instance.pk).update(closed_ms=closed_ms)
    elif instance.is_open:
        instance.closed_ms = None
        Poll.objects.filter(pk=instance.pk, closed_ms__isnull=False).update(closed_ms=None)


@receiver(post_delete, sender=Poll)
def poll_state_forgotten(sender: type[Poll], instance: Poll, **kwargs: Any) -> None:
    state_forget(poll_id=instance.pk)


@receiver([post_save, post_delete], sender=Option)
def option_changed(sender: type[Option], instance: Option, **kwargs: Any) -> None:
    ballot_forget(slug=instance.poll.slug)
