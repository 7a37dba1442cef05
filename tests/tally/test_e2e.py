"""The whole pipeline: browsers vote over HTTP, a real worker counts, a viewer's WebSocket moves."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from channels_redis.core import RedisChannelLayer

from polls.simulator import simulate
from tests.conftest import asgi_server, rq_worker


@pytest.mark.django_db(transaction=True)  # the processes must see the poll
def test_a_viewer_receives_the_results_of_votes_cast_over_http(poll, redis_db):
    async def watch_and_vote(url: str) -> list[dict]:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=url) as viewer:
            messages = [json.loads(await viewer.recv())]
            report = await simulate(
                url=url, poll="cats-vs-dogs", votes=30, concurrency=10, split={"cats": 2, "dogs": 1}
            )
            assert report.accepted == 30
            while messages[-1]["total"] < 30:
                messages.append(json.loads(await asyncio.wait_for(viewer.recv(), timeout=30)))
        return messages

    with asgi_server() as url, rq_worker():
        messages = asyncio.run(watch_and_vote(url))

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
        async with websockets.connect(socket_url, origin=url) as viewer:
            messages = [json.loads(await viewer.recv())]
            await asyncio.sleep(idle)
            await simulate(url=url, poll="cats-vs-dogs", votes=1, concurrency=1)
            messages.append(json.loads(await asyncio.wait_for(viewer.recv(), timeout=30)))
        return messages

    with asgi_server(VOTING_CHANNEL_LAYER=layer) as url, rq_worker(VOTING_CHANNEL_LAYER=layer):
        first, update = asyncio.run(idle_then_vote(url))

    assert (first["total"], update["total"]) == (0, 1)
