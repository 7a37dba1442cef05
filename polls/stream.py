"""What an accepted vote leaves in Redis, defined once for the web and the worker.

- The vote stream: one entry per accepted cast, its options or an open poll's answers
  (`entry_fields` writes one, `Cast.parse` reads it back), and per question asked in
  a Q&A or upvote given or taken back (`ask_fields`, `upvote_fields`: `Asked` and
  `Upvoted`). The worker drains it (tally/ingest.py); `entry_parse` reads any entry.
- The choices hash of a poll's round: each voter's latest choices (or answers), so the
  vote page can show them before the worker has counted them.
- The ingest flag: set by the vote that queues an ingest job.
- The voters from each network address, in a poll that caps them.
- A voter's upvotes in a Q&A's round, so that the page shows them at once.

All of it is written by two Lua scripts, a vote's and a Q&A entry's (`VOTE_LUA`,
`ENTRY_LUA`), each one atomic step and one round trip: their keys and arguments are
named tuples here, and the scripts name them alike.

The order of casts is the order of their entries, whose IDs Redis gives: never a web
process's clock, which may differ between replicas. `cast_at` is kept for display.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from polls.receipts import RECEIPT
from voting_site.limits import SLIDING_WINDOW_LUA, Window
from voting_site.metrics import ACCEPTED, COUNTERS
from voting_site.redis import async_redis_script

logger = logging.getLogger(__name__)

# The Redis stream every accepted vote is appended to; the worker drains it.
VOTE_STREAM = "votes"
# The workers' consumer group on it: an entry is pending in it until counted.
INGEST_GROUP = "ingest"
# Set by the vote that queues an ingest job, cleared by the job as it starts:
# one job waiting is enough, however many votes arrive meanwhile. Its expiry
# heals a job that was never queued; the periodic job is the safety net.
INGEST_FLAG = "ingest:queued"
INGEST_FLAG_TTL = 10
# Voters' latest choices per poll, so the vote page can show one before the
# worker has counted it. Refreshed by every vote; PostgreSQL has them after.
CHOICES_TTL = 7 * 24 * 60 * 60


def choices_key(poll_id: int, round_number: int) -> str:
    return f"poll:{poll_id}:{round_number}:choices"


# The voters of a poll's round from one network address, kept for a poll that caps them
# (Poll.voters_per_address); as long-lived as the choices.
def address_voters_key(poll_id: int, round_number: int, address: str) -> str:
    return f"poll:{poll_id}:{round_number}:address:{address}"


# A cast's choices as a stream entry and the choices hash carry them: option
# ids, comma-separated, in order (the order matters for a ranking).
def choices_encode(option_ids: Sequence[int]) -> str:
    return ",".join(str(option_id) for option_id in option_ids)


def choices_decode(text: str) -> tuple[int, ...]:
    return tuple(map(int, text.split(",")))


# A quiz's players (a set of voter keys): the vote script takes a quiz question's vote
# only from one of them. Their join adds them, a removal takes them out, and their page
# adds them again should Redis have lost the set (events/services.py); as long-lived as the
# choices.
def players_key(event_id: int) -> str:
    return f"event:{event_id}:players"


# The questions a voter upvotes in a Q&A's round (a set of ids); as long-lived as the choices.
def upvotes_key(poll_id: int, round_number: int, voter: str) -> str:
    return f"poll:{poll_id}:{round_number}:upvotes:{voter}"


# An open poll's answers as a stream entry and the choices hash carry them: joined by
# the unit separator, which text_cleaned (polls/text.py) leaves in no answer, as it
# leaves no newline (the stream's acknowledgement separates values by newlines).
ANSWER_SEPARATOR = "\x1f"


def answers_encode(answers: Sequence[str]) -> str:
    return ANSWER_SEPARATOR.join(answers)


def answers_decode(text: str) -> tuple[str, ...]:
    return tuple(text.split(ANSWER_SEPARATOR))


# A cast's receipt follows its value in the choices hash after the record separator, which
# no cleaned answer holds either: the page shows it before the worker has counted the cast.
RECEIPT_SEPARATOR = "\x1e"


def cast_value(choices: Sequence[int], answers: Sequence[str], receipt: str = "") -> str:
    """What the choices hash holds of a cast: its answers if it has any, else its options;
    then its receipt, if it has one."""
    value = answers_encode(answers) if answers else choices_encode(choices)
    return f"{value}{RECEIPT_SEPARATOR}{receipt}" if receipt else value


def cast_value_split(value: str) -> tuple[str, str]:
    """A choices hash's value read back: the cast's options or answers, and its receipt
    ("" for none)."""
    cast, _, receipt = value.partition(RECEIPT_SEPARATOR)
    return cast, receipt


def entry_fields(
    *,
    poll_id: int,
    round_number: int,
    choices: Sequence[int],
    voter: str,
    cast_at: datetime,
    answers: Sequence[str] = (),
    receipt: str = "",
) -> dict[str, str]:
    """A stream entry's fields: a cast's options, or an open poll's answers, and its
    receipt if the poll gives them."""
    fields = {"poll": str(poll_id), "round": str(round_number)}
    if answers:
        fields["answers"] = answers_encode(answers)
    else:
        fields["choices"] = choices_encode(choices)
    fields["voter"] = voter
    fields["cast_at"] = cast_at.isoformat()
    if receipt:
        fields["receipt"] = receipt
    return fields


def ask_fields(
    *, poll_id: int, round_number: int, text: str, name: str, voter: str, cast_at: datetime
) -> dict[str, str]:
    """A stream entry's fields for a question asked in a Q&A (`name`: the asker's, or "")."""
    return {
        "poll": str(poll_id), "round": str(round_number), "ask": text, "name": name,
        "voter": voter, "cast_at": cast_at.isoformat(),
    }  # fmt: skip


def upvote_fields(
    *, poll_id: int, round_number: int, question_id: int, up: bool, voter: str, cast_at: datetime
) -> dict[str, str]:
    """A stream entry's fields for an upvote of a question, or its withdrawal."""
    return {
        "poll": str(poll_id), "round": str(round_number), "upvote": str(question_id),
        "up": "1" if up else "0", "voter": voter, "cast_at": cast_at.isoformat(),
    }  # fmt: skip


