"""What an event does when its polls change (connected in EventsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from polls.models import Poll, scored_in_quiz
from polls.signals import round_started


@receiver(round_started)
def quiz_round_withheld(sender: Any, poll: Poll, **kwargs: Any) -> None:
    """A quiz's scored question's new round is not asked yet: its results, and its right
    answers, are withheld from the room again until its time is up (events/services.py)."""
    if Poll.objects.filter(scored_in_quiz(), pk=poll.pk).exists():
        poll.results_shown = False
        Poll.objects.filter(pk=poll.pk).update(results_shown=False)
