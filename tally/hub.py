"""A web process's viewers of each group (a poll's, an event's), reached through one
subscription per group.

Channels' way is a channel of its own per socket, in the poll's group, so that every
update goes through each socket's own queue, a new task and an `asyncio.wait`: with
thousands of viewers, that is most of what a web process does (docs/performance.md,
figure 4). Here the process joins each group once, with one channel, and hands each
message to its sockets of that group. Each socket keeps its own order and sends at its own
pace (`Viewer.deliver`): a slow browser holds up only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer

from tally.heartbeat import BEAT_SECONDS, receive, stopping

logger = logging.getLogger(__name__)


class Viewer(Protocol):
    def deliver(self, message: dict[str, Any]) -> None:
        """Take the message for sending; never waits."""


class Room:
    """One group's viewers in this process, and the channel that hears the group."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.viewers: set[Viewer] = set()
        self.closed = False
        self.opened: asyncio.Future[None] = asyncio.ensure_future(self._open())
        self.listening: asyncio.Task[None] | None = None

    async def _open(self) -> None:
        layer = get_channel_layer()
        assert layer is not None, "CHANNEL_LAYERS is not configured"
        self.channel = await layer.new_channel()  # the usual name: see tally/heartbeat.py
        await layer.group_add(self.group, self.channel)
        if self.closed:  # every viewer left meanwhile
            await layer.group_discard(self.group, self.channel)
            return
        self.listening = asyncio.get_running_loop().create_task(self._listen(layer))

    async def _listen(self, layer: Any) -> None:
        while not self.closed:  # a layer may swallow the cancellation: this ends it too
            try:
                message = await receive(layer, self.channel)
            except Exception:
                if stopping() or self.closed:  # a layer may turn a cancellation into an error
                    raise
                await asyncio.sleep(BEAT_SECONDS)  # it lost Redis: it reconnects by itself
                continue
            message["group"] = self.group  # a viewer of several groups tells them apart
            for viewer in list(self.viewers):
                try:
                    viewer.deliver(message)
                except Exception:  # one socket's trouble is not the others'
                    logger.exception("an update not handed to a viewer")

    async def close(self) -> None:
        self.closed = True
        if self.listening is not None:
            self.listening.cancel()
        if self.opened.done() and not self.opened.cancelled() and not self.opened.exception():
            layer = get_channel_layer()
            with contextlib.suppress(Exception):  # Redis down: the subscription went with it
                await layer.group_discard(self.group, self.channel)  # type: ignore[union-attr]


class LayerUnreachable(Exception):
    """The channel layer could not subscribe to a poll's group: Redis is down."""


# A join that fails is tried once more after this many seconds: just after Redis comes
# back, the Pub/Sub layer's one subscribing connection may be mid-reconnect, and a
# subscription sent meanwhile fails (in redis-py, even with an AttributeError); a
# moment later it goes through.
JOIN_RETRY_SECONDS = 0.5


class Hub:
    """One per event loop (a web process has one)."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}

    async def join(self, viewer: Viewer, group: str) -> None:
        """From the moment this returns, the viewer gets every message sent to the group.
        `LayerUnreachable` if the channel layer fails twice (Redis down), leaving nothing
        behind."""
        try:
            await self._join(viewer, group)
        except Exception:
            await asyncio.sleep(JOIN_RETRY_SECONDS)
            try:
                await self._join(viewer, group)
            except Exception as error:
                raise LayerUnreachable(str(error) or type(error).__name__) from error

    async def _join(self, viewer: Viewer, group: str) -> None:
        room = self.rooms.get(group)
        if room is None:
            room = self.rooms[group] = Room(group)
        room.viewers.add(viewer)
        try:
            await asyncio.shield(room.opened)
        except Exception:
            room.viewers.discard(viewer)
            if self.rooms.get(group) is room:
                del self.rooms[group]  # the next viewer tries again
            raise

    async def leave(self, viewer: Viewer, group: str) -> None:
        room = self.rooms.get(group)
        if room is None or viewer not in room.viewers:
            return
        room.viewers.discard(viewer)
        if not room.viewers:
            del self.rooms[group]
            await room.close()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
