"""`make chaos`: the `make up` system under bursts of votes, each burst with a part killed.

A script, not a test: it prints what happened. It runs `make up`'s launcher on a
data folder of its own (.data/chaos, emptied first) and, in turn, SIGKILLs the
worker, Redis, PostgreSQL and the web process in the middle of a burst of votes
from many browsers (each opens the vote page, then votes once). Then it waits for
the system to recover and to count everything, and reads PostgreSQL.

For each fault it prints:
- accepted: votes answered 303;
- lost: accepted votes that are not counted (must be 0);
- counted twice: tallies above the votes they count (must be 0);
- broken, counted: votes whose connection broke before an answer, counted anyway
  (either way is right: the voter could not know);
- refused, counted: votes answered with an error yet counted (must be 0);
- recovery: from the kill to the first vote accepted again, and to every accepted
  vote counted.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data" / "chaos"
os.environ["VOTING_DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
for name in ("DATABASE_URL", "REDIS_URL"):  # make up's embedded servers, always
    os.environ.pop(name, None)
sys.path.insert(0, str(BASE_DIR))

from voting_site.processes import free_port, start_group, stop_group  # noqa: E402

BROWSERS = 400  # per burst
CONCURRENCY = 40
KILL_AFTER = BROWSERS // 3  # accepted votes before the kill
DEADLINE = 180  # seconds for the system to count everything after a burst
FAULTS = ("worker", "redis", "postgres", "web")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Thousands of chaos voters share one address: the abuse limits are counted, never reached.
LIMITS = {
    name: "1000000/s"
    for name in ("VOTING_RATE_NEW_VOTERS", "VOTING_RATE_VOTES", "VOTING_RATE_SOCKETS")
}


@dataclass
class Outcomes:
    """Each voter (its key) by what its vote's request got."""

    accepted: dict[str, float] = field(default_factory=dict)  # voter: when
    refused: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)


def voter_of(browser: httpx.AsyncClient) -> str | None:
    from polls import voters

    signed = browser.cookies.get(voters.VOTER_COOKIE)
    return voters.voter_key(signed.split(":")[0]) if signed else None


