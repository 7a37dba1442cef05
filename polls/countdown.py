"""A quiz question's clock, kept on Redis's, and the points a right answer earns by it.

When the presenter shows a quiz question, its deadline is set in Redis from Redis's own
clock (`TIME`), and the vote script refuses any cast once that clock has reached it
(polls/services.py): neither a phone's clock nor a web process's can stretch it. The
`Countdown` row records the opening and the deadline, in the same milliseconds as the
stream's entry IDs, so the worker (and `recount`) can score each cast by when Redis took
it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from polls.models import Countdown, Option, Poll
from polls.stream import CHOICES_TTL, stream_ms
from voting_site.redis import redis_client, redis_script

# A right answer's points: all of them at once, half at the deadline (with speed on).
MOST_POINTS, LEAST_POINTS = 1000, 500


def deadline_key(poll_id: int, round_number: int) -> str:
    """The deadline of a poll's round, in Redis's milliseconds; absent: no deadline."""
    return f"poll:{poll_id}:{round_number}:deadline"


# Redis's clock in milliseconds, as a stream entry's ID counts them.
REDIS_NOW_MS = "local t = redis.call('TIME')\nlocal now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# ARGV: the time limit in seconds (0: untimed), the key's expiry. Returns Redis's now.
_START = (
    REDIS_NOW_MS
    + """
if tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[1], now + tonumber(ARGV[1]) * 1000, 'EX', ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
return now
"""
)

# ARGV: "end", "untimed", or milliseconds to add. Returns the deadline: -1 for none
# (untimed), -2 when the time was up already (nothing changed).
_CHANGE = (
    REDIS_NOW_MS
    + """
local deadline = tonumber(redis.call('GET', KEYS[1]) or '-1')
if deadline >= 0 and deadline <= now then return -2 end
if ARGV[1] == 'untimed' then
  redis.call('DEL', KEYS[1])
  return -1
end
if ARGV[1] == 'end' then
  deadline = now
elseif deadline < 0 then
  return -1
else
  deadline = deadline + tonumber(ARGV[1])
end
redis.call('SET', KEYS[1], deadline, 'EX', ARGV[2])
return deadline
"""
)


class CountdownError(ValueError):
    """A clock that cannot change as asked; the message says why."""


def redis_now_ms() -> int:
    """Redis's clock, in milliseconds: the one every deadline is kept on."""
    seconds, microseconds = redis_client().time()
    return int(seconds) * 1000 + int(microseconds) // 1000


def countdown_of(poll: Poll) -> Countdown | None:
    """The clock of the poll's current round, if it has run."""
    return Countdown.objects.filter(poll=poll, round=poll.round).first()


def countdown_start(*, poll: Poll, speed: bool) -> Countdown:
    """Open the poll's current round's clock now, for the poll's time limit; a round's
    clock starts once (showing the question again changes nothing)."""
    found = countdown_of(poll)
    if found is not None:
        return found
    now = redis_script(_START)(
        keys=[deadline_key(poll.pk, poll.round)], args=[poll.seconds, CHOICES_TTL]
    )
    countdown, _created = Countdown.objects.get_or_create(
        poll=poll,
        round=poll.round,
        defaults={
            "opened_ms": now,
            "deadline_ms": now + poll.seconds * 1000 if poll.seconds else None,
            "seconds": poll.seconds,
            "speed": speed,
        },
    )
    return countdown


def countdown_change(*, poll: Poll, change: str | int) -> Countdown:
    """End the clock now (`"end"`), stop it (`"untimed"`), or add seconds (an int).
    CountdownError when the poll's round has no clock, or its time is up already."""
    countdown = countdown_of(poll)
    if countdown is None:
        raise CountdownError(_("This question has no clock: it is not a quiz's, or not shown."))
    argument = change if isinstance(change, str) else int(change) * 1000
    deadline = redis_script(_CHANGE)(
        keys=[deadline_key(poll.pk, poll.round)], args=[argument, CHOICES_TTL]
    )
    if deadline == -2:
        raise CountdownError(_("The time for this question is up already."))
    if deadline == -1 and change != "untimed":
        raise CountdownError(_("This question is untimed: end it instead."))
    countdown.deadline_ms = None if deadline == -1 else deadline
    countdown.save(update_fields=["deadline_ms"])
    return countdown


def remaining_ms(countdown: Countdown | None) -> int | None:
    """Milliseconds left on the clock by Redis's time (0: up); None when untimed."""
    if countdown is None or countdown.deadline_ms is None:
        return None
    return max(countdown.deadline_ms - redis_now_ms(), 0)


@dataclass(frozen=True)
class Scoring:
    """How a quiz question's round scores a cast: its right options, when its clock opened
    and the time limit the points fall over (0: none), and whether speed counts."""

    correct: frozenset[int]
    opened_ms: int
    seconds: int
    speed: bool

    def points(self, choices: tuple[int, ...] | list[int], stream_order: int) -> int:
        """A cast's points: none unless exactly the right options are chosen; then 1,000
        falling to 500 over the time limit, from the opening to the cast's entry."""
        if not self.correct or frozenset(choices) != self.correct:
            return 0
        if not self.speed or not self.seconds:
            return MOST_POINTS
        limit = self.seconds * 1000
        taken = min(max(stream_ms(stream_order) - self.opened_ms, 0), limit)
        return round(MOST_POINTS - (MOST_POINTS - LEAST_POINTS) * taken / limit)


def scorings(poll_ids: set[int]) -> dict[tuple[int, int], Scoring]:
    """The scoring of each timed round of these polls, by (poll, round)."""
    countdowns = Countdown.objects.filter(poll__in=poll_ids).values_list(
        "poll_id", "round", "opened_ms", "seconds", "speed"
    )
    if not countdowns:
        return {}
    correct: dict[int, set[int]] = {}
    for poll_id, option_id in Option.objects.filter(poll__in=poll_ids, correct=True).values_list(
        "poll_id", "id"
    ):
        correct.setdefault(poll_id, set()).add(option_id)
    return {
        (poll_id, round_): Scoring(frozenset(correct.get(poll_id, ())), opened, seconds, speed)
        for poll_id, round_, opened, seconds, speed in countdowns
    }
