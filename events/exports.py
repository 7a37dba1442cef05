"""An event's results as CSV rows: every question's, per round, in the event's order;
everything its audience typed (open answers, Q&A questions); a quiz's players and how
many got each question right."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F

from events.models import Event
from events.selectors import standings
from polls.exports import answers_rows, questions_rows
from polls.kinds import kind_of
from polls.models import Vote
from tally.exports import results_rows


def event_results_rows(event: Event) -> Iterator[list[Any]]:
    """question (its number), poll, then each of its rounds' results, as results.csv has them."""
    yield ["question", "poll", "round", "option", "label", "votes", "percent", "fingerprint"]
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


def quiz_players_rows(event: Event) -> Iterator[list[Any]]:
    """A quiz's players, best first: place, nickname, each question's points (empty for
    a question not scored), total."""
    polls = event.polls()
    scored = {poll.pk for poll in polls if event.scores(poll)}
    yield ["place", "nickname", *[f"q{n}" for n in range(1, len(polls) + 1)], "total"]
    rows = standings(event)
    points: dict[tuple[str, int], int] = {
        (voter, poll): value
        for voter, poll, value in Vote.objects.filter(
            poll__in=polls, round=F("poll__round")
        ).values_list("voter", "poll_id", "points")
    }
    for row in rows:
        each = [points.get((row.voter, poll.pk), 0) if poll.pk in scored else "" for poll in polls]
        yield [row.place, row.nickname, *each, row.points]


def quiz_questions_rows(event: Event) -> Iterator[list[Any]]:
    """Each question of a quiz (current round): how many answered, how many were right,
    and the share right of those who answered, in percent (the last two empty for a
    question not scored)."""
    yield ["question", "poll", "answered", "right", "percent_right"]
    for number, poll in enumerate(event.polls(), start=1):
        votes = Vote.objects.filter(poll=poll, round=poll.round)
        answered = votes.count()
        if not event.scores(poll):
            yield [number, poll.slug, answered, "", ""]
            continue
        right = votes.filter(points__gt=0).count()
        share = round(100 * right / answered, 1) if answered else ""
        yield [number, poll.slug, answered, right, share]
