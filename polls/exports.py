"""CSV exports of a poll, row by row, so a million votes never sit in memory at once,
and the CSV they are written as (tally/exports.py adds the results).

The staff views stream them; `manage.py exportpoll` writes them to standard output.
Votes are exported without their voter keys.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async

from polls.kinds import kind_of
from polls.models import Answer, Poll, Question, Vote, invite_code_shown

CHUNK = 2000


def invites_rows(poll: Poll) -> Iterator[list[Any]]:
    """The poll's invite codes: code, used (ISO 8601 time, or empty)."""
    yield ["code", "used_at"]
    codes = poll.invites.order_by("created_at", "id").values_list("code", "used_at")
    for code, used_at in codes.iterator(chunk_size=CHUNK):
        yield [invite_code_shown(code), used_at.isoformat() if used_at else ""]


def votes_rows(poll: Poll) -> Iterator[list[Any]]:
    """Every counted vote: round, option, cast time (ISO 8601); never who cast it.

    A cast of several options has their slugs joined by ";", in order for a ranking.
    An open poll's votes are its answers (`answers_rows`), a Q&A's its questions
    (`questions_rows`).
    """
    if kind_of(poll.kind).takes_text:
        yield from answers_rows(poll)
        return
    if kind_of(poll.kind).takes_questions:
        yield from questions_rows(poll)
        return
    yield ["round", "option", "cast_at"]
    slugs = dict(poll.options.values_list("pk", "slug"))
    votes = (
        Vote.objects.filter(poll=poll)
        .order_by("round", "cast_at", "pk")
        .values_list("round", "choices", "cast_at")
    )
    for round_, choices, cast_at in votes.iterator(chunk_size=CHUNK):
        yield [round_, ";".join(slugs.get(option, "?") for option in choices), cast_at.isoformat()]


def answers_rows(poll: Poll) -> Iterator[list[Any]]:
    """Every answer of an open poll: round, answer, state (shown, pending, hidden), cast
    time; never who gave it. A voter's answers are together, in their order."""
    yield ["round", "answer", "state", "cast_at"]
    answers = (
        Answer.objects.filter(poll=poll)
        .order_by("round", "stream_order", "voter", "position")
        .values_list("round", "text", "state", "cast_at")
    )
    for round_, text, state, cast_at in answers.iterator(chunk_size=CHUNK):
        yield [round_, text, state, cast_at.isoformat()]


def questions_rows(poll: Poll) -> Iterator[list[Any]]:
    """Every question of a Q&A: round, question, name (empty: anonymous), upvotes, state
    (shown, pending, hidden, answering, answered), pinned, asked time; in the order
    asked."""
    yield ["round", "question", "name", "upvotes", "state", "pinned", "asked_at"]
    questions = (
        Question.objects.filter(poll=poll)
        .order_by("round", "stream_order")
        .values_list("round", "text", "name", "upvotes", "state", "pinned", "asked_at")
    )
    for round_, text, name, upvotes, state, pinned, asked_at in questions.iterator(
        chunk_size=CHUNK
    ):
        yield [round_, text, name, upvotes, state, pinned, asked_at.isoformat()]


class _Line:
    """A file for csv.writer that hands back what is written to it."""

    def write(self, text: str) -> str:
        return text


# What a spreadsheet takes a cell to start a formula with (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet shows it, never runs it: text that would start a formula
    (an option's label such as `=HYPERLINK(…)`, typed by anyone who makes a poll) is
    prefixed with an apostrophe, which spreadsheets take to mean "text"."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The rows as CSV lines, every cell through `csv_cell`: every export comes here."""
    writer = csv.writer(_Line())
    return (writer.writerow([csv_cell(value) for value in row]) for row in rows)


async def csv_stream(rows: Iterable[list[Any]]) -> AsyncIterator[str]:
    """The lines for an ASGI response, read from the database a chunk at a time.

    An ASGI server needs an asynchronous iterator: given a plain one, Django
    would read it whole into memory first.
    """
    lines = csv_lines(rows)

    def chunk() -> str:
        return "".join(itertools.islice(lines, CHUNK))

    while text := await sync_to_async(chunk)():
        yield text
