"""What an event does when its polls change (connected in EventsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_delete
from django.dispatch import Signal, receiver

from polls.models import Poll, scored_in_quiz
from polls.selectors import ballot_forget
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


@receiver(post_save, sender="events.Event")
def event_changed(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Who may take part is the event's: its questions are read afresh (the other
    processes' copies expire within a second). A move saves only its own fields, and
    reads nothing here."""
    if update_fields is not None and "participation" not in update_fields:
        return
    for slug in Poll.objects.filter(event_question__event=instance).values_list("slug", flat=True):
        ballot_forget(slug=slug)


@receiver(pre_delete, sender="events.Event")
def event_questions_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An event deleted takes its questions with it, and so every vote, answer, question
    and logged cast of its participants: nothing of theirs outlives the event."""
    for poll in Poll.objects.filter(event_question__event=instance):
        poll.delete()  # one at a time: each poll's own signals forget its Redis state
