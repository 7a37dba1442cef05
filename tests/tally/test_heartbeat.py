"""The heartbeat (tally/heartbeat.py) on a channel layer that is slow, not gone: pages are
told they are deaf while nothing comes, and hear again once beats come, however late."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tally import heartbeat as heartbeat_module
from tally.heartbeat import Heartbeat

pytestmark = pytest.mark.asyncio


class SlowLayer:
    """An in-memory layer that delivers each message `delay` seconds after it is sent."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}

    async def new_channel(self, prefix: str = "specific") -> str:
        name = f"{prefix}!{len(self.queues)}"
        self.queues[name] = asyncio.Queue()
        return name

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        delay = self.delay
        asyncio.get_running_loop().call_later(delay, self.queues[channel].put_nowait, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        return await self.queues[channel].get()


class Page:
    def __init__(self) -> None:
        self.told: list[bool] = []

    async def hearing_changed(self, hearing: bool, polls: dict[int, Any]) -> None:
        self.told.append(hearing)


async def test_a_page_hears_again_when_beats_come_late_but_steadily(monkeypatch):
    layer = SlowLayer()
    monkeypatch.setattr(heartbeat_module, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(heartbeat_module, "BEAT_SECONDS", 0.05)
    monkeypatch.setattr(heartbeat_module, "DEAF_AFTER_SECONDS", 0.3)

    async def no_report(count: int) -> None:
        pass

    monkeypatch.setattr(heartbeat_module, "viewers_report", no_report)
    beats, page = Heartbeat(), Page()
    beats.join(page)

    await asyncio.sleep(0.2)
    assert page.told == []  # beats come back at once: nothing to say

    layer.delay = 0.6  # longer than DEAF_AFTER: for a while nothing comes
    await asyncio.sleep(0.5)
    assert page.told == [False]

    layer.delay = 0.15  # late, several beats behind, but steady
    await _until(lambda: page.told == [False, True])
    assert beats.hearing

    beats.leave(page)
    beats.task.cancel()


@pytest.fixture
def quick_beats(monkeypatch):
    monkeypatch.setattr(heartbeat_module, "BEAT_SECONDS", 0.05)
    monkeypatch.setattr(heartbeat_module, "DEAF_AFTER_SECONDS", 0.3)

    async def no_report(count: int) -> None:
        pass

    monkeypatch.setattr(heartbeat_module, "viewers_report", no_report)


class LateSubscribingLayer(SlowLayer):
    """A layer that loses what is sent before its channel's subscription is in place (the
    Pub/Sub layer's SUBSCRIBE and a PUBLISH go on two connections), and whose sends take
    longer than a beat to complete (a busy process), while each does reach its channel."""

    sent = 0

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self.sent += 1
        if self.sent == 1:
            return  # before the subscription: gone
        await asyncio.sleep(heartbeat_module.BEAT_SECONDS * 1.5)
        await super().send(channel, message)


async def test_a_page_is_told_nothing_while_nothing_was_missed(monkeypatch, quick_beats):
    layer = LateSubscribingLayer()
    monkeypatch.setattr(heartbeat_module, "get_channel_layer", lambda: layer)
    beats, page = Heartbeat(), Page()
    beats.join(page)

    await asyncio.sleep(heartbeat_module.DEAF_AFTER_SECONDS * 2)
    while layer.sent <= 5:  # and past five beats, however slowly a busy machine sends them
        await asyncio.sleep(heartbeat_module.BEAT_SECONDS)

    assert page.told == []  # neither deaf, nor "hearing again" with the state resent
    beats.leave(page)
    beats.task.cancel()


class EarlyOutageLayer(SlowLayer):
    """A layer that loses the first beats without a word: Redis went away just after the
    first viewer came, before any beat was heard, and the publishes still went through."""

    lost = 2

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if message["n"] < self.lost:
            return
        await super().send(channel, message)


async def test_an_outage_before_any_beat_was_heard_sends_the_pages_the_state(
    monkeypatch, quick_beats
):
    layer = EarlyOutageLayer()
    monkeypatch.setattr(heartbeat_module, "get_channel_layer", lambda: layer)
    beats, page = Heartbeat(), Page()
    beats.join(page)

    await _until(lambda: page.told == [True])  # "hearing again", with the current state
    beats.leave(page)
    beats.task.cancel()


async def _until(condition: Any, timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.02)


class SwallowingLayer:
    """A layer whose receive swallows the first cancellation and goes on waiting, as
    channels_redis's core layer now and then does."""

    swallowed = 0

    async def receive(self, channel: str) -> dict[str, Any]:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.swallowed += 1
                if self.swallowed > 1:
                    raise


async def test_a_receive_that_swallows_a_cancellation_still_ends():
    layer = SwallowingLayer()
    listening = asyncio.ensure_future(heartbeat_module.receive(layer, "specific!0"))
    await asyncio.sleep(0)

    listening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await listening
    await asyncio.sleep(heartbeat_module.BEAT_SECONDS * 2)  # the receive itself, again

    assert layer.swallowed == 2
    leftover = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert leftover == []