_CHOICES = re.compile(rb"[0-9]{1,18}(?:,[0-9]{1,18})*")
# What the worker takes of an entry's answers and names: as many, and as long, as a poll
# may take (polls/models.py; this module is read before Django's models are, by
# voting_site/metrics.py in `make up`'s launcher).
_MAX_ANSWERS = 10
_MAX_ANSWER_LENGTH = 280
_MAX_NAME_LENGTH = 40
_MAX_ID = 2**63 - 1
_MAX_ROUND = 2**31 - 1
_MAX_VOTER = 64
# A stream entry ID's sequence part stays below this in any one millisecond (Redis
# numbers each millisecond's entries from 0): the order key is milliseconds * 2**20
# + sequence.
_SEQUENCES_PER_MS = 2**20


class Cast(NamedTuple):
    """One stream entry, read back: one voter's choices (or answers) in one poll's round."""

    entry_id: str  # Redis's "<milliseconds>-<sequence>": the order of casts
    poll_id: int
    round: int
    choices: tuple[int, ...]  # option ids, in the voter's order
    voter: str
    cast_at: datetime  # the web's clock: for display only
    answers: tuple[str, ...] = ()  # an open poll's, in the voter's order (no choices then)
    receipt: str = ""  # polls/receipts.py; "" where the poll gives none

    @property
    def value(self) -> str:
        """The cast as the choices hash holds it."""
        return cast_value(self.choices, self.answers, self.receipt)

    @property
    def stream_order(self) -> int:
        """The entry's place in the stream as one number (Vote.stream_order)."""
        return stream_order(self.entry_id)

    @classmethod
    def parse(cls, entry_id: str, fields: dict[bytes, bytes]) -> Cast | None:
        """The entry's cast; None, and a log line, for an entry no web process wrote."""
        try:
            choices = fields.get(b"choices")
            answers = answers_decode(fields[b"answers"].decode()) if choices is None else ()
            cast = cls(
                entry_id,
                int(fields[b"poll"]),
                int(fields[b"round"]),
                choices_decode(choices.decode()) if choices is not None else (),
                fields[b"voter"].decode(),
                datetime.fromisoformat(fields[b"cast_at"].decode()),
                answers,
                fields.get(b"receipt", b"").decode(),
            )
            if (
                (_CHOICES.fullmatch(choices) if choices is not None else _answers_valid(answers))
                and (not cast.receipt or RECEIPT.fullmatch(cast.receipt))
                and _common_valid(cast)
            ):
                return cast
        except (KeyError, ValueError):
            pass
        logger.error("dropping malformed vote entry %s: %r", entry_id, fields)
        return None


