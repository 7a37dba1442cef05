"""The project's processes as a test starts them: web, worker, any command, each with
the tests' database and Redis, its own settings, and limits it never reaches."""

from __future__ import annotations

import functools
import glob
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from voting_site.processes import free_port, start_group, stop_group, wait_healthy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ASGI_APPLICATION = "voting_site.asgi:application"
# libfaketime, to run a web process whose clock is wrong (Debian's faketime package).
LIBFAKETIME = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), None)


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
    """Static files collected once per run (and xdist worker), as a deployment has them
    (hashed names)."""
    static_root = str(
        Path(settings.DATA_DIR) / f"static-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    )
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
        "VOTING_RATE_JOINS",
    )
} | {"VOTING_SOCKETS_PER_ADDRESS": "1000000"}


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
    port: int | None = None,
    server: str = "daphne",
    log: Path | None = None,
    application: str = ASGI_APPLICATION,
    **env: str,
) -> Iterator[WebProcess]:
    """The real web process on `port` (a free one by default): daphne serving `application`
    (the project's), or `uvicorn`, the server as deployed (voting_site/serve.py, one worker
    process); its output to `log` when given."""
    port = port or free_port()
    argv = {
        "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), application],
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
