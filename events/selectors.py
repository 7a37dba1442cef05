"""Reads: events by code, and the message that tells an event's pages where it stands."""

from __future__ import annotations

from typing import Any

from events.models import Event
from polls.models import Poll, join_code_clean
from tally.publish import poll_message


def event_by_code(code: str) -> Event | None:
    """The event with this join code, typed in any case, with spaces or dashes."""
    return Event.objects.filter(code=join_code_clean(code)).first()


def event_state(event: Event, polls: list[Poll] | None = None) -> dict[str, Any]:
    """Where the event stands, as its pages are told: `stage` (lobby, question, ended), the
    `position` of the question shown (from 1), how many there are, and that question's
    slug."""
    polls = event.polls() if polls is None else polls
    current = polls[event.position - 1] if event.position and event.position <= len(polls) else None
    return {
        "type": "event",
        "stage": str(event.stage) if current is not None or event.stage != "question" else "lobby",
        "position": event.position if current is not None else None,
        "count": len(polls),
        "poll": current.slug if current is not None else None,
    }


def event_message(event: Event) -> dict[str, Any]:
    """The channel-layer message of a move: the event's state, and the state and results
    of the question it shows, so that a page switches to it with no read of its own (each
    socket works out whether its viewer may see the counts)."""
    polls = event.polls()
    state = event_state(event, polls)
    message: dict[str, Any] = {"type": "event.update", "event": state}
    if state["poll"] is not None:
        current = polls[state["position"] - 1]
        message |= {"poll_id": current.pk, "poll_state": poll_message(current)}
    return message
