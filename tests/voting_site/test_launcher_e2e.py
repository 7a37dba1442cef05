"""`make up` as a person runs it: a real process tree, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from tests.support.processes import BASE_DIR, collected_static
from voting_site.processes import free_port

# What a newcomer's shell would not have: the suite's own configuration.
NOT_INHERITED = {
    "DATABASE_URL", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "DJANGO_SECRET_KEY",
    "DJANGO_SETTINGS_MODULE", "VOTING_DATA_DIR", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "BIND_HOST",
}  # fmt: skip


class Up:
    """A running `make up`: its output, and the processes it made."""

    def __init__(self, process: subprocess.Popen[str], port: int, data_dir: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.output.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.output)}")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return response.read().decode()

    def processes(self) -> list[psutil.Process]:
        """Everything `make up` runs: its descendants, and the daemonized servers."""
        tree = [
            psutil.Process(self.process.pid),
            *psutil.Process(self.process.pid).children(recursive=True),
        ]
        for pidfile in (
            self.data_dir / "postgres" / "postmaster.pid",
            self.data_dir / "redis" / "redis.pid",
        ):
            tree.append(psutil.Process(int(pidfile.read_text().split()[0])))
        return tree

    def child(self, word: str) -> psutil.Process:
        return next(
            p
            for p in psutil.Process(self.process.pid).children(recursive=True)
            if word in p.cmdline()
        )

    def interrupt(self) -> None:
        """Ctrl-C in a terminal: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)
        self.wait_for(r"up +\| stopped", timeout=5)


@contextmanager
def make_up(data_dir: Path, **extra: str) -> Iterator[Up]:
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    process = subprocess.Popen(
        ["make", "up"],
        cwd=BASE_DIR,
        env={
            **env,
            "VOTING_DATA_DIR": str(data_dir),
            "PORT": str(port),
            # This xdist worker's static files, collected once: not the checkout's, which
            # the launches of other workers collect at the same moment.
            "DJANGO_STATIC_ROOT": collected_static(),
            **extra,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    up = Up(process, port, data_dir)
    try:
        up.wait_for("The voting system is up")
        yield up
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            for leftover in (data_dir / "postgres", data_dir / "redis"):
                subprocess.run(["pkill", "-f", str(leftover)], check=False)


def test_make_up_serves_hits_and_a_second_run_continues_the_count(tmp_path):
    with make_up(tmp_path) as up:
        assert up.get("/hits/") == "Hello from Redis! I have been seen 1 times."
        assert up.get("/hits/") == "Hello from Redis! I have been seen 2 times."
        assert "Cats or dogs?" in up.get("/polls/cats-vs-dogs/")  # the demo poll, seeded
        assert 'href="/polls/cats-vs-dogs/">Try the demo poll<' in up.get("/")  # linked home
        assert "<svg" in up.get("/favicon.ico")
        processes = up.processes()
        up.wait_for("Ctrl-C stops everything")
        up.interrupt()

    said = "".join(up.output)
    # A presenter's first needs: the projector, the remote, and how to let phones in.
    for needed in ("/polls/cats-vs-dogs/present/", "/polls/cats-vs-dogs/remote/",
                   "BIND_HOST=0.0.0.0 make up"):  # fmt: skip
        assert needed in said, said
    # Quiet: no migration's line, no job's, no socket's, no page not found, no lifespan.
    for noise in ("Applying", "Job OK", "lifespan", "Not Found", "WebSocket", "INFO"):
        assert noise not in said, said

    assert [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []

    with make_up(tmp_path) as up:
        assert up.get("/hits/") == "Hello from Redis! I have been seen 3 times."
        up.interrupt()


def test_make_up_restarts_a_child_that_dies(tmp_path):
    with make_up(tmp_path) as up:
        worker = up.child("rqworker")
        worker.kill()

        up.wait_for(r"worker exited with code -9; restarting")
        up.wait_for(r"worker restarted")
        assert up.child("rqworker").pid != worker.pid
        up.interrupt()


def test_make_up_can_listen_on_the_network_and_says_how_to_reach_it(tmp_path):
    with make_up(tmp_path, BIND_HOST="0.0.0.0") as up:  # noqa: S104
        hint = up.wait_for("Phones on your network")
        # This machine's network address when its name resolves to one, else how to name it.
        assert "the QR codes use it" in hint or "DJANGO_ALLOWED_HOSTS" in hint
        assert up.get("/hits/") == "Hello from Redis! I have been seen 1 times."
        up.interrupt()


def test_open_to_the_network_phones_join_at_the_machines_address(monkeypatch):
    from voting_site import launcher

    monkeypatch.delenv("VOTING_PUBLIC_URL", raising=False)
    monkeypatch.delenv("DJANGO_ALLOWED_HOSTS", raising=False)
    monkeypatch.setattr(launcher, "lan_address", lambda: "192.0.2.20")

    reach, hint = launcher.reached_from_phones(8000, ["localhost"])

    assert reach == {
        "VOTING_PUBLIC_URL": "http://192.0.2.20:8000",
        "DJANGO_ALLOWED_HOSTS": "localhost,192.0.2.20",
    }
    assert "http://192.0.2.20:8000/" in hint


def test_a_public_url_given_is_kept_and_an_unknown_address_is_asked_for(monkeypatch):
    from voting_site import launcher

    monkeypatch.setenv("VOTING_PUBLIC_URL", "https://vote.example")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "vote.example")
    monkeypatch.setattr(launcher, "lan_address", lambda: "192.0.2.20")
    assert launcher.reached_from_phones(8000, [])[0] == {
        "VOTING_PUBLIC_URL": "https://vote.example"
    }

    monkeypatch.setattr(launcher, "lan_address", lambda: None)
    reach, hint = launcher.reached_from_phones(8000, [])
    assert reach == {} and "VOTING_PUBLIC_URL" in hint


def test_make_up_starts_a_killed_embedded_server_again(tmp_path):
    with make_up(tmp_path) as up:
        assert up.get("/hits/") == "Hello from Redis! I have been seen 1 times."
        for name, pidfile in (
            ("redis", "redis/redis.pid"),
            ("postgres", "postgres/postmaster.pid"),
        ):
            server = psutil.Process(int((tmp_path / pidfile).read_text().split()[0]))
            server.kill()

            up.wait_for(rf"embedded {name} is down; starting it again")
            up.wait_for(rf"embedded {name} is running again", timeout=120)
            assert int((tmp_path / pidfile).read_text().split()[0]) != server.pid
        # Both back, and the count kept (Redis's append-only file).
        deadline = time.monotonic() + 30
        while True:
            try:
                assert up.get("/hits/") == "Hello from Redis! I have been seen 2 times."
                break
            except OSError:  # 503 while the web process reconnects
                assert time.monotonic() < deadline
                time.sleep(0.2)
        up.interrupt()


def test_a_quiet_make_up_says_once_a_minute_what_was_voted_and_counted(redis_db, capsys):
    from voting_site.launcher import SUMMARY_EVERY, Summary
    from voting_site.metrics import ACCEPTED, COUNTED, COUNTERS

    summary = Summary()
    redis_db.hincrby(COUNTERS, ACCEPTED, 1200)
    redis_db.hincrby(COUNTERS, COUNTED, 1180)
    summary.check(time.monotonic())  # not a minute yet
    summary.check(time.monotonic() + SUMMARY_EVERY)
    summary.check(time.monotonic() + 2 * SUMMARY_EVERY + 1)  # nothing new: nothing said

    said = capsys.readouterr().out.splitlines()
    assert said == ["up     | the last minute: 1,200 votes taken, 1,180 counted"]
