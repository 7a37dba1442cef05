"""Reads: events by code, where an event stands (the message that tells its pages), and a
quiz's players, standings and clock.

Standings: a player's points are the sum of their votes' points in the event's scored
questions (current rounds), so they carry the votes' guarantees; places are shared by
equal points (1, 2, 2, 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Sum
from redis import RedisError

from events.models import Event, Player
from polls.countdown import countdown_of, remaining_ms
from polls.models import Poll, Vote, join_code_clean
from tally.publish import poll_message

# How many of the best the leaderboard shows on the projector (and the API by default).
LEADERBOARD_SIZE = 10
# How many players the projector's lobby lists (the first to join; a count says the rest).
PLAYERS_SHOWN = 60


def event_by_code(code: str) -> Event | None:
    """The event with this join code, typed in any case, with spaces or dashes."""
    return Event.objects.filter(code=join_code_clean(code)).first()


def event_state(event: Event, polls: list[Poll] | None = None) -> dict[str, Any]:
    """Where the event stands, as its pages are told: `stage` (lobby, question, ended), the
    `position` of the question shown (from 1), how many there are, that question's slug
    and its `state` (open, scheduled, closed): all a page needs to show it. A quiz's also
    say so (`quiz`) and give the shown question's `clock` (below). Reads
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


# --- A quiz's players and standings ----------------------------------------------------


def player_of(event: Event, voter: str | None) -> Player | None:
    """The browser's player in the event (a removed one included), if it has joined."""
    if voter is None:
        return None
    return Player.objects.filter(event=event, voter=voter).first()


def players_now(event_id: int) -> dict[str, Any]:
    """The lobby's players, as the presenter's socket sends them: how many, and the first
    to join with their ids (the projector's buttons remove one). People named or signed
    in are counted only: the projector is the room's, and their names are not."""
    players = Player.objects.filter(event_id=event_id, removed=False)
    shown = Event.objects.filter(pk=event_id, participation=Event.Participation.ANONYMOUS)
    return {
        "type": "players",
        "count": players.count(),
        "players": [
            {"id": pk, "nickname": nickname}
            for pk, nickname in players.values_list("pk", "nickname")[:PLAYERS_SHOWN]
        ]
        if shown.exists()
        else [],
    }


@dataclass(frozen=True)
class Standing:
    """A player's place: their points over the event's questions, and what the last
    question finished (`last`) brought them."""

    player_id: int
    voter: str
    nickname: str
    points: int
    place: int
    gained: int  # the last question's points
    answered: bool  # whether they answered the last question
    place_before: int  # their place before the last question

    def public(self) -> dict[str, Any]:
        return {"nickname": self.nickname, "points": self.points, "place": self.place}


def standings(event: Event, last: Poll | None = None) -> list[Standing]:
    """Every player not removed, best first (equal points: the first to join first), with
    the points of the questions whose time is up."""
    players = list(
        Player.objects.filter(event=event, removed=False).values_list("pk", "voter", "nickname")
    )
    if not players:
        return []
    # Only questions whose time is up count: a total that moved during a question would
    # tell its player whether the answer was right.
    totals = dict(
        Vote.objects.filter(
            poll__event_question__event=event,
            poll__is_open=False,
            round=F("poll__round"),
            points__gt=0,
        )
        .values("voter")
        .annotate(total=Sum("points"))
        .values_list("voter", "total")
    )
    last_votes: dict[str, int] = {}
    if last is not None and not last.is_open:
        last_votes = dict(
            Vote.objects.filter(poll=last, round=last.round).values_list("voter", "points")
        )
    points = {voter: totals.get(voter, 0) for _pk, voter, _nickname in players}
    now = _places([points[voter] for _pk, voter, _nickname in players])
    before = _places([points[voter] - last_votes.get(voter, 0) for _pk, voter, _n in players])
    rows = [
        Standing(
            player_id=pk,
            voter=voter,
            nickname=nickname,
            points=points[voter],
            place=now[index],
            gained=last_votes.get(voter, 0),
            answered=voter in last_votes,
            place_before=before[index],
        )
        for index, (pk, voter, nickname) in enumerate(players)
    ]
    return sorted(rows, key=lambda row: row.place)  # stable: equal places keep joining order


def _places(points: list[int]) -> list[int]:
    """Each score's place, shared by equal scores: 1 + how many scored more."""
    order = sorted(points, reverse=True)
    first: dict[int, int] = {}
    for index, score in enumerate(order, start=1):
        first.setdefault(score, index)
    return [first[score] for score in points]


def last_finished(event: Event) -> Poll | None:
    """The question whose results the room saw last: the shown one once its time is up
    (or the last shown, on the leaderboard and at the end)."""
    polls = event.polls()
    if not polls:
        return None
    position = event.position or (len(polls) if event.ended else None)
    if position is None:
        return None
    poll = polls[position - 1]
    return poll if countdown_of(poll) is not None else None


def right_answer(poll: Poll | None) -> str:
    """The question's right options, as a phone shows them after a wrong answer."""
    if poll is None:
        return ""
    return ", ".join(poll.options.filter(correct=True).values_list("label", flat=True))


def personal(row: Standing, of: int, question: int | None, answer: str = "") -> dict[str, Any]:
    """A phone's own result: its standing and the last question's outcome, with its right
    answer (`answer`)."""
    return {
        "type": "score",
        "nickname": row.nickname,
        "points": row.points,
        "place": row.place,
        "of": of,
        "question": question,
        "answered": row.answered,
        "right": row.gained > 0,
        "gained": row.gained,
        "answer": answer,
    }


def clock_state(event: Event, poll: Poll | None) -> dict[str, Any] | None:
    """The shown question's clock, for the pages: `remaining_ms` on Redis's clock (None:
    untimed) and `seconds_left`, the time limit, and whether it is running; None but for
    a quiz's scored question."""
    if poll is None or not event.scores(poll):
        return None
    countdown = countdown_of(poll)
    if countdown is None:
        return {"remaining_ms": None, "seconds_left": None, "seconds": poll.seconds,
                "running": False}  # fmt: skip
    try:
        left = remaining_ms(countdown)
    except RedisError:
        left = None
    return {
        "remaining_ms": left,
        "seconds_left": None if left is None else -(-left // 1000),  # as the pages show them
        "seconds": countdown.seconds,
        "running": poll.is_open and (left is None or left > 0),
    }
