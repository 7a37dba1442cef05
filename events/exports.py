"""An event's results as CSV rows: every question's, per round, in the event's order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from events.models import Event
from tally.exports import results_rows


def event_results_rows(event: Event) -> Iterator[list[Any]]:
    """question (its number), poll, then each of its rounds' results, as results.csv has them."""
    yield ["question", "poll", "round", "option", "label", "votes", "percent"]
    for number, poll in enumerate(event.polls(), start=1):
        rows = results_rows(poll)
        next(rows)  # the poll's own header
        for row in rows:
            yield [number, poll.slug, *row]
