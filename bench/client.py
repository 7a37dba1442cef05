"""A lean HTTP/1.1 load client for the benchmark: keep-alive connections on asyncio streams.

httpx, which `simulate_votes` uses, costs more CPU per request than the web
process under test, and shares its two cores: the figures would measure the
client. This one does just what a voting browser does, and little else.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    cookies: dict[str, str]
    body: bytes


class HttpPool:
    """Up to `size` connections to one server, shared by many browsers: kept alive, or
    (`keep_alive=False`, as the course's app serves) one per request."""

    def __init__(self, url: str, size: int, *, keep_alive: bool = True) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.slots = asyncio.Semaphore(size)
        self.keep_alive = keep_alive
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(
        self, method: str, path: str, *, cookies: dict[str, str], form: dict[str, str] | None = None
    ) -> Answer:
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if not self.keep_alive:
            head.append("Connection: close")
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if form is not None:
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        async with self.slots:
            reused = bool(self.idle)
            reader, writer = self.idle.pop() if reused else await self._connect()
            try:
                writer.write(raw)
                answer = await self._read(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if not reused:
                    raise
                # The server closed an idle keep-alive connection: once more on a new one.
                reader, writer = await self._connect()
                writer.write(raw)
                answer = await self._read(reader)
            if self.keep_alive:
                self.idle.append((reader, writer))
            else:
                writer.close()
        return answer

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    async def _read(self, reader: asyncio.StreamReader) -> Answer:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        cookies: dict[str, str] = {}
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
        if not chunked:
            return Answer(status, cookies, await reader.readexactly(length))
        body = b""
        while size := int((await reader.readline()).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
        return Answer(status, cookies, body)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


@dataclass
class Browser:
    """One voter: its cookies and the CSRF token of the vote page it opened."""

    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    async def open(self, pool: HttpPool, path: str) -> None:
        page = await pool.request("GET", path, cookies=self.cookies)
        self.cookies.update(page.cookies)
        match = CSRF_INPUT.search(page.body)
        if page.status != 200 or match is None:
            raise RuntimeError(f"GET {path} answered {page.status} without a vote form")
        self.token = match.group(1).decode()

    async def vote(
        self, pool: HttpPool, path: str, option: str, field: str = "option"
    ) -> tuple[bool, float]:
        """POST the vote (an open poll's: `field` "answer", `option` its text); whether it
        was accepted (303), and when the answer came."""
        form = {"csrfmiddlewaretoken": self.token, field: option}
        answer = await pool.request("POST", path, cookies=self.cookies, form=form)
        return answer.status == 303, time.monotonic()


class Viewer:
    """A results page's WebSocket, reduced to what the benchmark needs: text messages.

    The `websockets` library spends more CPU per message than the web process
    under test; with 2,000 viewers on the same two cores it measured itself.
    No compression is offered, as the image's uvicorn accepts none.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, url: str, path: str, cookie: str = "") -> Viewer:
        """The socket of `path`, sent with a browser's `cookie` header if given."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        cookies = f"Cookie: {cookie}\r\n" if cookie else ""
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {url}\r\n{cookies}\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            writer.close()
            raise ConnectionError(f"no WebSocket: {head.splitlines()[0]!r}")
        return cls(reader, writer)

    async def recv(self) -> bytes:
        """The next text message; answers pings on the way. Raises EOFError once closed."""
        while True:
            try:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    length = int.from_bytes(await self.reader.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await self.reader.readexactly(8), "big")
                payload = await self.reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                raise EOFError("the connection is gone") from error
            opcode = first & 0x0F
            if opcode == 0x1:
                return payload
            if opcode == 0x8:
                raise EOFError("the server closed the WebSocket")
            if opcode == 0x9:
                self._send(0xA, payload)

    def close(self) -> None:
        with contextlib.suppress(ConnectionError):
            self._send(0x8, (1000).to_bytes(2, "big"))
        self.writer.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        """A client frame: final, masked, payload under 126 bytes (pongs and closes)."""
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


@dataclass
class Watched:
    """What a group of sockets saw: per socket, when each timed message (a results
    update's version, or the position of an event's question) first came."""

    received: list[dict[int, float]]
    dropped: int = 0  # sockets the server closed
    notices: dict[str, int] = field(default_factory=dict)  # other news ("deaf", "hearing")


# What a socket is told besides what is timed: the benchmark counts these.
NOTICES = ("deaf", "hearing", "stale", "limited", "resync")


def update_version(data: dict[str, Any]) -> int | None:
    """A results page's timed message: a results update, by its version."""
    return data.get("version")


def question_position(data: dict[str, Any]) -> int | None:
    """An event page's timed message: the presenter moved to a question, by its position."""
    return data["position"] if data.get("type") == "event" and data["stage"] == "question" else None


def own_score(data: dict[str, Any]) -> int | None:
    """A quiz player's timed message: their own score after a question, by its position."""
    return data["question"] if data.get("type") == "score" else None


# The messages a socket is sent on connect, before what is timed: a poll's state and
# results; an event's state in its lobby (a quiz's too).
WATCHING = {
    "results": (update_version, 2),
    "event": (question_position, 1),
    "score": (own_score, 1),
}


def viewers_process(
    url: str,
    path: str,
    count: int,
    ready: Any,
    stop: Any,
    out: Any,
    watching: str = "results",
    cookies: list[str] | None = None,
) -> None:
    """A process of `count` sockets of one page (`ready` once all joined) until `stop`;
    puts what they saw on `out`. Sockets in several processes read on every core, as
    browsers on many machines would: one process alone timed its own reading of 10,000
    sockets as much as the server's sending. Each socket sends its browser's cookie
    header, if `cookies` gives one per socket."""
    timed, greeting = WATCHING[watching]
    out.put(asyncio.run(_viewers(url, path, count, ready, stop, timed, greeting, cookies or [])))


async def _viewers(
    url: str,
    path: str,
    count: int,
    ready: Any,
    stop: Any,
    timed: Callable[[dict[str, Any]], int | None],
    greeting: int,
    cookies: list[str],
) -> Watched:
    watched = Watched(received=[{} for _ in range(count)])
    sockets: list[Viewer] = []
    gate = asyncio.Semaphore(100)
    closing = False

    async def watch(index: int) -> None:
        async with gate:
            socket = await Viewer.connect(url, path, cookies[index] if cookies else "")
            for _ in range(greeting):
                await socket.recv()
        sockets.append(socket)
        resync = False
        try:
            while True:
                data = json.loads(await socket.recv())
                if resync:  # after "hearing", the current state: not an update, not timed
                    watched.notices["resync"] = watched.notices.get("resync", 0) + 1
                    resync = data["type"] in ("hearing", "poll")
                    continue
                key = timed(data)
                if key is not None:
                    watched.received[index].setdefault(key, time.monotonic())
                elif data["type"] in NOTICES:
                    watched.notices[data["type"]] = watched.notices.get(data["type"], 0) + 1
                    resync = data["type"] == "hearing"
        except EOFError:
            if not closing:
                watched.dropped += 1  # the server closed it: a browser would reconnect

    # Each socket listens as soon as it has joined: one that waited for all the others
    # would leave the server's pings unanswered, and be closed.
    watchers = [asyncio.create_task(watch(i)) for i in range(count)]
    while len(sockets) < count:
        await asyncio.sleep(0.05)
        for task in watchers:
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.05)
    closing = True
    for socket in sockets:
        socket.close()
    await asyncio.gather(*watchers)
    return watched
