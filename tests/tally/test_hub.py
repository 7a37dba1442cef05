"""The hub (tally/hub.py): a web process's sockets of one poll get its updates through one
subscription, each in order and at its own pace. The real layers carry it in the
end-to-end tests (tests/tally/test_e2e.py) and in `make bench` figure 4."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from tally.consumers import ResultsConsumer
from tally.hub import hub
from tally.outbox import Outbox
from tally.publish import poll_group
from voting_site.redis import channel_layer_config

pytestmark = pytest.mark.asyncio

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


class Socket(ResultsConsumer):
    """A consumer as connected, whose browser takes frames as `taking` allows."""

    def __init__(self, *, keeping_up: bool = True) -> None:
        super().__init__()
        self.frames: list[str] = []
        self.taking = asyncio.Event()
        if keeping_up:
            self.taking.set()
        self.outbox = Outbox(self.handle)
        self.outbox.open()
        self.poll_id, self.visible, self.ready = 7, True, True

    async def base_send(self, message: dict[str, Any]) -> None:
        await self.taking.wait()  # as uvicorn's send waits while the socket's buffer is full
        self.frames.append(message["text"])


def results(version: int) -> dict[str, Any]:
    return {"type": "results.update", "version": version, "text": f"v{version}"}


async def test_a_browser_behind_holds_up_only_itself():
    quick, behind = Socket(), Socket(keeping_up=False)

    for version in (1, 2, 3):
        for socket in (quick, behind):
            socket.deliver(results(version))

    assert quick.frames == ["v1", "v2", "v3"]  # sent as they came
    behind.taking.set()
    while behind.outbox.busy:
        await asyncio.sleep(0)
    # The first was under way; of the snapshots queued behind it, only the newest went.
    assert behind.frames == ["v1", "v3"]


async def test_state_changes_keep_their_order_behind_a_slow_send():
    socket = Socket(keeping_up=False)

    socket.deliver(results(1))
    socket.deliver({"type": "results.stale"})
    socket.deliver(results(2))
    socket.taking.set()
    while socket.outbox.busy:
        await asyncio.sleep(0)

    assert socket.frames == ["v1", '{"type": "stale"}', "v2"]


async def test_the_sockets_of_a_poll_share_one_subscription(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY
    layer = get_channel_layer()
    sockets = [Socket() for _ in range(3)]
    for socket in sockets:
        await hub().join(socket, poll_group(7))

    await layer.group_send(poll_group(7), results(1))
    while any(not socket.frames for socket in sockets):
        await asyncio.sleep(0.01)

    assert [socket.frames for socket in sockets] == [["v1"]] * 3
    assert len(layer.groups[poll_group(7)]) == 1  # one channel for the process
    for socket in sockets:
        await hub().leave(socket, poll_group(7))
    assert poll_group(7) not in layer.groups or not layer.groups[poll_group(7)]


async def test_on_the_core_layer_the_beats_are_heard_while_a_poll_is_watched(
    settings, redis_db, monkeypatch
):
    """The core layer reads a process's channels one at a time, in a blocking read of
    several seconds: a channel named apart from the others (the heartbeat's was) waited
    for the poll's read to time out, and every page was told it was deaf."""
    from tally import heartbeat as heartbeat_module

    # Deaf after 0.3 s, well inside the core layer's blocking read (5 s), which a beat
    # stuck behind it would wait out.
    monkeypatch.setattr(heartbeat_module, "BEAT_SECONDS", 0.05)
    monkeypatch.setattr(heartbeat_module, "DEAF_AFTER_SECONDS", 0.3)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": channel_layer_config(settings.REDIS_URL),
        }
    }
    told: list[bool] = []

    class Page:
        async def hearing_changed(self, hearing: bool, polls: dict[int, Any]) -> None:
            told.append(hearing)

    page, socket = Page(), Socket()
    await hub().join(socket, poll_group(7))  # the poll's channel waits for messages from now on
    beats = heartbeat_module.heartbeat()
    beats.join(page)

    await asyncio.sleep(heartbeat_module.DEAF_AFTER_SECONDS + 1)

    assert told == [] and beats.hearing
    beats.leave(page)
    await hub().leave(socket, poll_group(7))
    await asyncio.wait_for(beats.task, 5)  # type: ignore[arg-type]
