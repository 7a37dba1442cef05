"""A quiz: an event whose questions are timed and scored (`Event.mode` quiz).

- The clock: showing a question starts its countdown on Redis's clock
  (polls/countdown.py) and queues the job that finishes it at the deadline
  (events/jobs.py): the votes drained, the question closed, each player told their
  score. The presenter may end it early, add time, or stop the clock.
- Players: a nickname per browser (its voter key), unique in the event.
- Standings: a player's points are the sum of their votes' points in the event's
  questions (current rounds), so they carry the votes' guarantees; places are shared
  by equal points (1, 2, 2, 4).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import django_rq
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from redis import RedisError

from events.models import NICKNAME_MAX_LENGTH, Event, Player
from events.nicknames import nickname_invisible, nickname_skeleton
from polls.countdown import (
    CountdownError,
    countdown_change,
    countdown_of,
    countdown_start,
    remaining_ms,
)
from polls.models import Poll, Vote
from polls.profanity import profanity_masked
from polls.queue import CHOICES_TTL, players_key
from polls.text import text_cleaned
from voting_site.redis import redis_client

logger = logging.getLogger(__name__)

# The most seconds one change adds.
MOST_SECONDS_ADDED = 240
# How many of the best the leaderboard shows on the projector (and the API by default).
LEADERBOARD_SIZE = 10
# How many players the projector's lobby lists (the first to join; a count says the rest).
PLAYERS_SHOWN = 60
# A question's finish is queued this long before its deadline (the RQ scheduler keeps
# whole seconds and looks every second), and waits out the rest itself, on Redis's clock;
# queued no earlier than the most it waits.
FINISH_QUEUED_AHEAD_MS = 1500
FINISH_WAITS_AT_MOST_MS = 2000


class PlayerError(ValueError):
    """A nickname that cannot be taken; the message says why."""


# --- Players ------------------------------------------------------------------------


def player_of(event: Event, voter: str | None) -> Player | None:
    """The browser's player in the event (a removed one included), if it has joined."""
    if voter is None:
        return None
    return Player.objects.filter(event=event, voter=voter).first()


def player_join(*, event: Event, voter: str, nickname: str) -> Player:
    """Join the quiz as `nickname`, or change the browser's nickname (a player the
    presenter removed joins again this way). PlayerError for a nickname that is empty,
    too long, not for a room, or taken."""
    nickname = text_cleaned(nickname)
    if not nickname:
        raise PlayerError(_("Choose a nickname."))
    if len(nickname) > NICKNAME_MAX_LENGTH:
        raise PlayerError(
            _("A nickname has at most %(n)d characters.") % {"n": NICKNAME_MAX_LENGTH}
        )
    if nickname_invisible(nickname):
        raise PlayerError(_("Choose a nickname that shows: that one hides characters."))
    if profanity_masked(nickname) != nickname:
        raise PlayerError(_("Choose another nickname: that one is not for a room."))
    key = nickname_skeleton(nickname)
    taken = _("%(nickname)s is taken: choose another nickname.") % {"nickname": nickname}
    others = Player.objects.filter(event=event, nickname_key=key).exclude(voter=voter)
    if others.exists():
        raise PlayerError(taken)
    try:
        with transaction.atomic():
            player, _created = Player.objects.update_or_create(
                event=event,
                voter=voter,
                defaults={"nickname": nickname, "nickname_key": key, "removed": False},
            )
    except IntegrityError:  # taken by another browser meanwhile
        raise PlayerError(taken) from None
    player_playing(event_id=event.pk, voter=voter)
    return player


def player_playing(*, event_id: int, voter: str) -> None:
    """Tell the vote script that this browser plays (polls/queue.py's players key): its
    answers to the quiz's questions are taken from now on."""
    key = players_key(event_id)
    with redis_client().pipeline() as pipe:
        pipe.sadd(key, voter)
        pipe.expire(key, CHOICES_TTL)
        pipe.execute()


