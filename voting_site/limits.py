"""Abuse limits: how often one client may do a thing, counted in Redis, so that every
web process counts together.

A limit is (uses, per seconds), from the settings (VOTING_RATE_*). Counting is by
a sliding window: each use is kept, with Redis's time, for that many seconds (a
sorted set per subject), and a use is refused while the window holds `uses` of
them. No span of that length ever holds more than `uses`: fixed windows (a
count per minute of the clock) let nearly twice the limit through across a
window's edge. With Redis unreachable a limit lets everything through: what it
guards needs Redis too, and says so.

`retry_after` counts a use on its own; the vote counts its use in the same Redis
call that queues it (polls/stream.py's scripts), with SLIDING_WINDOW_LUA.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from redis import RedisError

from voting_site.redis import async_redis_script

logger = logging.getLogger(__name__)

Rate = tuple[int, int]

# A Lua function for scripts: `over_limit(key, uses, seconds, count)` is 0 when the
# window at `key` holds fewer than `uses` uses of the last `seconds` (and, with
# `count` "1", counts this one), else the microseconds until its oldest use leaves
# it. Times are Redis's, the same for every web process; a use's member is its time
# and the count before it, so two in one microsecond are two.
SLIDING_WINDOW_LUA = """
local function over_limit(key, uses, seconds, count)
  local now = redis.call('TIME')
  local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
  local window_us = tonumber(seconds) * 1000000
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us - window_us)
  local used = redis.call('ZCARD', key)
  if used >= tonumber(uses) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return tonumber(oldest[2]) + window_us - now_us
  end
  if count == '1' then
    redis.call('ZADD', key, now_us, now[1] .. now[2] .. '-' .. used)
    redis.call('EXPIRE', key, tonumber(seconds) + 1)
  end
  return 0
end
"""
_LIMIT = SLIDING_WINDOW_LUA + "return over_limit(KEYS[1], ARGV[1], ARGV[2], ARGV[3])\n"


@dataclass(frozen=True)
class Window:
    """A limit's sliding window for one subject: its key, and the uses it may hold."""

    key: str
    uses: int
    seconds: int


class Limited(Exception):
    """A limit was reached: nothing was done; it may be tried again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def window(name: str, subject: str, rate: Rate | None) -> Window | None:
    """The window of `name` that `subject`'s uses count in; None with no limit."""
    if rate is None:
        return None
    uses, seconds = rate
    return Window(f"limit:{name}:{subject}", uses, seconds)


def seconds_to_wait(microseconds: int) -> int:
    """A wait as Retry-After says it: whole seconds, at least one."""
    return max(1, math.ceil(microseconds / 1_000_000))


async def retry_after(name: str, subject: str, rate: Rate | None, *, count: bool = True) -> int:
    """Count one use of `name` by `subject`: 0 if within `rate`, else the seconds until
    it may try again. With `count` False, only whether a use would be within it."""
    current = window(name, subject, rate)
    if current is None:
        return 0
    try:
        wait = await async_redis_script(_LIMIT)(
            keys=[current.key], args=[current.uses, current.seconds, "1" if count else "0"]
        )
    except RedisError:
        logger.warning("limit %s not counted: Redis is unreachable", name)
        return 0
    return seconds_to_wait(wait) if wait else 0
