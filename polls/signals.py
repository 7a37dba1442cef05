"""A poll or option saved here is seen at once by this process's vote path."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from polls.models import Option, Poll
from polls.selectors import ballot_forget


@receiver([post_save, post_delete], sender=Poll)
def poll_changed(sender: type[Poll], instance: Poll, **kwargs: Any) -> None:
    ballot_forget(slug=instance.slug)


@receiver([post_save, post_delete], sender=Option)
def option_changed(sender: type[Option], instance: Option, **kwargs: Any) -> None:
    ballot_forget(slug=instance.poll.slug)
