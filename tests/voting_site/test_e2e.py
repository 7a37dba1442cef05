"""The site-wide parts against real web and worker processes: the readiness probe
with PostgreSQL gone, and the metrics added up over two web processes and the worker."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import httpx
import pytest
import websockets
from websockets.typing import Origin

from polls.models import Vote
from polls.simulator import simulate
from polls.stream import VOTE_STREAM
from tests.support.pages import samples
from tests.support.processes import asgi_server, rq_worker, wait_until
from voting_site.processes import free_port


@pytest.mark.django_db
def test_readyz_names_postgres_when_it_is_down():
    with asgi_server(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/votes") as url:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{url}/readyz")
        with urllib.request.urlopen(f"{url}/healthz") as live:
            assert live.status == 200

    assert answer.value.code == 503
    assert json.load(answer.value) == {
        "status": "unavailable",
        "down": ["postgres"],
        "checks": {"postgres": "down", "redis": "ok", "migrations": "unknown"},
    }


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_metrics_add_up_over_two_web_processes_and_the_worker(site_url, poll, redis_db):
    async def scenario(first: str, second: str) -> str:
        sockets = [
            await websockets.connect(
                url.replace("http", "ws") + "/ws/polls/cats-vs-dogs/", origin=Origin(url)
            )
            for url in (first, second)
        ]
        for url in (first, second):
            assert (
                await simulate(url=url, poll="cats-vs-dogs", votes=3, concurrency=3)
            ).accepted == 3
        await asyncio.to_thread(wait_until, lambda: Vote.objects.count() == 6)
        async with httpx.AsyncClient() as scraper:
            while True:  # each process reports its viewers every second
                text = (await scraper.get(f"{first}/metrics")).text
                got = samples(text)
                if got["voting_viewers"] == 2 and got["voting_votes_counted_total"] == 6:
                    break
                await asyncio.sleep(0.1)
        for socket in sockets:
            await socket.close()
        return text

    with asgi_server() as second, rq_worker():
        got = samples(asyncio.run(scenario(site_url, second)))

    assert got["voting_votes_accepted_total"] == 6
    assert got["voting_votes_counted_total"] == 6
    assert got["voting_viewers"] == 2
    assert redis_db.xlen(VOTE_STREAM) == 0
