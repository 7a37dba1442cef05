"""A live socket's outbox: what the hub hands it, sent in order at its browser's pace."""

from __future__ import annotations

import asyncio
import logging
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

logger = logging.getLogger(__name__)

Message = dict[str, Any]


class Outbox:
    """The messages waiting for one socket, sent one after the other by `send`.

    `put` never waits: the hub hands each message to every socket of the process in
    turn, and a browser that reads slowly must hold up only itself. Of whole
    snapshots in a row (messages of the `coalesced` type) only the newest is kept,
    so a slow browser's queue stays short and it gets the latest numbers.

    Most sends complete without waiting (uvicorn's send waits only while the
    socket's buffer is full), so `put` steps the send's coroutine itself, at once,
    instead of starting a task per message: with 10,000 viewers, a task per viewer
    per update is a quarter of a web process's work. Only a send that has to wait
    (its browser is behind) is finished in a task, which then sends the rest.
    """

    def __init__(
        self,
        send: Callable[[Message], Coroutine[Any, Any, None]],
        *,
        coalesced: str = "results.update",
    ) -> None:
        self.send = send
        self.coalesced = coalesced
        self.queued: deque[Message] = deque()
        self.is_open = False  # messages wait until the socket's first state is sent
        self.sending: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether a send is waiting for its browser."""
        return self.sending is not None

    def put(self, message: Message) -> None:
        """Queue the message, and send what can be sent now."""
        if self.queued and message["type"] == self.queued[-1]["type"] == self.coalesced:
            self.queued[-1] = message
        else:
            self.queued.append(message)
        self._flush()

    def open(self) -> None:
        """Start sending: the socket is accepted and its first state is sent."""
        self.is_open = True
        self._flush()

    def close(self) -> None:
        """Send nothing more: the socket is closing."""
        self.is_open = False
        self.queued.clear()
        if self.sending is not None:
            self.sending.cancel()

    def _flush(self) -> None:
        if not self.is_open or self.sending is not None:
            return
        while self.queued:
            send = self.send(self.queued.popleft())
            try:
                waiting_on = send.send(None)  # runs the send until it is done or must wait
            except StopIteration:
                continue
            except Exception:
                self._not_sent()
                return
            self.sending = asyncio.get_running_loop().create_task(
                self._finish(_resumed(send, waiting_on))
            )
            return

    async def _finish(self, send: Awaitable[None]) -> None:
        try:
            await send
        except Exception:
            self._not_sent()
            return
        finally:
            self.sending = None
        self._flush()

    def _not_sent(self) -> None:
        """The socket closed meanwhile: its disconnect cleans up."""
        logger.debug("a viewer's update not sent", exc_info=True)
        self.queued.clear()


@types.coroutine
def _resumed(send: Coroutine[Any, Any, None], waiting_on: Any) -> Generator[Any, Any, None]:
    """The rest of a coroutine stepped by hand until it had to wait on `waiting_on`:
    waits on that, as the coroutine would have, then lets it go on."""
    yield waiting_on
    yield from send.__await__()