def stream_order(entry_id: str) -> int:
    """A stream entry ID's place in the stream as one number."""
    milliseconds, sequence = entry_id.split("-")
    return int(milliseconds) * _SEQUENCES_PER_MS + int(sequence)


def entry_id_of(order: int) -> str:
    """The stream entry ID, "<milliseconds>-<sequence>", of a place in the stream."""
    return f"{order // _SEQUENCES_PER_MS}-{order % _SEQUENCES_PER_MS}"


def stream_ms(order: int) -> int:
    """The milliseconds of Redis's clock at which the entry of this stream order was added."""
    return order // _SEQUENCES_PER_MS


def _common_valid(entry: Cast | Asked | Upvoted) -> bool:
    """What every entry must be: of a poll, a round and a voter that can be."""
    return (
        0 < entry.poll_id <= _MAX_ID
        and 0 < entry.round <= _MAX_ROUND
        and 0 < len(entry.voter) <= _MAX_VOTER
        and stream_order(entry.entry_id) >= 0
    )


class Asked(NamedTuple):
    """A question asked in a Q&A's round, read back from its stream entry."""

    entry_id: str
    poll_id: int
    round: int
    text: str
    name: str
    voter: str
    cast_at: datetime

    @property
    def stream_order(self) -> int:
        return stream_order(self.entry_id)


class Upvoted(NamedTuple):
    """An upvote of a question (`up`), or its withdrawal, read back from its stream entry."""

    entry_id: str
    poll_id: int
    round: int
    question_id: int
    up: bool
    voter: str
    cast_at: datetime

    @property
    def stream_order(self) -> int:
        return stream_order(self.entry_id)


Entry = Cast | Asked | Upvoted


def entry_parse(entry_id: str, fields: dict[bytes, bytes]) -> Entry | None:
    """Any stream entry, read back: a cast, a question asked or an upvote; None, and a log
    line, for an entry no web process wrote."""
    if b"ask" not in fields and b"upvote" not in fields:
        return Cast.parse(entry_id, fields)
    try:
        common = (int(fields[b"poll"]), int(fields[b"round"]))
        voter, cast_at = (
            fields[b"voter"].decode(),
            datetime.fromisoformat(fields[b"cast_at"].decode()),
        )
        entry: Entry
        if b"ask" in fields:
            text, name = fields[b"ask"].decode(), fields[b"name"].decode()
            entry = Asked(entry_id, *common, text, name, voter, cast_at)
            valid = _answers_valid((text,)) and len(name) <= _MAX_NAME_LENGTH
        else:
            question, up = int(fields[b"upvote"]), fields[b"up"]
            entry = Upvoted(entry_id, *common, question, up == b"1", voter, cast_at)
            valid = 0 < question <= _MAX_ID and up in (b"0", b"1")
        if valid and _common_valid(entry):
            return entry
    except (KeyError, ValueError):
        pass
    logger.error("dropping malformed vote entry %s: %r", entry_id, fields)
    return None


