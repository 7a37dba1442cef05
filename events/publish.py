"""What the worker and the presenter's moves tell an event's pages, through the channel
layer: where the event stands (the same for every page), and in a quiz each phone's own
score (one message; each socket sends on its own player's part)."""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis import RedisError

from events.models import Event, Player
from events.selectors import event_messages, last_finished, personal, right_answer, standings

logger = logging.getLogger(__name__)


def event_group(event_id: int) -> str:
    """The channel-layer group of an event's pages: audience, projector, remote."""
    return f"event.{event_id}"


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


def scores_publish(*, event_id: int) -> None:
    """Tell each player's phone its own score and place, in one message to the event's
    pages: each socket sends on only its own player's part (events/consumers.py)."""
    event = Event.objects.filter(pk=event_id).first()
    layer = get_channel_layer()
    if event is None or layer is None or not event.is_quiz:
        return
    last = last_finished(event)
    rows = standings(event, last)
    position = event.polls().index(last) + 1 if last is not None else None
    answer = right_answer(last)
    message = {
        "type": "event.scores",
        "scores": {  # each encoded here once, not by each socket
            row.voter: json.dumps(personal(row, len(rows), position, answer), separators=(",", ":"))
            for row in rows
        },
        "removed": list(
            Player.objects.filter(event=event, removed=True).values_list("voter", flat=True)
        ),
    }
    try:
        async_to_sync(layer.group_send)(event_group(event_id), message)
    except RedisError as error:  # the phones ask again when they reload
        logger.warning("quiz %s scored, but its phones were not told: %s", event_id, error)