def player_remove(*, event: Event, player_id: int) -> bool:
    """Take a player off the leaderboard: their phone asks for a new nickname, and no
    answer of theirs is taken until they have one. False when there is no such player."""
    return players_remove(event=event, players=Player.objects.filter(pk=player_id)) > 0


def players_remove(
    *,
    event: Event,
    players: QuerySet[Player] | None = None,
    joined_within: int | None = None,
    without_answers: bool = False,
) -> int:
    """Take players off the leaderboard at once: `players`, or those who joined in the last
    `joined_within` seconds, or those with no answer in the quiz (`without_answers`); how
    many were removed."""
    chosen = Player.objects.filter(event=event, removed=False)
    if players is not None:
        chosen = chosen.filter(pk__in=players.values("pk"))
    if joined_within is not None:
        chosen = chosen.filter(joined_at__gte=timezone.now() - timedelta(seconds=joined_within))
    if without_answers:
        answered = Vote.objects.filter(poll__event_question__event=event, voter=OuterRef("voter"))
        chosen = chosen.exclude(Exists(answered))
    voters = list(chosen.values_list("voter", flat=True))
    if voters:
        redis_client().srem(players_key(event.pk), *voters)
    return Player.objects.filter(event=event, voter__in=voters).update(removed=True)


def players_now(event_id: int) -> dict[str, Any]:
    """The lobby's players, as the presenter's socket sends them: how many, and the first
    to join with their ids (the projector's buttons remove one)."""
    players = Player.objects.filter(event_id=event_id, removed=False)
    return {
        "type": "players",
        "count": players.count(),
        "players": [
            {"id": pk, "nickname": nickname}
            for pk, nickname in players.values_list("pk", "nickname")[:PLAYERS_SHOWN]
        ],
    }


# --- Standings ----------------------------------------------------------------------


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


# --- The clock ----------------------------------------------------------------------


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


def clock_start(*, event: Event, poll: Poll) -> None:
    """Start the shown question's clock (once per round), and queue its finish."""
    countdown = countdown_start(poll=poll, speed=event.speed)
    left = remaining_ms(countdown)
    if left is not None:
        transaction.on_commit(
            lambda: finish_queue(poll_id=poll.pk, round_number=poll.round, at_ms=left)
        )


def clock_change(*, event: Event, poll: Poll, change: str | int) -> None:
    """The presenter's change to the shown question's clock: `end` it now, stop it
    (`untimed`), or add seconds. CountdownError when it cannot be."""
    if isinstance(change, str) and change not in ("end", "untimed"):
        raise CountdownError(_("Change the clock with end, untimed, or seconds to add."))
    if isinstance(change, int) and not 1 <= change <= MOST_SECONDS_ADDED:
        raise CountdownError(
            _("Add from 1 to %(n)d seconds at a time.") % {"n": MOST_SECONDS_ADDED}
        )
    if not poll.is_open:
        raise CountdownError(_("The time for this question is up already."))
    countdown_change(poll=poll, change=change)
    if change == "end":
        transaction.on_commit(lambda: finish_queue(poll_id=poll.pk, round_number=poll.round))


def finish_queue(*, poll_id: int, round_number: int, at_ms: int | None = None) -> None:
    """Queue the job that finishes the question's round: now, or shortly before `at_ms`
    milliseconds from now (the job waits out the rest on Redis's clock)."""
    from events import jobs  # the jobs call this module's services

    try:
        queue = django_rq.get_queue("default")
        if at_ms is None or at_ms <= FINISH_WAITS_AT_MOST_MS:
            queue.enqueue(jobs.question_finish, poll_id, round_number)
        else:
            due = timezone.now() + timedelta(milliseconds=at_ms - FINISH_QUEUED_AHEAD_MS)
            queue.enqueue_at(due, jobs.question_finish, poll_id, round_number)
    except RedisError as error:
        logger.warning("question %s's finish was not queued: %s", poll_id, error)
