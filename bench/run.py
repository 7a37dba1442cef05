"""`make bench`: the pipeline's figures, printed as a table and written to bench/results.json.

A benchmark, not a test: it asserts nothing and prints what it measured.

1. a vote POST per second over HTTP, 50 at a time, without keep-alive and with, side
   by side with the course's app (Flask, gunicorn, RPUSH) and with the vote's Redis
   pipeline alone (no target: on two shared cores the Python load generator, not the
   server, sets the pace), each server three times, in turns, the median kept, with its
   processes' CPU time per vote;
2. votes persisted per second draining a backlog of 100,000 queued votes, for each
   question kind (target: 3x the votes per second the web tier accepts with
   keep-alive, figure 1's, so that the worker is never the bottleneck), next to a
   plain SQL batch upsert of the same rows on the same database (no target);
3. vote-to-browser latency (HTTP 303 to the WebSocket message that includes the vote)
   at steady rates from one vote every 5 s to 200 votes/s (target p95 under 100 ms);
4. concurrent WebSocket viewers of one poll that receive every update within one
   second (target: all of 10,000), and the web tier's memory per viewer;
5. Redis's memory with 100,000 voters queued, and once they are counted;
6. an event's `next` followed by 1,000 and 10,000 audience pages: from the control's
   POST to the message with which each page shows the question (target p95 under
   1 s), and PostgreSQL's table reads per `next` (the same for either audience); then
   again with questions that carry pictures (a question's and each option's), with the
   bytes of pictures a phone fetches for each question;
7. an open poll: 10,000 voters each send an answer within 10 s while 1,000 pages
   watch its word cloud; from the last answer's 303 to the message that counts it on
   every page (target under 1 s), how far behind the first page each page gets each
   update, and the web tier's memory before and after (target: flat);
8. a quiz: 10,000 players, each with a socket of their own, answer three questions of
   20 s; after each deadline every phone is sent its own score and place (10,000
   personal messages): from the deadline to each phone's message (target: every one
   within 1 s), and the web tier's memory before and after each question (target: flat).

Before the figures it prints the machine, with its rate of a plain SQL batch upsert of
20,000 rows: machines of one kind differ from day to day, and that rate, which no change
of ours touches, says how fast today's is.

It runs on its own embedded PostgreSQL and Redis (in .data/bench), or on the
servers DATABASE_URL / REDIS_URL name, and starts its own web and worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
os.environ.setdefault("VOTING_DATA_DIR", str(BASE_DIR / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402
from PIL import Image  # noqa: E402

django.setup()

import django_rq  # noqa: E402
import psutil  # noqa: E402
import psycopg2.extras  # noqa: E402
import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rq import Worker  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from bench.client import CSRF_INPUT, Browser, HttpPool, Watched, viewers_process  # noqa: E402
from events.models import Event  # noqa: E402
from events.services import event_create, event_move  # noqa: E402
from polls.countdown import redis_now_ms  # noqa: E402
from polls.models import Countdown, Option, Poll  # noqa: E402
from polls.pictures import picture_made, picture_store  # noqa: E402
from polls.services import poll_create, poll_reset  # noqa: E402
from polls.stream import VOTE_STREAM, choices_key, entry_fields  # noqa: E402
from tally.ingest import votes_ingest  # noqa: E402
from tally.models import PollTally, RoundTally  # noqa: E402
from tally.stream import BATCH_SIZE  # noqa: E402
from voting_site import embedded  # noqa: E402
from voting_site.processes import free_port, start_group, stop_group, wait_healthy  # noqa: E402
from voting_site.redis import redis_client  # noqa: E402

RESULTS = BASE_DIR / "bench" / "results.json"
# The web tier's processes, as `make up` and the image run it (WEB_CONCURRENCY).
WEB_PROCESSES = int(os.environ.get("WEB_CONCURRENCY", "2"))
BACKLOG = 100_000
# Vote to screen, from one vote every 5 s to 200 a second: (votes a second, votes).
LATENCY_RATES = ((0.2, 20), (5, 100), (50, 500), (200, 2_000))
LATENCY_TARGET_MS = 100
# Each kind drains at least this many times the rate the web tier accepts votes at.
DRAIN_OVER_WEB_TARGET = 3
# (channel layer, viewers): the default layer up to 10,000 viewers, the other at 2,000.
FAN_OUTS = (("pubsub", 2_000), ("pubsub", 10_000), ("core", 2_000))
FAN_OUT_VOTES = 200
FAN_OUT_RATE = 20
# The viewers are spread over this many processes of the load generator (bench/client.py).
VIEWER_PROCESSES = 4
# An event's pages follow the presenter's `next`: the audiences, the moves in each.
NEXT_AUDIENCES = (1_000, 10_000)
NEXT_MOVES = 3
NEXT_TARGET_P95_MS = 1_000
NEXT_PRESENTER = "bench-presenter"
STATS_SETTLE = 11  # s: a PostgreSQL backend reports its statistics within 10 s of idling
# Open answers: voters, each sending one answer within these seconds, pages watching.
ANSWER_VOTERS = 10_000
ANSWER_SECONDS = 10
ANSWER_VIEWERS = 1_000
ANSWER_TARGET_MS = 1_000
ANSWER_PASSES = 3
# Figure 8: a quiz of QUIZ_QUESTIONS questions; each player's own score on their phone
# within QUIZ_TARGET_MS of each deadline.
QUIZ_PLAYERS = 10_000
QUIZ_QUESTIONS = 3
QUIZ_SECONDS = 20
QUIZ_ANSWER_SECONDS = 15  # the players answer over this long, inside the time limit
QUIZ_TARGET_MS = 1_000
QUIZ_SETTLE = 5  # s after a deadline: every phone has its score by then
ANSWER_WORDS = ["inspiring", "clear", "too fast", "fun", "machine learning", "genial",
                "práctico", "long", "deep", "useful", "hard", "brilliant"]  # fmt: skip


# --- Processes ------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_LOG_LEVEL": "WARNING",
        # The abuse limits are counted, but thousands of bench voters share an address.
        **{
            name: "1000000/s"
            for name in (
                "VOTING_RATE_NEW_VOTERS",
                "VOTING_RATE_VOTES",
                "VOTING_RATE_ENTRIES",
                "VOTING_RATE_SOCKETS",
                "VOTING_RATE_JOINS",
            )
        },
        "VOTING_SOCKETS_PER_ADDRESS": "1000000",
        **extra,
    }


@contextmanager
def running(argv: list[str], **env: str) -> Iterator[subprocess.Popen]:
    process = start_group(
        argv, env=child_env(**env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        stop_group(process, grace=30)  # a server may be saying goodbye to 2,000 sockets


@contextmanager
def web(server: str, **env: str) -> Iterator[str]:
    """The web tier on a free port: daphne (runserver's) or the server as deployed
    (voting_site/serve.py: uvicorn) with WEB_PROCESSES workers."""
    port = str(free_port())
    app = "voting_site.asgi:application"
    argv = {
        "daphne": [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", port, app],
        "uvicorn": [sys.executable, "-m", "voting_site.serve", "--host", "127.0.0.1",
                    "--port", port, "--workers", str(WEB_PROCESSES), "--log-level", "warning"],
    }[server]  # fmt: skip
    with running(argv, **env) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process=process, timeout=60)
        yield url


@contextmanager
def worker(*, scheduler: bool = False, **env: str) -> Iterator[subprocess.Popen]:
    """One RQ worker, once it is taking jobs (its start-up is not a vote's latency); with
    its scheduler (jobs queued for a moment: a quiz question's finish) if asked."""
    queue = django_rq.get_queue("default")
    argv = [sys.executable, "manage.py", "rqworker", *(["--with-scheduler"] * scheduler), "default"]
    with running(argv, **env) as process:
        deadline = time.monotonic() + 60
        while not any(w.pid == process.pid for w in Worker.all(queue=queue)):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the RQ worker did not start")
            time.sleep(0.05)
        yield process


def fresh_poll(slug: str, options: int = 2) -> Poll:
    Poll.objects.filter(slug=slug).delete()
    labels = [(f"o{i}", f"Option {i}") for i in range(options)]
    return poll_create(question=f"Bench {slug}?", options=labels, slug=slug)


# --- 1. HTTP --------------------------------------------------------------------------


SIDE_BY_SIDE_VOTES = 10_000
SIDE_BY_SIDE_CONCURRENCY = 50
# Each server is measured this many times, in turns; the figure is the median.
SIDE_BY_SIDE_TURNS = 3


def other_database(url: str) -> str:
    """The same Redis server's database 1: the course's `votes` list must not meet the
    project's `votes` stream."""
    if "db=" in url:
        return re.sub(r"db=\d+", "db=1", url)
    return re.sub(r"(/\d+)?$", "/1", url, count=1)


@contextmanager
def course_app() -> Iterator[str]:
    """The course's vote app as the course runs it: gunicorn, 4 workers, Flask, RPUSH."""
    port = str(free_port())
    argv = [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning", "bench.course_app:app"]  # fmt: skip
    with running(argv, REDIS_URL=other_database(settings.REDIS_URL)) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/", process=process, timeout=60)
        yield url


@contextmanager
def limit_app(slug: str) -> Iterator[str]:
    """The project's Redis pipeline for a vote alone, on the project's server and processes."""
    port = str(free_port())
    argv = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", port,
            "--workers", str(WEB_PROCESSES), "--no-access-log", "--log-level", "warning",
            "bench.limit_app:app"]  # fmt: skip
    with running(argv, BENCH_POLL=slug) as process:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/", process=process, timeout=60)
        yield url


async def posts_per_second(url: str, app: str, keep_alive: bool) -> dict:
    """SIDE_BY_SIDE_VOTES browsers POST one vote each, SIDE_BY_SIDE_CONCURRENCY at a time.

    Each browser has its cookies (and, for the project, the CSRF token) from having
    opened the page, which is not timed; only the POSTs are.
    """
    pool = HttpPool(url, SIDE_BY_SIDE_CONCURRENCY, keep_alive=keep_alive)
    votes = SIDE_BY_SIDE_VOTES
    redis_client().delete(VOTE_STREAM)  # each run starts with an empty queue
    if app.startswith("project"):
        path = "/polls/bench-http-plain/" if app == "project-plain" else "/polls/bench-http/"
        accepted_status = 303
        browsers = await opened_browsers(pool, path, votes)
        forms = [{"csrfmiddlewaretoken": b.token, "option": "o0"} for b in browsers]
    elif app == "limit":
        path, accepted_status = "/", 303
        browsers = [Browser(cookies={"voter_id": f"{i:x}"}) for i in range(votes)]
        forms = [{"option": "o0"}] * votes
    else:
        path, accepted_status = "/", 200
        browsers = [Browser(cookies={"voter_id": f"{i:x}"}) for i in range(votes)]
        forms = [{"vote": "a"}] * votes
    latencies: list[float] = []

    posts = iter(zip(browsers, forms, strict=True))

    async def poster() -> None:  # one of SIDE_BY_SIDE_CONCURRENCY, each a POST at a time
        for browser, form in posts:
            sent = time.monotonic()
            answer = await pool.request("POST", path, cookies=browser.cookies, form=form)
            if answer.status == accepted_status:
                latencies.append(time.monotonic() - sent)

    server = server_processes(url)
    cpu_before, started = cpu_seconds(server), time.monotonic()
    await asyncio.gather(*(poster() for _ in range(SIDE_BY_SIDE_CONCURRENCY)))
    seconds, cpu = time.monotonic() - started, cpu_seconds(server) - cpu_before
    pool.close()
    return {
        "accepted": len(latencies), "votes_per_s": round(len(latencies) / seconds),
        "p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
        "server_cpu_us": round(cpu / max(len(latencies), 1) * 1e6),
    }  # fmt: skip


def bench_http() -> list[dict]:
    """Figure 1: a vote POST per second, side by side with the course's app and with the
    project's Redis pipeline alone, without keep-alive (as the course's app) and with."""
    rows = []
    fresh_poll("bench-http")
    plain = fresh_poll("bench-http-plain")  # the same without receipts: what they cost
    Poll.objects.filter(pk=plain.pk).update(receipts=False)
    servers = {
        "course": ("the course's app: Flask, gunicorn x4, RPUSH", course_app),
        "limit": (
            f"the vote's Redis pipeline alone, uvicorn x{WEB_PROCESSES}",
            lambda: limit_app("bench-http"),
        ),
        "project": (
            f"this project, uvicorn x{WEB_PROCESSES} (make up, the image)",
            lambda: web("uvicorn"),
        ),
        "project-plain": (
            f"this project, receipts off, uvicorn x{WEB_PROCESSES}",
            lambda: web("uvicorn"),
        ),
    }
    for keep_alive in (False, True):
        runs: dict[str, list[dict]] = {app: [] for app in servers}
        # In turns, so that a slow spell of the shared machine falls on every server alike.
        for turn in range(1, SIDE_BY_SIDE_TURNS + 1):
            for app, (name, serve) in servers.items():
                with serve() as url, worker():
                    result = asyncio.run(posts_per_second(url, app, keep_alive))
                runs[app].append(result)
                print_row("1", {"server": name, "keep_alive": keep_alive, "turn": turn, **result})
        rates = {app: statistics.median(r["votes_per_s"] for r in runs[app]) for app in servers}
        for app, (name, _) in servers.items():
            row = {
                "server": name,
                "keep_alive": keep_alive,
                "votes_per_s": round(rates[app]),
                "each_turn": [r["votes_per_s"] for r in runs[app]],
                "server_cpu_us": round(statistics.median(r["server_cpu_us"] for r in runs[app])),
            }
            rows.append(row)
            print_row("1", row)
        of_limit = [
            project["votes_per_s"] / limit["votes_per_s"]
            for project, limit in zip(runs["project"], runs["limit"], strict=True)
        ]
        cpu = {app: statistics.median(r["server_cpu_us"] for r in runs[app]) for app in servers}
        most = 1.3 if keep_alive else 1.5  # issue 40's targets: the vote path near its floor
        summary = {
            "keep_alive": keep_alive,
            "cpu_of_floor": f"{cpu['project'] / cpu['limit']:.2f}x (target ≤ {most}x)",
            "over_course": round(rates["project"] / rates["course"], 2),
            "of_limit": round(rates["project"] / rates["limit"], 2),
            "of_limit_each_turn": [round(ratio, 2) for ratio in of_limit],
            # Receipts may cost at most 5% of the votes per second (issue 38's target).
            "receipts_cost": f"{1 - rates['project'] / rates['project-plain']:.1%} (target ≤ 5%)",
        }
        rows.append(summary)
        print_row("1", summary)
    return rows


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- 2. Drain -------------------------------------------------------------------------


DRAIN_KINDS = ("single", "multiple", "rating", "ranking")


def drain_casts(kind: str) -> tuple[Poll, list[tuple[str, list[int], Any]]]:
    """A fresh poll of `kind` and its backlog: BACKLOG casts, a fifth of them changes."""
    Poll.objects.filter(slug=f"bench-drain-{kind}").delete()
    if kind == "rating":
        poll = poll_create(question="Bench?", options=[], slug=f"bench-drain-{kind}", kind=kind)
    else:
        labels = [(f"o{i}", f"Option {i}") for i in range(4)]
        poll = poll_create(question="Bench?", options=labels, slug=f"bench-drain-{kind}", kind=kind)
    ids = list(poll.options.values_list("pk", flat=True))

    def cast(i: int) -> list[int]:
        first = i % len(ids)
        if kind == "multiple":
            return [ids[first], ids[(first + 1) % len(ids)]]
        if kind == "ranking":
            return ids[first:] + ids[:first]
        return [ids[first]]

    voters = int(BACKLOG * 0.8)
    t0 = timezone.now()
    rows = [(f"{i:064x}", cast(i), t0 + timedelta(microseconds=i)) for i in range(voters)]
    rows += [(f"{i:064x}", cast(i + 1), t0 + timedelta(seconds=1, microseconds=i))
             for i in range(BACKLOG - voters)]  # fmt: skip
    return poll, rows


def votes_queue(poll: Poll, rows: list[tuple[str, list[int], Any]]) -> None:
    """Queue the rows as the vote view does: stream entries, and the voters' choices."""
    client = redis_client()
    client.delete(VOTE_STREAM, choices_key(poll.pk, 1))
    with client.pipeline(transaction=False) as pipe:
        for voter, choices, cast_at in rows:
            fields: Any = entry_fields(
                poll_id=poll.pk, round_number=1, choices=choices, voter=voter, cast_at=cast_at
            )
            pipe.xadd(VOTE_STREAM, fields)
            pipe.hset(choices_key(poll.pk, 1), voter, fields["choices"])
        pipe.execute()


def drain_rate(poll: Poll, rows: list[tuple[str, list[int], Any]]) -> tuple[int, float]:
    """Queue the rows, then drain them: (processed, votes per second)."""
    with connection.cursor() as cursor:  # each run starts clean: no dead rows of a last one
        cursor.execute("VACUUM ANALYZE polls_vote")
    client = redis_client()
    votes_queue(poll, rows)
    started = time.perf_counter()
    processed = 0
    while client.xlen(VOTE_STREAM):
        processed += votes_ingest(consumer="bench")[0]
    return processed, processed / (time.perf_counter() - started)


def plain_sql_rate(rows: list[tuple[str, list[int], Any]]) -> float:
    """The same rows (each voter's choices as an array) upserted into a bare table, in
    batches of the same size: the rate to compare with."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_vote")
        cursor.execute(
            "CREATE TABLE bench_plain_vote (id bigserial PRIMARY KEY, poll_id bigint, "
            "choices bigint[], voter varchar(64), cast_at timestamptz, UNIQUE (poll_id, voter))"
        )
    raw = connection.connection
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH_SIZE):
        with raw.cursor() as cursor:
            psycopg2.extras.execute_values(
                cursor,
                "INSERT INTO bench_plain_vote (poll_id, voter, choices, cast_at) VALUES %s "
                "ON CONFLICT (poll_id, voter) DO UPDATE SET choices = EXCLUDED.choices, "
                "cast_at = EXCLUDED.cast_at WHERE bench_plain_vote.cast_at < EXCLUDED.cast_at",
                [(1, voter, choices, cast_at)
                 for voter, choices, cast_at in rows[start:start + BATCH_SIZE]],
                page_size=BATCH_SIZE,
            )  # fmt: skip
        raw.commit()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_vote")
    return len(rows) / seconds


def redis_megabytes() -> float:
    return round(int(redis_client().info("memory")["used_memory"]) / 2**20, 1)


def bench_redis_memory() -> dict:
    """Redis's memory with BACKLOG voters queued (one vote each), and once they are counted."""
    poll, rows = drain_casts("single")
    rows = [(f"{i:064x}", choices, cast_at) for i, (_, choices, cast_at) in enumerate(rows)]
    redis_client().flushdb()
    result = {"voters": len(rows), "empty_mb": redis_megabytes()}
    votes_queue(poll, rows)
    result["queued_mb"] = redis_megabytes()
    while redis_client().xlen(VOTE_STREAM):
        votes_ingest(consumer="bench")
    result["counted_mb"] = redis_megabytes()
    print_row("5", result)
    return result


def web_rate(results: dict[str, Any]) -> float | None:
    """Figure 1's rate of this project with keep-alive: what the web tier accepts."""
    return next(
        (
            row["votes_per_s"]
            for row in results.get("http", [])
            if row.get("keep_alive") and str(row.get("server", "")).startswith("this project")
        ),
        None,
    )


def bench_drain(results: dict[str, Any]) -> dict:
    """Each kind's backlog drained, against 3x the web tier's rate (figure 1's, from this
    run or, for `bench/run.py drain`, the last); then the same rows upserted by plain
    SQL right after, for comparison (the plain rate moves by a quarter over a run)."""
    web = web_rate(results)
    result: dict[str, Any] = {"backlog": BACKLOG, "batch_size": BATCH_SIZE, "web_votes_per_s": web}
    for kind in DRAIN_KINDS:
        poll, rows = drain_casts(kind)
        processed, rate = drain_rate(poll, rows)
        plain = plain_sql_rate(rows)
        result[kind] = {
            "processed": processed,
            "ingest_votes_per_s": round(rate),
            "over_web": round(rate / web, 2) if web else None,
            "target_over_web": DRAIN_OVER_WEB_TARGET,
            "plain_sql_votes_per_s": round(plain),
            "of_plain_sql": round(rate / plain, 2),
        }
        print_row("2", {"kind": kind, **result[kind]})
    return result


# --- 3. Vote-to-browser latency ----------------------------------------------------------


async def opened_browsers(pool: HttpPool, path: str, count: int) -> list[Browser]:
    """`count` new browsers that have opened the vote page (cookies, CSRF token)."""
    browsers = [Browser() for _ in range(count)]
    gate = asyncio.Semaphore(32)

    async def open_page(browser: Browser) -> None:
        async with gate:
            await browser.open(pool, path)

    await asyncio.gather(*(open_page(browser) for browser in browsers))
    return browsers


async def votes_at_rate(
    pool: HttpPool, path: str, browsers: list[Browser], rate: float
) -> tuple[list[float], float]:
    """Each browser votes once, on a steady schedule of `rate` votes a second.

    Returns when each accepted vote's answer came, and how long the votes took.
    """
    accepted: list[float] = []
    started = time.monotonic()

    async def vote(index: int, browser: Browser) -> None:
        await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        ok, answered = await browser.vote(pool, path, "o0")
        if ok:
            accepted.append(answered)

    await asyncio.gather(*(vote(i, browser) for i, browser in enumerate(browsers)))
    return accepted, time.monotonic() - started


async def steady_latency(url: str, rate: float, votes: int) -> dict:
    poll = await asyncio.to_thread(fresh_poll, f"bench-latency-{rate:g}".replace(".", "-"))
    path = f"/polls/{poll.slug}/"
    pool = HttpPool(url, 64)
    browsers = await opened_browsers(pool, path, votes)  # not timed
    socket_url = url.replace("http://", "ws://") + f"/ws/polls/{poll.slug}/"
    arrivals: list[tuple[float, int]] = []
    async with websockets.connect(socket_url, origin=Origin(url)) as viewer:
        await viewer.recv()  # the poll's state
        await viewer.recv()  # the current results

        async def listen() -> None:
            while True:
                message = json.loads(await viewer.recv())
                arrivals.append((time.monotonic(), message["total"]))

        listener = asyncio.create_task(listen())
        accepted, sent_seconds = await votes_at_rate(pool, path, browsers, rate)
        deadline = time.monotonic() + 60
        while (not arrivals or arrivals[-1][1] < len(accepted)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        listener.cancel()
    pool.close()
    accepted.sort()
    latencies = []
    for k, at in enumerate(accepted, start=1):
        # The k-th accepted vote is surely shown by the first message counting k votes.
        shown = next((when for when, total in arrivals if total >= k), None)
        if shown is not None:
            latencies.append(max(0.0, shown - at))
    return {
        "target_votes_per_s": rate, "votes": len(accepted),
        "achieved_votes_per_s": round(len(accepted) / sent_seconds, 1),
        "messages": len(arrivals), "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)), "p99_ms": ms(percentile(latencies, 99)),
    }  # fmt: skip


def bench_latency() -> list[dict]:
    """Vote to screen at each of LATENCY_RATES (votes a second, how many votes)."""
    results = []
    with web("uvicorn") as url, worker():
        for rate, votes in LATENCY_RATES:
            result = asyncio.run(steady_latency(url, rate, votes))
            result["target_p95_ms"] = LATENCY_TARGET_MS
            print_row("3", result)
            results.append(result)
    return results


# --- 4. Fan-out -----------------------------------------------------------------------------


async def fan_out_votes(url: str, path: str) -> float:
    """FAN_OUT_VOTES new browsers vote at FAN_OUT_RATE; returns the rate achieved."""
    pool = HttpPool(url, 8)
    browsers = await opened_browsers(pool, path, FAN_OUT_VOTES)
    _, seconds = await votes_at_rate(pool, path, browsers, FAN_OUT_RATE)
    pool.close()
    return len(browsers) / seconds


@contextmanager
def sockets_open(
    url: str, path: str, count: int, watching: str = "results", cookies: list[str] | None = None
) -> Iterator[list[Watched]]:
    """`count` sockets of the page at `path`, spread over VIEWER_PROCESSES processes, all
    joined (each with its browser's cookie header, if `cookies` has one per socket); the
    list yielded holds, once the block ends, what each process's saw."""
    context = multiprocessing.get_context("spawn")
    ready = [context.Event() for _ in range(VIEWER_PROCESSES)]
    stop, out = context.Event(), context.Queue()
    shares = [count // VIEWER_PROCESSES + (i < count % VIEWER_PROCESSES)
              for i in range(VIEWER_PROCESSES)]  # fmt: skip
    starts = [sum(shares[:i]) for i in range(VIEWER_PROCESSES)]
    processes = [
        context.Process(
            target=viewers_process,
            args=(
                url,
                path,
                share,
                event,
                stop,
                out,
                watching,
                cookies[start : start + share] if cookies else None,
            ),
            daemon=True,
        )
        for share, start, event in zip(shares, starts, ready, strict=True)
    ]
    for process in processes:
        process.start()
    seen: list[Watched] = []
    try:
        for event, process in zip(ready, processes, strict=True):
            while not event.wait(1):
                if not process.is_alive():
                    raise RuntimeError("a viewers' process failed while joining")
        yield seen
    finally:
        stop.set()
    seen.extend(out.get(timeout=120) for _ in processes)
    for process in processes:
        process.join()


def fan_out(url: str, viewers: int) -> dict:
    poll = fresh_poll("bench-fanout")
    before = web_megabytes(url)
    with sockets_open(url, f"/ws/polls/{poll.slug}/", viewers) as seen:
        per_viewer_kb = (web_megabytes(url) - before) * 1024 / viewers
        votes_per_s = asyncio.run(fan_out_votes(url, f"/polls/{poll.slug}/"))
        time.sleep(3)  # let the last update arrive
    received = [viewer for part in seen for viewer in part.received]
    notices = dict(sum((Counter(part.notices) for part in seen), Counter()))
    versions = sorted({v for viewer in received for v in viewer})
    first_seen = {v: min(viewer[v] for viewer in received if v in viewer) for v in versions}
    on_time = sum(
        1 for viewer in received
        if all(v in viewer and viewer[v] - first_seen[v] <= 1.0 for v in versions)
    )  # fmt: skip
    late = [viewer[v] - first_seen[v] for viewer in received for v in versions if v in viewer]
    late.sort()
    span = first_seen[versions[-1]] - first_seen[versions[0]] if len(versions) > 1 else 0.0
    return {
        "viewers": viewers, "votes_per_s": round(votes_per_s, 1), "updates": len(versions),
        "updates_per_s": round((len(versions) - 1) / span, 1) if span else 0.0,
        "viewers_with_every_update_within_1s": on_time, "target": viewers,
        "dropped": sum(part.dropped for part in seen), "notices": notices,
        "max_spread_ms": ms(late[-1]) if late else 0.0,
        "web_kb_per_viewer": round(per_viewer_kb, 1),
    }  # fmt: skip


def bench_fan_out() -> list[dict]:
    rows = []
    for layer, viewers in FAN_OUTS:
        with web("uvicorn", VOTING_CHANNEL_LAYER=layer) as url, worker(VOTING_CHANNEL_LAYER=layer):
            result = {"layer": layer, **fan_out(url, viewers)}
        rows.append(result)
        print_row("4", result)
    return rows


# --- 6. An event's "next" ---------------------------------------------------------------


async def staff_signed_in(url: str) -> dict[str, str]:
    """The cookies of the bench's presenter, signed in through the admin's login form."""
    pool = HttpPool(url, 1)
    cookies: dict[str, str] = {}
    page = await pool.request("GET", "/admin/login/", cookies=cookies)
    cookies.update(page.cookies)
    match = CSRF_INPUT.search(page.body)
    assert match is not None, "the admin's login page has no CSRF token"
    form = {"csrfmiddlewaretoken": match.group(1).decode(), "next": "/admin/",
            "username": NEXT_PRESENTER, "password": NEXT_PRESENTER * 3}  # fmt: skip
    answer = await pool.request("POST", "/admin/login/", cookies=cookies, form=form)
    pool.close()
    if answer.status != 302:
        raise RuntimeError(f"the presenter's sign-in answered {answer.status}")
    return cookies | answer.cookies


async def moved(url: str, cookies: dict[str, str], slug: str) -> float:
    """The presenter's `next`, as the projector posts it; returns when it was posted."""
    pool = HttpPool(url, 1)
    form = {"csrfmiddlewaretoken": cookies["csrftoken"], "action": "next"}
    posted = time.monotonic()
    answer = await pool.request("POST", f"/events/{slug}/control/", cookies=cookies, form=form)
    pool.close()
    if answer.status != 303:
        raise RuntimeError(f"the presenter's next answered {answer.status}")
    return posted


def postgres_reads() -> tuple[int, int]:
    """Table reads (sequential and index scans) and transactions, as PostgreSQL counts
    them, once every backend has reported (within 10 s of going idle).

    Raw SQL: PostgreSQL's statistics views are not models the ORM knows.
    """
    time.sleep(STATS_SETTLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sum(seq_scan + coalesce(idx_scan, 0)) FROM pg_stat_user_tables")
        scans = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
        transactions = int(cursor.fetchone()[0])
    return scans, transactions


def pictures_given(poll: Poll) -> int:
    """A photograph-sized picture on the poll's question and each option (a noise
    pattern, which compresses as a photograph does); the bytes a phone fetches for them
    (each picture's phone copy)."""
    fetched = 0
    things: list[Poll | Option] = [poll, *poll.options.all()]
    for index, thing in enumerate(things):
        noise = Image.effect_noise((1600, 1200), 40 + index).convert("RGB")
        picture = picture_store(picture_made(noise))
        thing.image, thing.image_alt = picture, f"Picture {index}"
        thing.save(update_fields=["image", "image_alt"])
        fetched += picture.small.size
    return fetched


def next_followed(url: str, audience: int, pictured: bool = False) -> dict:
    """`audience` event pages in its lobby; the presenter moves NEXT_MOVES times. Each
    move's time, from the control's POST to each page's message naming the question
    (with which the page shows it), and PostgreSQL's reads between moves. `pictured`:
    each question and option carries a picture."""
    Event.objects.filter(slug="bench-next").delete()
    polls = [fresh_poll(f"bench-next-{n}", options=4) for n in range(1, NEXT_MOVES + 1)]
    picture_bytes = [pictures_given(poll) for poll in polls] if pictured else [0]
    event = event_create(title="Bench event", polls=polls, slug="bench-next")
    cookies = asyncio.run(staff_signed_in(url))
    posted, scans, transactions = {}, [], []
    with sockets_open(url, f"/ws/events/{event.slug}/", audience, "event") as seen:
        before = postgres_reads()
        for position in range(1, NEXT_MOVES + 1):
            posted[position] = asyncio.run(moved(url, cookies, event.slug))
            time.sleep(3)  # every page has it by now
            after = postgres_reads()
            scans.append(after[0] - before[0])
            transactions.append(after[1] - before[1])
            before = after
    pages = [page for part in seen for page in part.received]
    times = sorted(
        page[position] - posted[position] for page in pages for position in posted
        if position in page
    )  # fmt: skip
    return {
        "audience": audience, "moves": NEXT_MOVES, "pictured": pictured,
        "picture_bytes_per_phone_per_question": max(picture_bytes),
        "p50_ms": ms(percentile(times, 50)), "p95_ms": ms(percentile(times, 95)),
        "max_ms": ms(times[-1]), "target_p95_ms": NEXT_TARGET_P95_MS,
        "missed": audience * NEXT_MOVES - len(times),
        "dropped": sum(part.dropped for part in seen),
        "notices": dict(sum((Counter(part.notices) for part in seen), Counter())),
        "pg_reads_per_next": scans, "pg_transactions_per_next": transactions,
    }  # fmt: skip


def bench_next() -> list[dict]:
    User.objects.filter(username=NEXT_PRESENTER).delete()
    User.objects.create_superuser(NEXT_PRESENTER, "", NEXT_PRESENTER * 3)
    rows = []
    for pictured in (False, True):
        for audience in NEXT_AUDIENCES:
            with web("uvicorn") as url, worker():
                result = next_followed(url, audience, pictured)
            rows.append(result)
            print_row("6", result)
    return rows


# --- 7. Open answers ------------------------------------------------------------------


async def answers_at_rate(url: str, path: str, rate: float) -> tuple[list[float], float]:
    """ANSWER_VOTERS browsers open the poll's page (not timed), then each sends an answer
    on a steady schedule of `rate` a second; when each 303 came, and how long it took."""
    pool = HttpPool(url, 64)
    browsers = await opened_browsers(pool, path, ANSWER_VOTERS)
    accepted: list[float] = []
    started = time.monotonic()

    async def answer(index: int, browser: Browser) -> None:
        await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        text = ANSWER_WORDS[index % len(ANSWER_WORDS)]
        ok, answered = await browser.vote(pool, path, text, field="answer")
        if ok:
            accepted.append(answered)

    await asyncio.gather(*(answer(i, browser) for i, browser in enumerate(browsers)))
    pool.close()
    return accepted, time.monotonic() - started


def open_answers(url: str) -> dict:
    """ANSWER_PASSES rounds of the poll, each of ANSWER_VOTERS new voters' answers, while the
    same pages watch: the figures are the last pass's; the web tier's memory is taken
    before, once the pages have joined, and after each pass (flat: a pass adds nothing)."""
    Poll.objects.filter(slug="bench-answers").delete()
    poll = poll_create(question="One word?", options=[], slug="bench-answers", kind="open")
    memory = [web_megabytes(url)]
    with sockets_open(url, f"/ws/polls/{poll.slug}/", ANSWER_VIEWERS) as seen:
        memory.append(web_megabytes(url))
        for number in range(1, ANSWER_PASSES + 1):
            if number > 1:
                poll_reset(poll=poll)
            since = PollTally.objects.filter(poll=poll).values_list("version", flat=True).first()
            rate = ANSWER_VOTERS / ANSWER_SECONDS
            accepted, seconds = asyncio.run(answers_at_rate(url, f"/polls/{poll.slug}/", rate))
            deadline = time.monotonic() + 60
            counted = RoundTally.objects.filter(poll=poll, round=number, voters__gte=len(accepted))
            while not counted.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            final = PollTally.objects.get(poll=poll).version
            time.sleep(3)  # let the last update arrive
            memory.append(web_megabytes(url))
    received = [viewer for part in seen for viewer in part.received]
    versions = sorted({v for viewer in received for v in viewer if v > (since or 0)})
    first_seen = {v: min(viewer[v] for viewer in received if v in viewer) for v in versions}
    late = sorted(viewer[v] - first_seen[v] for viewer in received for v in versions if v in viewer)
    shown_final = [viewer[final] for viewer in received if final in viewer]
    return {
        "voters": ANSWER_VOTERS, "passes": ANSWER_PASSES, "accepted": len(accepted),
        "answers_per_s": round(len(accepted) / seconds, 1), "viewers": ANSWER_VIEWERS,
        "updates": len(versions), "viewers_with_the_last_count": len(shown_final),
        "last_answer_to_every_page_ms": (
            ms(max(shown_final) - max(accepted)) if shown_final else None
        ),
        "target_ms": ANSWER_TARGET_MS, "max_spread_ms": ms(late[-1]) if late else 0.0,
        "dropped": sum(part.dropped for part in seen),
        "web_mb_before_joined_after_each_pass": [round(mb, 1) for mb in memory],
    }  # fmt: skip


def bench_open_answers() -> list[dict]:
    with web("uvicorn") as url, worker():
        result = open_answers(url)
    print_row("7", result)
    return [result]


# --- 8. A quiz --------------------------------------------------------------------------


async def players_joined(url: str, slug: str, count: int) -> list[Browser]:
    """`count` new browsers that have opened the quiz's page and taken a nickname each."""
    pool = HttpPool(url, 64)
    path = f"/events/{slug}/"
    browsers = await opened_browsers(pool, path, count)

    async def join(index: int, browser: Browser) -> None:
        form = {"csrfmiddlewaretoken": browser.token, "nickname": f"player {index}"}
        answer = await pool.request("POST", path, cookies=browser.cookies, form=form)
        if answer.status != 303:
            raise RuntimeError(f"a nickname was refused: {answer.status}")

    await asyncio.gather(*(join(i, browser) for i, browser in enumerate(browsers)))
    pool.close()
    return browsers


async def quiz_answers(url: str, slug: str, browsers: list[Browser]) -> tuple[int, float]:
    """Each player answers the question once, a third of them wrong, on a steady schedule
    over QUIZ_ANSWER_SECONDS; how many were accepted, and at what rate."""
    pool = HttpPool(url, 64)
    rate = len(browsers) / QUIZ_ANSWER_SECONDS
    accepted = 0
    started = time.monotonic()

    async def answer(index: int, browser: Browser) -> None:
        nonlocal accepted
        await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
        ok, _ = await browser.vote(pool, f"/polls/{slug}/", "o1" if index % 3 else "o0")
        accepted += ok

    await asyncio.gather(*(answer(i, browser) for i, browser in enumerate(browsers)))
    pool.close()
    return accepted, accepted / (time.monotonic() - started)


def quiz(url: str) -> dict:
    """QUIZ_PLAYERS players, each on the quiz's page with a socket of their own, answer
    QUIZ_QUESTIONS questions of QUIZ_SECONDS each. After each deadline every phone is sent
    its own score and place (a message of its own): the figure is how long after the
    deadline each arrives, and the web tier's memory before, with the sockets, and after
    each question (flat: a question adds nothing)."""
    Event.objects.filter(slug="bench-quiz").delete()
    polls = [fresh_poll(f"bench-quiz-{n}", options=3) for n in range(1, QUIZ_QUESTIONS + 1)]
    Option.objects.filter(poll__in=polls, slug="o1").update(correct=True)
    event = event_create(
        title="Bench quiz", polls=polls, slug="bench-quiz", quiz=True, seconds=QUIZ_SECONDS
    )
    browsers = asyncio.run(players_joined(url, event.slug, QUIZ_PLAYERS))
    cookies = ["; ".join(f"{k}={v}" for k, v in browser.cookies.items()) for browser in browsers]
    memory = [web_megabytes(url)]
    deadlines: dict[int, float] = {}
    answered: list[tuple[int, float]] = []
    with sockets_open(url, f"/ws/events/{event.slug}/", QUIZ_PLAYERS, "score", cookies) as seen:
        memory.append(web_megabytes(url))
        for position, poll in enumerate(polls, start=1):
            event_move(event=event, action="next")
            countdown = Countdown.objects.get(poll=poll)
            assert countdown.deadline_ms is not None
            deadlines[position] = time.monotonic() + (countdown.deadline_ms - redis_now_ms()) / 1000
            answered.append(asyncio.run(quiz_answers(url, poll.slug, browsers)))
            time.sleep(max(0.0, deadlines[position] - time.monotonic()) + QUIZ_SETTLE)
            memory.append(web_megabytes(url))
    received = [socket for part in seen for socket in part.received]
    late = sorted(
        socket[position] - deadline
        for socket in received for position, deadline in deadlines.items() if position in socket
    )  # fmt: skip
    scored = [sum(position in socket for socket in received) for position in deadlines]
    return {
        "players": QUIZ_PLAYERS, "questions": QUIZ_QUESTIONS, "seconds": QUIZ_SECONDS,
        "accepted": [n for n, _ in answered],
        "answers_per_s": [round(rate, 1) for _, rate in answered],
        "phones_scored": scored,
        "p50_ms": ms(percentile(late, 50)), "p95_ms": ms(percentile(late, 95)),
        "max_ms": ms(late[-1]), "target_max_ms": QUIZ_TARGET_MS,
        "dropped": sum(part.dropped for part in seen),
        "notices": dict(sum((Counter(part.notices) for part in seen), Counter())),
        "web_mb_before_joined_after_each_question": [round(mb, 1) for mb in memory],
    }  # fmt: skip


def bench_quiz() -> list[dict]:
    with web("uvicorn") as url, worker(scheduler=True):
        result = quiz(url)
    print_row("8", result)
    return [result]


def server_processes(url: str) -> list[psutil.Process]:
    """The processes serving `url`: the server started with its port, and its children."""
    port = url.rsplit(":", 1)[1]
    servers = []
    for process in psutil.process_iter(["cmdline"]):
        args = process.info["cmdline"] or []
        if port in args or any(arg.endswith(f":{port}") for arg in args):
            servers.append(process)
    found = {p.pid: p for server in servers for p in [server, *server.children(recursive=True)]}
    return list(found.values())


def web_megabytes(url: str) -> float:
    """The resident memory of the web tier serving `url`: its server and worker processes."""
    return sum(p.memory_info().rss for p in server_processes(url)) / 2**20


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """The CPU time these processes have used so far (user and system)."""
    total = 0.0
    for process in processes:
        with suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


# --- Report ---------------------------------------------------------------------------------


def print_row(figure: str, row: dict) -> None:
    print(f"({figure}) " + "  ".join(f"{key}={value}" for key, value in row.items()), flush=True)


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


# Rows of the machine's calibration: a plain SQL upsert, which no change of ours touches.
CALIBRATION_ROWS = 20_000


def machine_measured() -> dict:
    """The machine, and its rate of a plain SQL batch upsert (figure 2's, on 20,000 rows):
    machines of one kind differ from day to day by up to two times, and this says how
    fast today's is, so that runs on different days can be compared."""
    t0 = timezone.now()
    rows = [(f"{i:064x}", [1], t0 + timedelta(microseconds=i)) for i in range(CALIBRATION_ROWS)]
    return machine() | {"plain_sql_rows_per_s": round(plain_sql_rate(rows))}


# The figures, in the order `make bench` runs them: name, what it measures, and how (the
# drain's target is 3x figure 1's rate, so it reads the results so far).
FIGURES: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "http": ("1. vote POSTs per second, and web CPU per vote", lambda _: bench_http()),
    "drain": ("2. votes persisted per second from a 100,000-vote backlog", bench_drain),
    "latency": ("3. vote-to-browser latency at steady rates", lambda _: bench_latency()),
    "fan_out": ("4. WebSocket viewers of one poll", lambda _: bench_fan_out()),
    "redis_memory": ("5. Redis's memory with 100,000 voters", lambda _: bench_redis_memory()),
    "next": ("6. an event's next, to 1,000 and 10,000 pages", lambda _: bench_next()),
    "open_answers": ("7. 10,000 open answers, 1,000 word clouds", lambda _: bench_open_answers()),
    "quiz": ("8. a quiz's scores to 10,000 players", lambda _: bench_quiz()),
}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    listed = "\n".join(f"  {name:<13} {what}" for name, (what, _run) in FIGURES.items())
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="The pipeline's figures, printed beside their targets and written to\n"
        "bench/results.json (figures run alone keep the others from the run before).",
        epilog=f"figures:\n{listed}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("figures", nargs="*", metavar="FIGURE", help="default: all of them")
    parsed = parser.parse_args(argv)
    unknown = [name for name in parsed.figures if name not in FIGURES]
    if unknown:
        parser.error(f"no figure {unknown[0]!r}: the figures are {', '.join(FIGURES)}")
    return parsed


def main(argv: list[str] | None = None) -> None:
    wanted = arguments(argv).figures or list(FIGURES)  # before any server starts
    with embedded.serving():
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)  # the pages' hashed names
        redis_client().flushdb()
        measured = machine_measured()
        print(f"machine: {measured}")
        # Some figures only: the file keeps the others from the run before.
        partial = wanted != list(FIGURES)
        kept = json.loads(RESULTS.read_text()) if partial and RESULTS.exists() else {}
        results: dict[str, Any] = kept | {"machine": measured}
        for name in wanted:  # written after each figure: a later failure keeps the rest
            results[name] = FIGURES[name][1](results)
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"written to {RESULTS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
