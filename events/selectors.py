"""Reads: events by code, and the message that tells an event's pages where it stands."""

from __future__ import annotations

import json
from typing import Any

from events.models import Event
from events.quiz import clock_state
from polls.models import Poll, join_code_clean
from tally.publish import poll_message


def event_by_code(code: str) -> Event | None:
    """The event with this join code, typed in any case, with spaces or dashes."""
    return Event.objects.filter(code=join_code_clean(code)).first()


def event_state(event: Event, polls: list[Poll] | None = None) -> dict[str, Any]:
    """Where the event stands, as its pages are told: `stage` (lobby, question, ended), the
    `position` of the question shown (from 1), how many there are, that question's slug
    and its `state` (open, scheduled, closed): all a page needs to show it. A quiz's also
    say so (`quiz`) and give the shown question's `clock` (events/quiz.py). Reads
    PostgreSQL, and in a quiz Redis's clock."""
    polls = event.polls() if polls is None else polls
    current = polls[event.position - 1] if event.position and event.position <= len(polls) else None
    state: dict[str, Any] = {
        "type": "event",
        "stage": str(event.stage) if current is not None or event.stage != "question" else "lobby",
        "position": event.position if current is not None else None,
        "count": len(polls),
        "poll": current.slug if current is not None else None,
        "state": str(current.state_at()) if current is not None else None,
    }
    if event.is_quiz:
        state |= {"quiz": True, "clock": clock_state(event, current)}
    return state


def event_messages(event: Event) -> list[dict[str, Any]]:
    """The channel-layer messages of a move, in order. First where the event stands, the
    same for every page, encoded once; with it each page shows the question. Then the
    question's state and results, for each socket to send as far as its viewer may see
    them. So every page has the first before any socket sends the second, and no socket
    reads PostgreSQL."""
    polls = event.polls()
    state = event_state(event, polls)
    current = polls[state["position"] - 1] if state["poll"] is not None else None
    messages: list[dict[str, Any]] = [
        {
            "type": "event.update",
            "text": json.dumps(state),
            "poll_id": current.pk if current is not None else None,
        }
    ]
    if current is not None:
        messages.append(
            {"type": "event.question", "poll_id": current.pk, "poll_state": poll_message(current)}
        )
    return messages
