"""Whether a poll takes votes, as Redis holds it: "closed" means the same on every web
process at once.

A web process keeps a copy of each poll for up to VOTING_BALLOT_CACHE_SECONDS, so its
own view of a close can be that old. Saving a poll therefore writes its state to Redis
in the same step (polls/signals.py, inside the save's transaction), and the vote
scripts (polls/services.py) refuse a vote, a question or an upvote to a poll that Redis
holds closed, in the order Redis runs them: a vote Redis took before the close counts,
one after it is refused with 409.

Closing returns Redis's clock, kept as `Poll.closed_ms`: the worker counts no cast
whose stream entry Redis added in a later millisecond (tally/ingest.py), should the key
ever be lost. With no key (a poll not saved since this was deployed), the web's copy
decides, as before.
"""

from __future__ import annotations

from polls.countdown import REDIS_NOW_MS
from voting_site.redis import redis_client, redis_script

CLOSED = "closed"


def state_key(poll_id: int) -> str:
    """The poll's state in Redis: "open" or "closed"; absent: the web's copy decides."""
    return f"poll:{poll_id}:state"


# KEYS: the state. ARGV: "open" or "closed". Returns Redis's now when this closes a poll
# Redis did not hold closed, else -1.
_WRITE = (
    REDIS_NOW_MS
    + """
local was = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[1] == 'closed' and was ~= 'closed' then return now end
return -1
"""
)


def state_write(*, poll_id: int, is_open: bool) -> int | None:
    """Write the poll's state to Redis; Redis's clock (ms) when this closed it, else None.
    Raises RedisError, for the caller's transaction to roll the save back."""
    closed_at = redis_script(_WRITE)(
        keys=[state_key(poll_id)], args=["open" if is_open else CLOSED]
    )
    return int(closed_at) if closed_at >= 0 else None


def state_forget(*, poll_id: int) -> None:
    """A deleted poll's state: gone with it."""
    redis_client().delete(state_key(poll_id))
