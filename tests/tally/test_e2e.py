"""The whole pipeline: browsers vote over HTTP, a real worker counts, a viewer's WebSocket moves."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from channels_redis.core import RedisChannelLayer
from django.utils import timezone
from websockets.typing import Origin

from polls.models import Vote
from polls.simulator import simulate
from polls.stream import VOTE_STREAM
from tests.support.pages import form_post_async
from tests.support.processes import LIBFAKETIME, asgi_server, rq_worker, wait_until, web_process
from tests.tally.conftest import next_results, tallies


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_a_viewer_receives_the_results_of_votes_cast_over_http(site_url, poll, redis_db):
    async def watch_and_vote(site_url: str) -> list[dict]:
        socket_url = site_url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=Origin(site_url)) as viewer:
            messages = [await next_results(viewer)]
            report = await simulate(
                url=site_url,
                poll="cats-vs-dogs",
                votes=30,
                concurrency=10,
                split={"cats": 2, "dogs": 1},
            )
            assert report.accepted == 30
            while messages[-1]["total"] < 30:
                messages.append(await next_results(viewer))
        return messages

    with rq_worker():
        messages = asyncio.run(watch_and_vote(site_url))

    first, last = messages[0], messages[-1]
    assert (first["type"], first["total"]) == ("results", 0)
    assert last["type"] == "results"
    assert {o["slug"]: o["votes"] for o in last["options"]} == {"cats": 20, "dogs": 10}
    versions = [message["version"] for message in messages]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


@pytest.mark.parametrize("layer", ["core", "pubsub"])
@pytest.mark.django_db(transaction=True)
def test_a_viewer_left_idle_keeps_its_socket_and_gets_the_next_update(poll, redis_db, layer):
    # Longer than the core layer's blocking read, which once ended every idle socket.
    idle = RedisChannelLayer.brpop_timeout + 2

    async def idle_then_vote(url: str) -> list[dict]:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=Origin(url)) as viewer:
            messages = [await next_results(viewer)]
            await asyncio.sleep(idle)
            await simulate(url=url, poll="cats-vs-dogs", votes=1, concurrency=1)
            messages.append(await next_results(viewer))
        return messages

    with asgi_server(VOTING_CHANNEL_LAYER=layer) as url, rq_worker(VOTING_CHANNEL_LAYER=layer):
        first, update = asyncio.run(idle_then_vote(url))

    assert (first["total"], update["total"]) == (0, 1)


@pytest.mark.parametrize("layer", ["core", "pubsub"])
@pytest.mark.django_db(transaction=True)
def test_after_a_redis_outage_viewers_get_the_new_votes(poll, redis_db, redis_link, layer):
    """Redis goes away and comes back: the results move again, nothing restarted.

    The web process reaches Redis through a link the test cuts. On the core
    layer the server closes the viewers' sockets (1011) and the page reconnects;
    on Pub/Sub the sockets stay open and the layer subscribes again. The viewer
    here does what the page does: it reconnects when its socket is closed.
    """

    async def outage_then_vote(url: str) -> dict:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"

        async def viewer() -> websockets.ClientConnection:
            while True:
                try:
                    return await websockets.connect(socket_url, origin=Origin(url))
                except (OSError, websockets.InvalidStatus, websockets.InvalidMessage):
                    await asyncio.sleep(0.5)

        socket = await viewer()
        assert (await next_results(socket))["total"] == 0
        redis_link.cut()
        async with httpx.AsyncClient(base_url=url) as browser:
            # The outage is real: the web process finds Redis gone.
            while "redis" not in (await browser.get("/readyz")).json()["down"]:
                await asyncio.sleep(0.1)
        redis_link.restore()
        report = await simulate(url=url, poll="cats-vs-dogs", votes=2, concurrency=1)
        assert report.accepted == 2
        while True:  # pytest-timeout ends it, should the votes never show
            try:
                message = await next_results(socket)
            except websockets.ConnectionClosed:
                socket = await viewer()
                continue
            if message["total"] == 2:
                await socket.close()
                return message

    with (
        asgi_server(REDIS_URL=redis_link.url, VOTING_CHANNEL_LAYER=layer) as url,
        rq_worker(VOTING_CHANNEL_LAYER=layer),
    ):
        last = asyncio.run(outage_then_vote(url))

    assert last["total"] == 2


@pytest.mark.django_db(transaction=True)
def test_the_later_cast_wins_though_its_web_process_clock_is_minutes_behind(poll, redis_db):
    if LIBFAKETIME is None:
        pytest.skip("no libfaketime: apt-get install faketime")
    behind: dict[str, Any] = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME": "-5m",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }

    async def cast(browser: httpx.AsyncClient, url: str, option: str) -> None:
        answer = await form_post_async(browser, f"{url}/polls/cats-vs-dogs/", {"option": option})
        assert answer.status_code == 303, answer.text[:1000]

    async def cats_then_dogs(right: str, slow: str) -> None:
        async with httpx.AsyncClient() as browser:  # one browser: its cookies go to both
            await cast(browser, right, "cats")
            await cast(browser, slow, "dogs")

    with asgi_server() as right, asgi_server(**behind) as slow:
        asyncio.run(cats_then_dogs(right, slow))
        with rq_worker():
            wait_until(lambda: Vote.objects.exists() and not redis_db.xlen(VOTE_STREAM))

    vote = Vote.objects.get()
    assert vote.choices == [poll.options.get(slug="dogs").pk]
    # The clock was behind indeed: the winning cast says it came minutes before.
    assert timezone.now() - vote.cast_at > timedelta(minutes=4)
    assert tallies(poll) == {"cats": 0, "dogs": 1}


@pytest.mark.parametrize("layer", ["core", "pubsub"])
@pytest.mark.django_db(transaction=True)
def test_sockets_opened_right_after_and_during_a_redis_outage(
    poll, redis_db, redis_link, layer, tmp_path
):
    """The first socket after Redis is back opens: every Redis client retries a pooled
    connection that died with it (Redis's container removed and started again: the
    connection is reset when next used). While Redis is gone a socket is refused
    cleanly, with a close code the page knows (1013: try again later) and a line of
    log, not a 500 and a traceback."""

    async def outage(url: str, end=redis_link.cut) -> None:
        await asyncio.sleep(0.5)  # the web process is done with the socket it had
        end()
        async with httpx.AsyncClient(base_url=url) as browser:
            while "redis" not in (await browser.get("/readyz")).json()["down"]:
                await asyncio.sleep(0.1)

    async def after_and_during(url: str) -> tuple[dict, int | None, dict, int]:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=Origin(url)) as viewer:
            await viewer.recv()  # the pooled connections are made, and used
        await outage(url, end=redis_link.vanish)
        redis_link.restore()
        async with websockets.connect(socket_url, origin=Origin(url)) as viewer:
            right_after = json.loads(await viewer.recv())
        await outage(url)
        async with websockets.connect(socket_url, origin=Origin(url)) as refused:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await refused.recv()
        redis_link.restore()
        async with websockets.connect(socket_url, origin=Origin(url)) as viewer:
            back = json.loads(await viewer.recv())
        async with httpx.AsyncClient(base_url=url) as browser:
            hits = (await browser.get("/hits/")).status_code
        return right_after, closed.value.rcvd.code if closed.value.rcvd else None, back, hits

    with web_process(
        server="uvicorn", log=tmp_path / "web.log", REDIS_URL=redis_link.url,
        VOTING_CHANNEL_LAYER=layer,
    ) as web:  # fmt: skip
        right_after, code, back, hits = asyncio.run(asyncio.wait_for(after_and_during(web.url), 60))
        log = web.log_text()

    assert right_after["type"] == back["type"] == "poll"
    assert code == 1013
    assert hits == 200
    assert "Traceback" not in log, log
