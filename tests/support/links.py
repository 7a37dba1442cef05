"""A link to one of the tests' servers that a test can cut, as a network or a container
would fail: the server down, for the processes given the link's URL only."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

from voting_site.processes import free_port


class Link:
    """A TCP link to a server of the tests' that a test can cut: that server down, for one process.

    Tests never stop the PostgreSQL and Redis they share; a process given `url`
    reaches the server through this link instead, and loses it on `cut()`
    (connections closed, new ones refused) until `restore()`. On `vanish()` the
    server's machine goes as a removed container does: its connections get no word
    of it, what is sent on them is lost, and once a server is back at the address,
    each is reset when its client next sends on it.
    """

    def __init__(self, target: dict[str, Any], url: str) -> None:
        """`target`: the server's unix socket (`path`) or `host` and `port`; `url`: a URL
        for the server with `{port}` where the link's port goes."""
        self._target = target
        self.port = free_port()
        self.url = url.format(port=self.port)
        self._loop = asyncio.new_event_loop()
        # Each connection: the client's side and the server's.
        self._connections: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._vanished: set[asyncio.StreamWriter] = set()  # clients' sides, reset when used
        self._server: asyncio.Server | None = None
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self.restore()

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result()

    def vanish(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(silently=True), self._loop).result()

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

    async def _cut(self, *, silently: bool = False) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for client, server in self._connections:
            server.close()
            if silently:
                self._vanished.add(client)
            else:
                client.close()
        self._connections.clear()

    async def _close(self) -> None:
        await self._cut()
        for client in self._vanished:
            client.close()
        forwarding = asyncio.all_tasks() - {asyncio.current_task()}
        for task in forwarding:
            task.cancel()
        await asyncio.gather(*forwarding, return_exceptions=True)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if "path" in self._target:
            up_reader, up_writer = await asyncio.open_unix_connection(self._target["path"])
        else:
            up_reader, up_writer = await asyncio.open_connection(**self._target)
        self._connections.add((writer, up_writer))

        async def to_server() -> None:
            with contextlib.suppress(OSError):
                while data := await reader.read(65536):
                    if writer in self._vanished:
                        if self._server is None:
                            continue  # nobody at the address: lost
                        # A new server, which knows nothing of this connection: reset.
                        sock = writer.get_extra_info("socket")
                        sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                        writer.transport.abort()
                        return
                    up_writer.write(data)
                    await up_writer.drain()
            up_writer.close()

        async def to_client() -> None:
            with contextlib.suppress(OSError):
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            if writer not in self._vanished:
                writer.close()

        await asyncio.gather(to_server(), to_client())
