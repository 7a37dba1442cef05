"""Process plumbing shared by `make up`'s launcher, the tests and the benchmarks: a free
port, a process group started and stopped, and waiting for a web process's /healthz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As servers do: connections of a previous run in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_group(argv: list[str], *, env: dict[str, str], **popen: Any) -> subprocess.Popen[Any]:
    """Start `argv` in the project's folder as the leader of a process group of its own, so
    that stopping it stops what it forks too (an RQ worker forks one per job), and a
    Ctrl-C meant for the caller does not reach it."""
    return subprocess.Popen(argv, cwd=BASE_DIR, env=env, start_new_session=True, **popen)


def stop_group(process: subprocess.Popen[Any], *, grace: float = 15.0) -> None:
    """SIGTERM the process's group; SIGKILL it if it has not ended within `grace` seconds."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_healthy(
    url: str, *, process: subprocess.Popen[Any] | None = None, timeout: float = 30.0
) -> None:
    """Wait until `url` (a /healthz) answers; RuntimeError if `process` exits first,
    TimeoutError if it does not answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own http URL)
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")
