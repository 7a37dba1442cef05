"""Abuse limits: how often one client may do a thing, counted in Redis, so that every
web process counts together.

A limit is (uses, per seconds), from the settings (VOTING_RATE_*). Counting is
by fixed windows of that many seconds: a key per subject per window, gone after
it. With Redis unreachable a limit lets everything through: what it guards
needs Redis too, and says so.

`retry_after` counts a use on its own; the vote counts its use in the same Redis
call that queues it (polls/services.py), through `window`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from redis import RedisError

from voting_site.redis import async_redis_client

logger = logging.getLogger(__name__)

Rate = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """The current window of a limit for one subject: its key, and the wait after it."""

    key: str
    uses: int
    seconds: int
    retry_after: int  # seconds until the next window, should this one be used up


class Limited(Exception):
    """A limit was reached: nothing was done; it may be tried again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def window(name: str, subject: str, rate: Rate | None) -> Window | None:
    """The window of `name` that a use by `subject` now counts in; None with no limit."""
    if rate is None:
        return None
    uses, seconds = rate
    now = time.time()
    number = int(now // seconds)
    wait = max(1, math.ceil((number + 1) * seconds - now))
    return Window(f"limit:{name}:{subject}:{number}", uses, seconds, wait)


async def retry_after(name: str, subject: str, rate: Rate | None) -> int:
    """Count one use of `name` by `subject`: 0 if within `rate`, else the seconds until
    the next window, when it may try again."""
    current = window(name, subject, rate)
    if current is None:
        return 0
    try:
        async with async_redis_client().pipeline(transaction=False) as pipe:
            pipe.incr(current.key)
            pipe.expire(current.key, current.seconds + 1)
            used, _ = await pipe.execute()
    except RedisError:
        logger.warning("limit %s not counted: Redis is unreachable", name)
        return 0
    return 0 if used <= current.uses else current.retry_after
