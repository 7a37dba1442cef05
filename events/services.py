"""Writes: events made, moved through, copied and reset; polls copied."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext as _
from redis import RedisError

from events.models import Event, EventQuestion
from events.selectors import event_messages
from polls.models import Poll
from polls.services import free_slug, poll_close, poll_duplicate, poll_open, poll_reset, slug_for

logger = logging.getLogger(__name__)

# The presenter's moves: the projector's keys, the remote's buttons, `manage.py event`.
MOVES = ("next", "previous", "goto", "lobby", "end")


class EventError(ValueError):
    """An event that cannot be made or moved as asked; the message says why."""


def event_group(event_id: int) -> str:
    """The channel-layer group of an event's pages: audience, projector, remote."""
    return f"event.{event_id}"


def event_create(
    *,
    title: str,
    polls: Sequence[Poll],
    slug: str = "",
    pace: str = Event.Pace.PRESENTER,
    opens_questions: bool = True,
) -> Event:
    """An event of these polls, in this order, in its lobby. A poll is in one event at most."""
    slug = slug or slug_for(title)
    if not slug:
        raise EventError(_("The event needs a slug: give one with --slug."))
    if Event.objects.filter(slug=slug).exists():
        raise EventError(_("An event with the slug %(slug)r exists already.") % {"slug": slug})
    if pace not in Event.Pace.values:
        raise EventError(
            _("An event's pace is one of %(paces)s, not %(given)r.")
            % {"paces": ", ".join(Event.Pace.values), "given": pace}
        )
    taken = [poll.slug for poll in polls if EventQuestion.objects.filter(poll=poll).exists()]
    if taken:
        raise EventError(
            _("These polls are in another event already: %(slugs)s.") % {"slugs": ", ".join(taken)}
        )
    with transaction.atomic():
        event = Event.objects.create(
            title=title, slug=slug, pace=pace, opens_questions=opens_questions
        )
        EventQuestion.objects.bulk_create(
            EventQuestion(event=event, poll=poll, position=index)
            for index, poll in enumerate(polls, start=1)
        )
    return event


def event_move(*, event: Event, action: str, position: int | None = None) -> Event:
    """Move the event: `next`, `previous`, `goto` (`position`, from 1), `lobby` or `end`.

    By default moving to a question opens it and closes the one left. Every page of the
    event hears of it once the move commits. EventError for a move that cannot be.
    """
    if action not in MOVES:
        raise EventError(
            _("Unknown move %(action)r: use one of %(moves)s.")
            % {"action": action, "moves": ", ".join(MOVES)}
        )
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        polls = locked.polls()
        left = polls[locked.position - 1] if locked.position else None
        target, ended = _target(locked, action, position, len(polls))
        locked.position, locked.ended = target, ended
        locked.save(update_fields=["position", "ended", "updated_at"])
        shown = polls[target - 1] if target else None
        if locked.opens_questions and shown is not left:
            if left is not None and left.is_open:
                poll_close(poll=left)
            if shown is not None and not shown.is_open:
                poll_open(poll=shown)
        transaction.on_commit(lambda: event_publish(event_id=locked.pk))
    return locked


def _target(event: Event, action: str, position: int | None, count: int) -> tuple[int | None, bool]:
    """Where a move leads: the question's position (None: lobby or end), and whether ended."""
    current = event.position
    if action == "lobby":
        return None, False
    if action == "end":
        return None, True
    if action == "goto":
        if position is None or not 1 <= position <= count:
            raise EventError(
                _("Go to a question from 1 to %(n)d.") % {"n": count}
                if count
                else _("This event has no questions yet.")
            )
        return position, False
    if count == 0:
        raise EventError(_("This event has no questions yet."))
    if action == "next":
        if event.ended:
            return None, True
        if current is None:
            return 1, False
        return (current + 1, False) if current < count else (None, True)
    # previous
    if event.ended:
        return count, False
    if current is None or current == 1:
        return None, False
    return current - 1, False


def event_publish(*, event_id: int) -> None:
    """Tell every page of the event where it stands."""
    event = Event.objects.filter(pk=event_id).first()
    layer = get_channel_layer()
    if event is None or layer is None:
        return
    try:
        for message in event_messages(event):
            async_to_sync(layer.group_send)(event_group(event_id), message)
    except RedisError as error:  # moved; pages catch up when they connect again
        logger.warning("event %s moved, but its pages were not told: %s", event_id, error)


def event_reset_all(*, event: Event) -> None:
    """A new round of every question of the event (the old rounds' results are kept)."""
    for poll in event.polls():
        poll_reset(poll=poll)


def event_duplicate(*, event: Event) -> Event:
    """A copy of the event and of each of its polls (new slugs and codes, no votes), in
    its lobby."""
    with transaction.atomic():
        polls = [poll_duplicate(poll=poll) for poll in event.polls()]
        return event_create(
            title=event.title,
            polls=polls,
            slug=free_slug(Event, f"{event.slug}-copy"),
            pace=event.pace,
            opens_questions=event.opens_questions,
        )