def _answers_valid(answers: tuple[str, ...]) -> bool:
    return 0 < len(answers) <= _MAX_ANSWERS and all(
        0 < len(answer) <= _MAX_ANSWER_LENGTH and "\n" not in answer for answer in answers
    )


# --- The writers --------------------------------------------------------------------

# A key a script is given where there is none to touch (no limit, not a quiz), and the
# limit of a call that counts none.
NO_KEY = "none"
NO_LIMIT = Window(NO_KEY, 0, 0)


class VoteKeys(NamedTuple):
    """The keys of a vote's script, in its KEYS order (the script names them alike); the
    last three are the same for every vote."""

    limit: str  # the voter's limit window, NO_KEY: none
    choices: str  # the round's choices hash
    address_voters: str  # the round's voters from the client's network address
    deadline: str  # a quiz question's deadline in the round (polls/countdown.py)
    state: str  # the poll's state, open or closed (polls/opening.py)
    players: str  # the quiz's players, NO_KEY outside a quiz
    stream: str = VOTE_STREAM
    ingest_flag: str = INGEST_FLAG
    metrics: str = COUNTERS  # the counters' hash (voting_site/metrics.py)


class VoteArgs(NamedTuple):
    """The arguments of a vote's script, in its ARGV order; the entry's fields follow."""

    limit_uses: int  # the limit's uses and seconds (0 0: none)
    limit_seconds: int
    rule: str  # "final" or "changeable"
    voter: str
    cast: str  # the choices hash's value: cast_value
    address_cap: int  # the most voters per network address (0: none)
    kept_for: int = CHOICES_TTL  # the hash's and the sets' expiry, in seconds
    flag_for: int = INGEST_FLAG_TTL  # the ingest flag's
    accepted_field: str = ACCEPTED  # the accepted votes' counter


class EntryKeys(NamedTuple):
    """The keys of a Q&A entry's script, in its KEYS order."""

    limit: str
    upvotes: str  # the voter's upvotes set in the round
    state: str
    address_voters: str
    stream: str = VOTE_STREAM
    ingest_flag: str = INGEST_FLAG
    metrics: str = COUNTERS


class EntryArgs(NamedTuple):
    """The arguments of a Q&A entry's script, in its ARGV order; the entry's fields follow."""

    limit_uses: int
    limit_seconds: int
    action: str  # "ask", "up" or "down"
    question: int  # the question upvoted (0: asking)
    voter: str
    address_cap: int
    kept_for: int = CHOICES_TTL
    flag_for: int = INGEST_FLAG_TTL
    accepted_field: str = ACCEPTED


def _named(keys: type[NamedTuple], args: type[NamedTuple]) -> str:
    """A script's first lines: its keys and arguments as Lua locals, named as the tuples
    name them, and where the entry's fields start in ARGV."""
    return (
        f"local {', '.join(keys._fields)} = unpack(KEYS)\n"
        f"local {', '.join(args._fields)} = unpack(ARGV, 1, {len(args._fields)})\n"
        f"local entry_from = {len(args._fields) + 1}\n"
    )


