"""`make up`: the whole system on one machine, supervised.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset,
migrates, then runs the web server (voting_site/serve.py: uvicorn, WEB_CONCURRENCY
worker processes, as the image runs it) and the RQ worker side by side: their
output interleaved under a name prefix, a child that dies restarted with backoff,
an embedded server that dies started again, and Ctrl-C (or SIGTERM) stopping the
children, then the servers, within seconds.
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

from voting_site.embedded import Server
from voting_site.processes import BASE_DIR, port_is_free, start_group, wait_healthy

STOP_GRACE = 10.0  # seconds a child gets to finish after SIGTERM
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


def supervise(
    children: list[Child],
    base_url: str,
    *,
    servers: Sequence[Server] = (),
    network_hint: str = "",
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
        for line in (
            "The voting system is up. Open:",
            f"  {base_url}/          the polls (the demo: {base_url}/polls/cats-vs-dogs/)",
            f"  {base_url}/hits/     the hit counter",
            f"  {base_url}/admin/    the admin (.venv/bin/python manage.py createsuperuser)",
            *([network_hint] if network_hint else []),
            "Ctrl-C stops everything; the data stays for the next `make up`.",
        ):
            say("up", line)
    watches = [ServerWatch(server) for server in servers]
    while not stop.wait(0.2):
        now = time.monotonic()
        for watch in watches:
            watch.check(now)
        for child in children:
            child.check(now)

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
        }
        run_once("setup", [python, manage, "migrate", "--noinput"], env)
        run_once("setup", [python, manage, "collectstatic", "--noinput", "-v", "0"], env)
        run_once("setup", [python, manage, "seed_demo", "--if-no-polls"], env)
        everywhere = host in ("0.0.0.0", "::")  # noqa: S104 (a comparison, not a bind)
        hint = ""
        if everywhere:
            reach, hint = reached_from_phones(port, settings.ALLOWED_HOSTS)
            env.update(reach)
        # As production serves (voting_site/serve.py): uvicorn, WEB_CONCURRENCY processes
        # (default 2), the measured best on two cores (docs/performance.md).
        web_args = ["--host", host, "--port", str(port), "--workers", workers]
        children = [
            Child("web", [python, "-m", "voting_site.serve", *web_args], env),
            Child("worker", [python, manage, "rqworker", "--with-scheduler", "default"], env),
            Child("cron", [python, manage, "rqcron", "tally.cron"], env),
        ]
        local = "127.0.0.1" if everywhere else host
        supervise(children, f"http://{local}:{port}", servers=servers, network_hint=hint)
    say("up", "stopped")


if __name__ == "__main__":
    main()
