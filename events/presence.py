"""How many phones follow each event, over every web process.

Each web process counts the distinct browsers (voter cookies) whose pages follow each
event on it, and says so in Redis once a second (a hash per event: a field per process,
its count and when it said it); the projector reads the sum. A browser with two tabs
open is one phone, and a socket without a voter cookie (no page of the event's sets
none) is none. A process that stops saying is left out within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import Counter

from redis import RedisError

from voting_site.metrics import process_name
from voting_site.redis import async_redis_client

REPORT_EVERY = 1.0
FORGOTTEN_AFTER = 5.0  # seconds: a process that said nothing for this long counts none


def pages_key(event_id: int) -> str:
    return f"event:{event_id}:pages"


class Presence:
    """This process's audience browsers per event (each with its sockets' count), said in
    Redis every second."""

    def __init__(self) -> None:
        self.browsers: dict[int, Counter[str]] = {}
        self.reporting: asyncio.Task[None] | None = None

    def join(self, event_id: int, voter: str) -> None:
        self.browsers.setdefault(event_id, Counter())[voter] += 1
        if self.reporting is None:
            self.reporting = asyncio.get_running_loop().create_task(self._report())

    def leave(self, event_id: int, voter: str) -> None:
        sockets = self.browsers.get(event_id)
        if sockets is None:
            return
        sockets[voter] -= 1
        if sockets[voter] <= 0:
            del sockets[voter]

    async def _report(self) -> None:
        said: set[int] = set()
        while True:
            now = time.time()
            with contextlib.suppress(RedisError):  # Redis down: the count is stale for a while
                async with async_redis_client().pipeline(transaction=False) as pipe:
                    for event_id, sockets in list(self.browsers.items()):
                        if sockets:
                            count = len(sockets)
                            pipe.hset(pages_key(event_id), process_name(), f"{count} {now}")
                            pipe.expire(pages_key(event_id), int(FORGOTTEN_AFTER * 2))
                            said.add(event_id)
                        else:
                            del self.browsers[event_id]
                            if event_id in said:
                                pipe.hdel(pages_key(event_id), process_name())
                                said.discard(event_id)
                    await pipe.execute()
            await asyncio.sleep(REPORT_EVERY)


async def pages_following(event_id: int) -> int:
    """The phones following the event now, over every web process."""
    said = await async_redis_client().hgetall(pages_key(event_id))
    now, total = time.time(), 0
    for value in said.values():
        count, at = (value.decode() if isinstance(value, bytes) else value).split()
        if now - float(at) < FORGOTTEN_AFTER:
            total += int(count)
    return total


_presences: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Presence] = (
    weakref.WeakKeyDictionary()
)


def presence() -> Presence:
    """This event loop's presence."""
    loop = asyncio.get_running_loop()
    if loop not in _presences:
        _presences[loop] = Presence()
    return _presences[loop]
