"""Whether a web process hears the channel layer, so that no page says "Live" while deaf.

On the Pub/Sub layer (the default) a Redis outage leaves the viewers' sockets open:
they simply stop getting updates. So each web process sends itself a message
through the layer every BEAT_SECONDS, on a channel of its own. When none has come
back for DEAF_AFTER_SECONDS, it tells each of its sockets that it is not hearing
updates; when one comes back, that it hears again (each socket then sends its
viewer the current state, as updates may have been missed meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Protocol

from channels.layers import get_channel_layer

from voting_site.metrics import viewers_report

logger = logging.getLogger(__name__)

BEAT_SECONDS = 1.0
DEAF_AFTER_SECONDS = 3.0


class Listener(Protocol):
    async def hearing_changed(self, hearing: bool) -> None: ...


class Heartbeat:
    """One per event loop (a web process has one): beats while any socket listens."""

    def __init__(self) -> None:
        self.listeners: weakref.WeakSet[Listener] = weakref.WeakSet()
        self.hearing = True
        self.task: asyncio.Task[None] | None = None

    def join(self, listener: Listener) -> bool:
        """Listen from now on; returns whether the process hears the layer now."""
        self.listeners.add(listener)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._beat())
        return self.hearing

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def _beat(self) -> None:
        layer = get_channel_layer()
        assert layer is not None, "CHANNEL_LAYERS is not configured"
        loop = asyncio.get_running_loop()
        channel = await layer.new_channel("heartbeat.")
        heard = loop.time()

        async def listen() -> None:
            nonlocal heard
            while True:
                try:
                    await layer.receive(channel)
                    heard = loop.time()
                except Exception:  # the layer lost Redis: it reconnects by itself
                    await asyncio.sleep(BEAT_SECONDS)

        listening = loop.create_task(listen())
        try:
            while self.listeners:
                await viewers_report(len(self.listeners))
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(layer.send(channel, {"type": "heartbeat"}), BEAT_SECONDS)
                await asyncio.sleep(BEAT_SECONDS)
                hearing = loop.time() - heard < DEAF_AFTER_SECONDS
                if hearing != self.hearing:
                    self.hearing = hearing
                    logger.warning("channel layer %s", "heard again" if hearing else "not heard")
                    for listener in list(self.listeners):
                        with contextlib.suppress(Exception):  # a socket closing meanwhile
                            await listener.hearing_changed(hearing)
        finally:
            listening.cancel()
            await viewers_report(len(self.listeners))


_heartbeats: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heartbeat] = (
    weakref.WeakKeyDictionary()
)


def heartbeat() -> Heartbeat:
    """This event loop's heartbeat."""
    loop = asyncio.get_running_loop()
    if loop not in _heartbeats:
        _heartbeats[loop] = Heartbeat()
    return _heartbeats[loop]
