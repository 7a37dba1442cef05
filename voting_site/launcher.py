"""`make up`: the whole system on one machine, supervised.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset,
migrates, then runs the web server (voting_site/serve.py: uvicorn, WEB_CONCURRENCY
worker processes, as the image runs it) and the RQ worker side by side: their
output interleaved under a name prefix, a child that dies restarted with backoff,
an embedded server that dies started again, and Ctrl-C (or SIGTERM) stopping the
children, then the servers, within seconds.

Quiet by default: the children say only warnings and errors, and the launcher says,
once a minute, what was voted and counted. VERBOSE=1 lets every process say all it
has to say (each job, each socket, each migration).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from redis import RedisError

from voting_site.embedded import Server
from voting_site.processes import BASE_DIR, port_is_free, start_group, wait_healthy

STOP_GRACE = 10.0  # seconds a child gets to finish after SIGTERM
SUMMARY_EVERY = 60.0  # seconds between two lines of what was voted and counted
MAX_BACKOFF = 30.0
STABLE_AFTER = 30.0  # a child that ran this long restarts without delay
SERVER_CHECK = 1.0  # seconds between looks at the embedded servers

_print_lock = threading.Lock()


def say(prefix: str, line: str) -> None:
    with _print_lock:
        print(f"{prefix:<6} | {line}", flush=True)


@dataclass
class Child:
    """One supervised process, restarted with backoff when it dies."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None
    pids: list[int] = field(default_factory=list)

    def start(self) -> None:
        # Own process group: Ctrl-C reaches only the launcher, which stops the
        # children itself, in order, and their own children with them.
        self.process = start_group(
            self.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.pids.append(self.process.pid)
        threading.Thread(target=self._relay, args=(self.process,), daemon=True).start()

    def _relay(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            say(self.name, line.rstrip())

    def check(self, now: float) -> None:
        """Restart the child if it died and its backoff has passed."""
        if self.process is None or self.process.poll() is None:
            return
        if self.restart_at is None:
            # What it leaves behind goes with it: a web server's workers, a job's horse.
            self.signal(signal.SIGKILL, group_only=True)
            if now - self.started_at > STABLE_AFTER:
                self.backoff = 1.0
            self.restart_at = now + self.backoff
            say(
                "up",
                f"{self.name} exited with code {self.process.returncode}; "
                f"restarting in {self.backoff:.0f}s",
            )
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        elif now >= self.restart_at:
            self.start()
            say("up", f"{self.name} restarted")

    def signal(self, signum: int, *, group_only: bool = False) -> None:
        """Signal the child's process group: with `group_only`, even once the child
        itself has ended."""
        if self.process is not None and (group_only or self.process.poll() is None):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def wait(self, deadline: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        return True


def run_once(name: str, argv: list[str], env: dict[str, str]) -> None:
    """Run a set-up step to completion, its output prefixed; stop the launch if it fails."""
    child = Child(name, argv, env)
    child.start()
    assert child.process is not None
    if child.process.wait() != 0:
        raise SystemExit(f"up     | `{' '.join(argv[1:])}` failed; see its output above")


def lan_address() -> str | None:
    """This machine's address on its network, as its name resolves; None if only loopback."""
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    addresses = [str(sockaddr[0]) for *_, sockaddr in found]
    return next((a for a in addresses if not ipaddress.ip_address(a).is_loopback), None)


def reached_from_phones(port: int, allowed_hosts: list[str]) -> tuple[dict[str, str], str]:
    """For a `make up` open to the network: the children's settings for phones to join at
    this machine's address (its QR codes too), and the line that says where."""
    lan = lan_address()
    if lan is None:
        return {}, (
            f"  Phones on your network: http://<this machine's address>:{port}/ "
            "(put that address in DJANGO_ALLOWED_HOSTS and VOTING_PUBLIC_URL)"
        )
    public = os.environ.get("VOTING_PUBLIC_URL") or f"http://{lan}:{port}"
    reach = {"VOTING_PUBLIC_URL": public}
    if "DJANGO_ALLOWED_HOSTS" not in os.environ:
        reach["DJANGO_ALLOWED_HOSTS"] = ",".join([*allowed_hosts, lan])
    return reach, f"  Phones on your network: {public}/ (the QR codes use it)"


def banner(base_url: str, *, open_to_phones: bool, phones_line: str) -> list[str]:
    """What `make up` says once it is serving: where each page is, and how phones get in."""
    demo = f"{base_url}/polls/cats-vs-dogs"
    pages = [
        (f"{base_url}/", "the polls"),
        (f"{demo}/", "the demo poll, to vote"),
        (f"{demo}/present/", "its projector view, for the big screen"),
        (f"{demo}/remote/", "its remote, for your phone: the counts and the controls"),
        (f"{base_url}/admin/", "the admin (first: .venv/bin/python manage.py createsuperuser)"),
        (f"{base_url}/hits/", "the course's hit counter"),
    ]
    width = max(len(address) for address, _what in pages)
    lines = [
        "The voting system is up. Open:",
        *(f"  {address.ljust(width)}  {what}" for address, what in pages),
    ]
    if open_to_phones:
        lines.append(phones_line)
    else:
        lines += [
            "Only this machine can reach it: the QR codes point at 127.0.0.1, which phones",
            "  cannot reach. To let phones in: BIND_HOST=0.0.0.0 make up",
        ]
    lines.append("Ctrl-C stops everything; the data stays for the next `make up`.")
    return lines


class ServerWatch:
    """An embedded server, started again when it is found dead (killed, crashed)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.next_look = 0.0
        self.backoff = SERVER_CHECK

    def check(self, now: float) -> None:
        if now < self.next_look:
            return
        self.next_look = now + SERVER_CHECK
        if self.server.is_running():
            self.backoff = SERVER_CHECK
            return
        say("up", f"embedded {self.server.name} is down; starting it again")
        try:
            self.server.start()
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            # A killed PostgreSQL's backends take a moment to go; try again shortly.
            say("up", f"embedded {self.server.name} did not start ({error}); trying again")
            self.next_look = now + self.backoff
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
            return
        say("up", f"embedded {self.server.name} is running again")


class Summary:
    """What was voted and counted since the last line, said once a minute when anything
    was (from the metrics every process keeps in Redis)."""

    def __init__(self) -> None:
        self.next_line = time.monotonic() + SUMMARY_EVERY
        self.last = self.read()

    def read(self) -> tuple[int, int]:
        from voting_site.metrics import ACCEPTED, COUNTED, COUNTERS
        from voting_site.redis import redis_client

        try:
            accepted, counted = redis_client().hmget(COUNTERS, [ACCEPTED, COUNTED])
        except RedisError:
            return self.last if hasattr(self, "last") else (0, 0)
        return int(accepted or 0), int(counted or 0)

    def check(self, now: float) -> None:
        if now < self.next_line:
            return
        self.next_line = now + SUMMARY_EVERY
        current = self.read()
        accepted, counted = (new - old for new, old in zip(current, self.last, strict=True))
        self.last = current
        if accepted or counted:
            say("up", f"the last minute: {accepted:,} votes taken, {counted:,} counted")


def supervise(
    children: list[Child],
    base_url: str,
    *,
    servers: Sequence[Server] = (),
    banner: Sequence[str] = (),
    summary: Summary | None = None,
) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for child in children:
        child.start()
    try:
        wait_healthy(f"{base_url}/healthz", process=children[0].process, timeout=60)
        serving = True
    except (RuntimeError, TimeoutError):
        serving = False  # the loop below restarts the web process; its output says why
    if serving:
        for line in banner:
            say("up", line)
    watches = [ServerWatch(server) for server in servers]
    while not stop.wait(0.2):
        now = time.monotonic()
        for watch in watches:
            watch.check(now)
        for child in children:
            child.check(now)
        if summary is not None:
            summary.check(now)

    say("up", "stopping…")

    # A second Ctrl-C while stopping means: now.
    def kill_all(*_: object) -> None:
        for child in children:
            child.signal(signal.SIGKILL)

    signal.signal(signal.SIGINT, kill_all)
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for child in children:
        if not child.wait(deadline):
            say("up", f"{child.name} did not stop in {STOP_GRACE:.0f}s; killing it")
            child.signal(signal.SIGKILL)
            child.wait(time.monotonic() + 5)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
    from django.conf import settings

    from voting_site import embedded

    try:
        host, port = settings.BIND_HOST, settings.PORT
    except ImproperlyConfigured as error:
        raise SystemExit(f"up     | configuration error: {error}") from None
    if not port_is_free(host, port):
        raise SystemExit(
            f"up     | port {port} on {host} is in use; free it or choose another: "
            f"PORT=8001 make up"
        )

    python = sys.executable
    manage = str(BASE_DIR / "manage.py")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    verbose = os.environ.get("VERBOSE", "") not in ("", "0")
    with embedded.serving(own=True) as servers:
        for server in servers:
            say("up", f"embedded {server.name} running, data in {settings.DATA_DIR}")
        # The children talk to the servers as to any others: no embedded logic in them.
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            "VOTING_DEMO": "1",
        }
        if not verbose:
            env.setdefault("DJANGO_LOG_LEVEL", "WARNING")
        quiet = [] if verbose else ["-v", "0"]
        run_once("setup", [python, "-m", "voting_site.prepare", *quiet], env)
        everywhere = host in ("0.0.0.0", "::")  # noqa: S104 (a comparison, not a bind)
        hint = ""
        if everywhere:
            reach, hint = reached_from_phones(port, settings.ALLOWED_HOSTS)
            env.update(reach)
        # As production serves (voting_site/serve.py): uvicorn, WEB_CONCURRENCY processes
        # (default 2), the measured best on two cores (docs/performance.md).
        web_args = ["--host", host, "--port", str(port), "--workers", workers,
                    "--log-level", "info" if verbose else "warning"]  # fmt: skip
        cron_args = [] if verbose else ["--logging-level", "WARNING"]
        worker_args = ["--with-scheduler", *quiet, "default"]
        children = [
            Child("web", [python, "-m", "voting_site.serve", *web_args], env),
            Child("worker", [python, manage, "rqworker", *worker_args], env),
            Child("cron", [python, manage, "rqcron", "voting_site.cron", *cron_args], env),
        ]
        local = "127.0.0.1" if everywhere else host
        base_url = f"http://{local}:{port}"
        supervise(
            children,
            base_url,
            servers=servers,
            banner=banner(base_url, open_to_phones=everywhere, phones_line=hint),
            summary=Summary(),
        )
    say("up", "stopped")


if __name__ == "__main__":
    main()