# A vote: a poll Redis holds closed refuses it first; then a quiz question's deadline, on
# Redis's clock (the stream entry it would add is stamped by the same clock); then a
# quiz question refuses a voter who is not a player; then the voter's use of the limit;
# then the poll's cap on voters from one address; then (unless one refuses) the
# choices, the stream entry, the accepted count and the ingest flag. In a final poll it
# is queued only if the voter has none in this round yet: of two racing casts, the
# first in the stream wins and the other is refused.
# Returns {outcome, wait}: -6 not a player; -5 closed; -4 the time is up; -2 the limit is
# used up (wait: microseconds until it is not); -3 the address has its cap of voters; -1 a
# final vote exists; 1 queued, and an ingest job is wanted; 0 queued.
VOTE_LUA = (
    SLIDING_WINDOW_LUA
    + _named(VoteKeys, VoteArgs)
    + """
if redis.call('GET', state) == 'closed' then return {-5, 0} end
local due = redis.call('GET', deadline)
if due then
  local t = redis.call('TIME')
  if t[1] * 1000 + math.floor(t[2] / 1000) >= tonumber(due) then return {-4, 0} end
end
if players ~= 'none' and redis.call('SISMEMBER', players, voter) == 0 then
  return {-6, 0}
end
if tonumber(limit_uses) > 0 then
  local wait = over_limit(limit, limit_uses, limit_seconds, '1')
  if wait > 0 then return {-2, wait} end
end
local cap = tonumber(address_cap)
local new_here = cap > 0 and redis.call('SISMEMBER', address_voters, voter) == 0
if new_here and redis.call('SCARD', address_voters) >= cap then return {-3, 0} end
if rule == 'final' then
  if redis.call('HSETNX', choices, voter, cast) == 0 then return {-1, 0} end
else
  redis.call('HSET', choices, voter, cast)
end
redis.call('EXPIRE', choices, kept_for)
if new_here then
  redis.call('SADD', address_voters, voter)
  redis.call('EXPIRE', address_voters, kept_for)
end
redis.call('XADD', stream, '*', unpack(ARGV, entry_from))
redis.call('HINCRBY', metrics, accepted_field, 1)
if redis.call('SET', ingest_flag, 1, 'NX', 'EX', flag_for) then return {1, 0} end
return {0, 0}
"""
)

# A Q&A's entry: refused if Redis holds the poll closed; the voter's use of its limit;
# the poll's cap on voters from one address (an asker or upvoter is a voter, as in a
# vote); then (unless one refuses) the voter's upvotes set moved, the stream entry, the
# accepted count and the ingest flag. Returns {outcome, wait} as VOTE_LUA does: -5
# closed; -2 limited; -3 the address has its cap; 1 or 0 queued.
ENTRY_LUA = (
    SLIDING_WINDOW_LUA
    + _named(EntryKeys, EntryArgs)
    + """
if redis.call('GET', state) == 'closed' then return {-5, 0} end
if tonumber(limit_uses) > 0 then
  local wait = over_limit(limit, limit_uses, limit_seconds, '1')
  if wait > 0 then return {-2, wait} end
end
local cap = tonumber(address_cap)
local new_here = cap > 0 and redis.call('SISMEMBER', address_voters, voter) == 0
if new_here and redis.call('SCARD', address_voters) >= cap then return {-3, 0} end
if new_here then
  redis.call('SADD', address_voters, voter)
  redis.call('EXPIRE', address_voters, kept_for)
end
if action == 'up' then
  redis.call('SADD', upvotes, question)
  redis.call('EXPIRE', upvotes, kept_for)
elseif action == 'down' then
  redis.call('SREM', upvotes, question)
end
redis.call('XADD', stream, '*', unpack(ARGV, entry_from))
redis.call('HINCRBY', metrics, accepted_field, 1)
if redis.call('SET', ingest_flag, 1, 'NX', 'EX', flag_for) then return {1, 0} end
return {0, 0}
"""
)


async def vote_write(keys: VoteKeys, args: VoteArgs, entry: dict[str, str]) -> tuple[int, int]:
    """Run a vote's script: its {outcome, wait} (VOTE_LUA says each)."""
    fields = [part for pair in entry.items() for part in pair]
    outcome, wait = await async_redis_script(VOTE_LUA)(keys=list(keys), args=[*args, *fields])
    return int(outcome), int(wait)


async def entry_write(keys: EntryKeys, args: EntryArgs, entry: dict[str, str]) -> tuple[int, int]:
    """Run a Q&A entry's script: its {outcome, wait} (ENTRY_LUA says each)."""
    fields = [part for pair in entry.items() for part in pair]
    outcome, wait = await async_redis_script(ENTRY_LUA)(keys=list(keys), args=[*args, *fields])
    return int(outcome), int(wait)
