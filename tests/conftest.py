from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from voting_site import embedded
from voting_site.processes import free_port, start_group, stop_group, wait_healthy
from voting_site.redis import redis_client

BASE_DIR = Path(__file__).resolve().parent.parent
ASGI_APPLICATION = "voting_site.asgi:application"
_servers = ExitStack()


def pytest_sessionstart(session: pytest.Session) -> None:
    # The embedded PostgreSQL and Redis (when DATABASE_URL / REDIS_URL are unset),
    # for the whole run; stopped at the end if this run started them.
    _servers.enter_context(embedded.serving())


def pytest_sessionfinish(session: pytest.Session) -> None:
    _servers.close()


@pytest.fixture
def redis_db() -> redis.Redis:
    """The test Redis, emptied first."""
    client = redis_client()
    client.flushdb()
    return client


@pytest.fixture
def poll(db):
    """The demo poll, open: cats or dogs."""
    from polls.services import poll_create

    return poll_create(
        question="Cats or dogs?", options=[("cats", "Cats"), ("dogs", "Dogs")], slug="cats-vs-dogs"
    )


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """A test client's request activates its language for the thread, where the next test
    (a command's output, say) would still speak it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_ballot_cache():
    """Each test sees its own polls, not one cached by a test before it."""
    from polls.selectors import ballot_forget

    ballot_forget()


def database_url() -> str:
    """A URL for the database the tests use (pytest-django's `test_` one, once set up)."""
    db = connection.settings_dict
    host = quote(db["HOST"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{host}{port}/{db['NAME']}"


def streamed(response: Any) -> AsyncIterator[bytes]:
    """A streamed response's body, part by part, as the test client gives it."""
    return response.streaming_content


def wait_until(condition: Callable[[], object], timeout: float = 60) -> None:
    """Wait for a condition, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@functools.cache
def collected_static() -> str:
    """Static files collected once per run, as a deployment has them (hashed names)."""
    static_root = str(Path(settings.DATA_DIR) / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "voting_site.settings",
            "DJANGO_STATIC_ROOT": static_root,
        },
        check=True,
    )
    return static_root


# The abuse limits, counted but never reached (thousands of test voters share one
# address), unless a test gives its own.
UNREACHED_LIMITS = {
    name: "1000000/s"
    for name in (
        "VOTING_RATE_NEW_VOTERS",
        "VOTING_RATE_VOTES",
        "VOTING_RATE_SOCKETS",
        "VOTING_RATE_INVITE_TRIES",
        "VOTING_RATE_INVITE_TRIES_PER_ADDRESS",
    )
}


def project_process(
    argv: list[str], popen: dict[str, Any] | None = None, **env: str
) -> subprocess.Popen:
    """One of the project's processes, as deployed: its own settings, the tests' servers."""
    return start_group(
        [sys.executable, *argv],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "voting_site.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_STATIC_ROOT": collected_static(),
            **UNREACHED_LIMITS,
            **env,
        },
        **(popen or {}),
    )


@dataclass
class WebProcess:
    """A web process a test started: its URL, the process, and the file its log goes to."""

    url: str
    process: subprocess.Popen
    log: Path | None = None

    def log_text(self) -> str:
        assert self.log is not None, "start it with a log file to read its log"
        return self.log.read_text(errors="replace")


@contextmanager
def web_process(
    port: int | None = None, server: str = "daphne", log: Path | None = None, **env: str
) -> Iterator[WebProcess]:
    """The real web process on `port` (a free one by default): daphne, or `uvicorn`, the
    server as deployed (voting_site/serve.py, one worker process); its output to `log`
    when given."""
    port = port or free_port()
    argv = {
        "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APPLICATION],
        "uvicorn": ["-m", "voting_site.serve", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", "1"],
    }[server]  # fmt: skip
    with ExitStack() as stack:
        output = {}
        if log is not None:
            output = {"stdout": stack.enter_context(log.open("ab")), "stderr": subprocess.STDOUT}
        process = project_process(argv, popen=output, **env)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_healthy(f"{base_url}/healthz", process=process)
            yield WebProcess(base_url, process, log)
        finally:
            stop_group(process)


@contextmanager
def asgi_server(port: int | None = None, server: str = "daphne", **env: Any) -> Iterator[str]:
    """The real web process (daphne, or the server as deployed) on `port` (a free one by
    default); yields its URL."""
    with web_process(port, server, **env) as web:
        yield web.url


@contextmanager
def rq_worker(**env: Any) -> Iterator[subprocess.Popen]:
    """The real worker process, working until the block ends."""
    process = project_process(["manage.py", "rqworker", "--with-scheduler", "default"], **env)
    try:
        yield process
    finally:
        stop_group(process)


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


@pytest.fixture
def postgres_link() -> Iterator[Link]:
    """PostgreSQL (the tests' database) through a link a test can cut."""
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        target: dict[str, Any] = {"path": f"{db['HOST']}/.s.PGSQL.{db['PORT'] or 5432}"}
    else:
        target = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432)}
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}"
    link = Link(target, f"postgres://{credentials}@127.0.0.1:{{port}}/{db['NAME']}")
    yield link
    link.close()


@pytest.fixture
def redis_link() -> Iterator[Link]:
    """Redis (the tests' database on it) through a link a test can cut."""
    options = redis_client().connection_pool.connection_kwargs
    if "path" in options:
        target: dict[str, Any] = {"path": options["path"]}
    else:
        target = {"host": options["host"], "port": options["port"]}
    link = Link(target, f"redis://127.0.0.1:{{port}}/{options.get('db', 0)}")
    yield link
    link.close()


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")


def csp_refusals(page: Page, refused: list[str] | None = None) -> list[str]:
    """What the Content Security Policy refuses on the page from now on (Chromium says so
    on the console), added to `refused` (a new list by default) as the page runs."""
    refused = [] if refused is None else refused

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    return refused


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (which downloads no browser here).

    The `CHROMIUM` environment variable's (`.ci/run` installs it and sets it), or
    the `chromium` on the PATH; with neither, the test is skipped.
    """
    if CHROMIUM is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM to its path")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
