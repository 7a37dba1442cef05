"""Whether a web process hears the channel layer, so that no page says "Live" while deaf,
and no page keeps numbers that an outage kept from it.

On the Pub/Sub layer (the default) a Redis outage leaves the viewers' sockets open:
they simply stop getting updates, and what is published while the layer is not
subscribed is gone. So each web process sends itself a numbered beat through the
layer every BEAT_SECONDS, on a channel of its own:
- when none has come back for DEAF_AFTER_SECONDS, it tells each of its sockets that
  it is not hearing updates;
- when beats come back after a beat went missing (or could not be sent), updates
  may have been missed meanwhile, however short the outage: each socket sends its
  viewer the current state, and says it hears again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer

from voting_site.metrics import viewers_report

logger = logging.getLogger(__name__)

BEAT_SECONDS = 0.5
DEAF_AFTER_SECONDS = 3.0


class Listener(Protocol):
    async def hearing_changed(self, hearing: bool, polls: dict[Any, Any]) -> None:
        """Deaf, or hearing again with the current state; `polls` memoizes each poll's (an
        event's) state for the listeners told in one go."""


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
        # The layer's usual name: on the core layer a process's channels share one Redis
        # list, read by one of them at a time, so a channel named otherwise waits for
        # another's read to time out, and its beats come back too late.
        channel = await layer.new_channel()
        heard = loop.time()
        sent = 0
        # The number of the next beat. Beat 0 may race the channel's subscription (Redis
        # may take the PUBLISH before the SUBSCRIBE), and losing it is no news; a beat
        # sent later and never heard is, even before any was heard: an outage just after
        # the first viewer came loses those beats, and the updates sent meanwhile.
        expected = 0
        # After a beat lost, late or not sent, updates may have been lost too: the first
        # beat heard from this number on says the layer delivers again, however slowly.
        resync_from: int | None = None
        stopped = False  # a layer may swallow the listener's cancellation: this ends it too

        async def listen() -> None:
            nonlocal heard, expected, resync_from
            while not stopped:
                try:
                    beat = await receive(layer, channel)
                except Exception:
                    if stopping() or stopped:  # a layer may turn a cancellation into an error
                        raise
                    await asyncio.sleep(BEAT_SECONDS)  # it lost Redis: it reconnects by itself
                    continue
                heard = loop.time()
                if beat["n"] > max(expected, 1):  # one sent and never heard (beat 0: above)
                    resync_from = sent
                expected = beat["n"] + 1

        listening = loop.create_task(listen())
        try:
            while self.listeners:
                await viewers_report(len(self.listeners))
                sending = asyncio.ensure_future(
                    layer.send(channel, {"type": "heartbeat", "n": sent})
                )
                sending.add_done_callback(lambda task: task.cancelled() or task.exception())
                try:
                    await asyncio.wait_for(asyncio.shield(sending), BEAT_SECONDS)
                except TimeoutError:
                    pass  # slow, not failed (a busy process): the beats' numbers tell if lost
                except Exception:
                    if stopping():
                        raise
                    resync_from = sent + 1
                sent += 1
                await asyncio.sleep(BEAT_SECONDS)
                if loop.time() - heard >= DEAF_AFTER_SECONDS:
                    resync_from = sent
                    if self.hearing:
                        logger.warning("channel layer not heard")
                        await self._tell(hearing=False)
                elif resync_from is not None and expected > resync_from:
                    resync_from = None
                    logger.warning("channel layer heard again; pages get the current state")
                    await self._tell(hearing=True)
        finally:
            stopped = True
            listening.cancel()
            if not stopping():
                await viewers_report(len(self.listeners))

    async def _tell(self, *, hearing: bool) -> None:
        self.hearing = hearing
        polls: dict[Any, Any] = {}
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):  # a socket closing meanwhile
                await listener.hearing_changed(hearing, polls)


async def receive(layer: Any, channel: str) -> dict[str, Any]:
    """The layer's next message on `channel`, in a task of its own, so that a
    cancellation always ends the wait: the core layer now and then swallows one in
    its receive and goes on reading, which would keep its event loop from shutting
    down. So the receive is cancelled again until it ends."""
    receiving = asyncio.ensure_future(layer.receive(channel))
    try:
        await asyncio.wait([receiving])
    except asyncio.CancelledError:
        receiving.add_done_callback(lambda task: task.cancelled() or task.exception())
        _cancel_until_done(receiving)
        raise
    return receiving.result()


def _cancel_until_done(task: asyncio.Future[Any]) -> None:
    if not task.done():
        task.cancel()
        asyncio.get_running_loop().call_later(BEAT_SECONDS, _cancel_until_done, task)


def stopping() -> bool:
    """Whether this task is being cancelled (its loop closing, say)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


_heartbeats: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heartbeat] = (
    weakref.WeakKeyDictionary()
)


def heartbeat() -> Heartbeat:
    """This event loop's heartbeat."""
    loop = asyncio.get_running_loop()
    if loop not in _heartbeats:
        _heartbeats[loop] = Heartbeat()
    return _heartbeats[loop]
