"""Abuse limits: how often one client may do a thing, counted in Redis, so that every
web process counts together.

A limit is (uses, per seconds), from the settings (VOTING_RATE_*). Counting is
by fixed windows of that many seconds: a key per subject per window, gone after
it. With Redis unreachable a limit lets everything through: what it guards
needs Redis too, and says so.
"""

from __future__ import annotations

import logging
import math
import time

from redis import RedisError

from voting_site.redis import async_redis_client

logger = logging.getLogger(__name__)

Rate = tuple[int, int]


async def retry_after(name: str, subject: str, rate: Rate | None) -> int:
    """Count one use of `name` by `subject`: 0 if within `rate`, else the seconds until
    the next window, when it may try again."""
    if rate is None:
        return 0
    uses, seconds = rate
    now = time.time()
    window = int(now // seconds)
    key = f"limit:{name}:{subject}:{window}"
    try:
        async with async_redis_client().pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, seconds + 1)
            used, _ = await pipe.execute()
    except RedisError:
        logger.warning("limit %s not counted: Redis is unreachable", name)
        return 0
    if used <= uses:
        return 0
    return max(1, math.ceil((window + 1) * seconds - now))