async def one_browser(url: str, page: str, option: str, outcomes: Outcomes) -> None:
    """Open the vote page, then vote once; note what the vote's request got."""
    async with httpx.AsyncClient(base_url=url, timeout=15) as browser:
        try:
            opened = await browser.get(page)
        except httpx.HTTPError:
            return  # never voted: the page did not open
        token = CSRF_INPUT.search(opened.text)
        voter = voter_of(browser)
        if opened.status_code != 200 or token is None or voter is None:
            return
        data = {"csrfmiddlewaretoken": token[1], "option": option}
        try:
            answer = await browser.post(page, data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            outcomes.refused.add(voter)  # the request never reached a server
            return
        except httpx.HTTPError:
            outcomes.broken.add(voter)  # sent; the answer never came
            return
        if answer.status_code == 303:
            outcomes.accepted[voter] = time.monotonic()
        else:
            outcomes.refused.add(voter)


async def burst(url: str, slug: str, kill: Callable[[], None]) -> tuple[Outcomes, float, float]:
    """BROWSERS browsers vote; `kill()` once KILL_AFTER are accepted. Returns the outcomes,
    when the kill came, and when a vote was first accepted after it."""
    outcomes = Outcomes()
    page = f"/polls/{slug}/"
    slots = asyncio.Semaphore(CONCURRENCY)
    killed_at = 0.0

    async def browser(index: int) -> None:
        nonlocal killed_at
        async with slots:
            await one_browser(url, page, ("cats", "dogs")[index % 2], outcomes)
        if not killed_at and len(outcomes.accepted) >= KILL_AFTER:
            killed_at = time.monotonic()
            kill()

    await asyncio.gather(*(browser(i) for i in range(BROWSERS)))
    # Browsers keep coming until one is accepted again: the recovery.
    while not any(when > killed_at for when in outcomes.accepted.values()):
        await one_browser(url, page, "cats", outcomes)
        await asyncio.sleep(0.1)
    back = min(when for when in outcomes.accepted.values() if when > killed_at)
    return outcomes, killed_at, back


def counted(slug: str) -> tuple[set[str], int]:
    """The voters whose votes PostgreSQL holds, and how many votes the tallies over-count."""
    from polls.models import Poll
    from tally.recount import tallies_rebuild

    poll = Poll.objects.get(slug=slug)
    voters = set(poll.votes.values_list("voter", flat=True))
    differences = tallies_rebuild(polls=[poll], fix=False)
    over = sum(d.tallied - d.counted for d in differences if d.tallied > d.counted)
    return voters, over


def wait_counted(slug: str, outcomes: Outcomes) -> float:
    """Wait until every accepted vote is counted (or the deadline); returns when."""
    from django.db import close_old_connections

    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        close_old_connections()
        try:
            voters, _ = counted(slug)
        except Exception:  # PostgreSQL on its way back
            time.sleep(0.5)
            continue
        if set(outcomes.accepted) <= voters:
            return time.monotonic()
        time.sleep(0.2)
    return float("nan")


class System:
    """`make up`'s launcher, and the processes it runs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PORT": str(self.port), "DJANGO_LOG_LEVEL": "WARNING", **LIMITS}
        self.log = (DATA_DIR / "launcher.log").open("w")
        self.process = start_group(
            [sys.executable, "-m", "voting_site.launcher"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while "The voting system is up" not in (DATA_DIR / "launcher.log").read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"make up did not start; see {DATA_DIR / 'launcher.log'}")
            time.sleep(0.2)

    def pid(self, fault: str) -> int:
        if fault == "redis":
            return int((DATA_DIR / "redis" / "redis.pid").read_text().split()[0])
        if fault == "postgres":
            return int((DATA_DIR / "postgres" / "postmaster.pid").read_text().split()[0])
        word = {"worker": "rqworker", "web": "voting_site.serve"}[fault]
        children = psutil.Process(self.process.pid).children(recursive=True)
        return next(p.pid for p in children if any(word in part for part in p.cmdline()))

    def stop(self) -> None:
        stop_group(self.process, grace=60)  # as Ctrl-C: the launcher stops everything in order
        self.log.close()


def main() -> None:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True)
    system = System()
    import django

    django.setup()
    from polls.services import poll_create

    print(f"make up on {system.url}, data in {DATA_DIR}; {BROWSERS} browsers per burst")
    columns = ("accepted", "lost", "twice", "broken", "broken,counted", "refused,counted")
    print(f"{'fault':<9}", *(f"{name:>{len(name)}}" for name in columns), "accepting", "counted")
    failed = False
    try:
        for fault in FAULTS:
            slug = f"chaos-{fault}"
            poll_create(question=f"Chaos: {fault}?", slug=slug,
                        options=[("cats", "Cats"), ("dogs", "Dogs")])  # fmt: skip
            victim = system.pid(fault)

            def kill(pid: int = victim) -> None:
                os.kill(pid, signal.SIGKILL)

            outcomes, killed_at, back = asyncio.run(burst(system.url, slug, kill))
            done = wait_counted(slug, outcomes)
            voters, twice = counted(slug)
            lost = len(set(outcomes.accepted) - voters)
            refused_counted = len(outcomes.refused & voters)
            failed |= bool(lost or twice or refused_counted)
            figures = (
                len(outcomes.accepted), lost, twice, len(outcomes.broken),
                len(outcomes.broken & voters), refused_counted,
            )  # fmt: skip
            print(
                f"{fault:<9}",
                *(f"{n:>{len(name)}}" for n, name in zip(figures, columns, strict=True)),
                f"{back - killed_at:>8.1f}s",
                f"{done - killed_at:>6.1f}s",
            )
    finally:
        system.stop()
    print("every accepted vote counted once" if not failed else "VOTES LOST OR COUNTED TWICE")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
