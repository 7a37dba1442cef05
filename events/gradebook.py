"""An event's gradebook, for the owner and hosts of an event whose participants are named
or signed in: one row a participant, and for each question their answer, whether it
is right (where the question has a right answer) and its points (a quiz's scored
questions), then their total. As CSV, or as a spreadsheet with a sheet per question's
results (polls/spreadsheets.py neutralises formulas and keeps each cell's type).

An LMS takes it through its CSV grade import (the guide's "Who answered what").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from events.models import Event
from polls.kinds import kind_of
from polls.models import Answer, Poll, Vote
from tally.exports import results_rows


@dataclass(frozen=True)
class Column:
    """A question of the gradebook: its poll, its options' labels, its right options
    (empty: no right answer), and whether its answers earn points."""

    poll: Poll
    labels: dict[int, str]
    correct: frozenset[int]
    scored: bool


def _columns(event: Event) -> list[Column]:
    columns = []
    for poll in event.polls():
        kind = kind_of(poll.kind)
        if not kind.has_log:  # a slide or a Q&A: nothing to grade
            continue
        options = list(poll.options.all())
        columns.append(
            Column(
                poll=poll,
                labels={option.pk: option.label for option in options},
                correct=frozenset(option.pk for option in options if option.correct),
                scored=event.scores(poll),
            )
        )
    return columns


def gradebook_rows(event: Event, columns: list[Column] | None = None) -> Iterator[list[Any]]:
    """name, email, joined, then per question qN (its answer), qN_right, qN_points, then
    total (the points, in a quiz; else how many right)."""
    columns = _columns(event) if columns is None else columns
    header: list[Any] = ["name", "email", "joined"]
    for number, _column in enumerate(columns, 1):
        header += [f"q{number}", f"q{number}_right", f"q{number}_points"]
    yield [*header, "total"]
    casts = [_casts(column.poll) for column in columns]
    texts = [_texts(column.poll) for column in columns]
    players = sorted(event.players.all(), key=lambda p: (p.nickname.casefold(), p.pk))
    for player in players:
        row: list[Any] = [player.nickname, player.email, player.joined_at]
        points_total = right_total = 0
        for column, cast, typed in zip(columns, casts, texts, strict=True):
            choices, points = cast.get(player.voter, (None, 0))
            answer = typed.get(player.voter, [])
            if choices is not None and not answer:
                answer = [column.labels.get(option, "") for option in choices]
            right: bool | str = ""
            if column.correct and choices is not None:
                right = frozenset(choices) == column.correct
                right_total += right
            points_total += points
            row += ["; ".join(answer), right, points if column.scored else ""]
        row.append(points_total if event.is_quiz else right_total)
        yield row


def _casts(poll: Poll) -> dict[str, tuple[list[int], int]]:
    """Per voter, their counted cast in the poll's current round: options and points."""
    votes = Vote.objects.filter(poll=poll, round=poll.round)
    return {voter: (choices, points) for voter, choices, points in
            votes.values_list("voter", "choices", "points")}  # fmt: skip


def _texts(poll: Poll) -> dict[str, list[str]]:
    """Per voter, their open answers in the poll's current round, hidden ones included:
    the presenter sees what each typed."""
    typed: dict[str, list[str]] = {}
    answers = Answer.objects.filter(poll=poll, round=poll.round).order_by("voter", "position")
    for voter, text in answers.values_list("voter", "text"):
        typed.setdefault(voter, []).append(text)
    return typed


def gradebook_sheets(event: Event) -> list[tuple[str, Iterator[list[Any]]]]:
    """The spreadsheet's sheets: the gradebook, then each question's results."""
    columns = _columns(event)
    sheets = [("gradebook", gradebook_rows(event, columns))]
    for number, column in enumerate(columns, 1):
        sheets.append((f"q{number}", results_rows(column.poll)))
    return sheets
