"""An event's results as CSV rows: every question's, per round, in the event's order; and
everything its audience typed (open answers, Q&A questions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from events.models import Event
from polls.exports import answers_rows, questions_rows
from polls.kinds import kind_of
from tally.exports import results_rows


def event_results_rows(event: Event) -> Iterator[list[Any]]:
    """question (its number), poll, then each of its rounds' results, as results.csv has them."""
    yield ["question", "poll", "round", "option", "label", "votes", "percent"]
    for number, poll in enumerate(event.polls(), start=1):
        rows = results_rows(poll)
        next(rows)  # the poll's own header
        for row in rows:
            yield [number, poll.slug, *row]


def event_entries_rows(event: Event) -> Iterator[list[Any]]:
    """What the audience typed, question by question: question (its number), poll, round,
    entry (`answer` or `question`), text, name (a question's asker, empty if anonymous),
    upvotes (a question's), state, when; never who typed it."""
    yield ["question", "poll", "round", "entry", "text", "name", "upvotes", "state", "at"]
    for number, poll in enumerate(event.polls(), start=1):
        kind = kind_of(poll.kind)
        if kind.takes_text:
            answers = answers_rows(poll)
            next(answers)  # its header
            for round_, text, state, cast_at in answers:
                yield [number, poll.slug, round_, "answer", text, "", "", state, cast_at]
        elif kind.takes_questions:
            questions = questions_rows(poll)
            next(questions)
            for round_, text, name, upvotes, state, _pinned, asked_at in questions:
                yield [number, poll.slug, round_, "question", text, name, upvotes, state, asked_at]
