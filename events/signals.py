"""What an event does when its polls change (connected in EventsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal, receiver

from polls.models import Poll, scored_in_quiz
from polls.signals import round_started

# A scored question's finish is wanted: now (`at_ms` None) or in `at_ms` milliseconds, on
# Redis's clock; with `poll_id` and `round_number`. The services that start and change
# the clock send it; events/jobs.py queues the job, so the services need not know it.
finish_wanted = Signal()


@receiver(round_started)
def quiz_round_withheld(sender: Any, poll: Poll, **kwargs: Any) -> None:
    """A quiz's scored question's new round is not asked yet: its results, and its right
    answers, are withheld from the room again until its time is up (events/services.py)."""
    if Poll.objects.filter(scored_in_quiz(), pk=poll.pk).exists():
        poll.results_shown = False
        Poll.objects.filter(pk=poll.pk).update(results_shown=False)
