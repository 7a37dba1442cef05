"""Abuse limits against a real web process: a classroom behind one address votes under
the defaults; sockets per address are limited, under uvicorn and daphne alike."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.typing import Origin

from polls.simulator import simulate
from polls.stream import VOTE_STREAM
from tests.support.processes import asgi_server


@pytest.mark.django_db(transaction=True)
def test_a_classroom_of_300_behind_one_address_votes_within_a_minute_under_the_defaults(
    poll, redis_db
):
    defaults: dict[str, Any] = {
        "VOTING_RATE_NEW_VOTERS": "600/m",
        "VOTING_RATE_VOTES": "30/m",
        "VOTING_RATE_SOCKETS": "1200/m",
    }
    with asgi_server(**defaults) as url:
        report = asyncio.run(simulate(url=url, poll="cats-vs-dogs", votes=300, concurrency=30))

    assert report.accepted == 300, report.statuses
    assert redis_db.xlen(VOTE_STREAM) == 300


@pytest.mark.django_db(transaction=True)
def test_sockets_per_address_are_limited_with_429_and_retry_after(poll, redis_db):
    async def scenario(url: str) -> websockets.InvalidStatus:
        sockets = await open_sockets(url, 2)
        with pytest.raises(websockets.InvalidStatus) as refused:
            await open_sockets(url, 1)
        for socket in sockets:
            await socket.close()
        return refused.value

    # uvicorn (the image's server) lets the handshake be answered with a status.
    with asgi_server(server="uvicorn", VOTING_RATE_SOCKETS="2/m") as url:
        refused = asyncio.run(scenario(url))

    assert refused.response.status_code == 429
    assert 1 <= int(refused.response.headers["Retry-After"]) <= 60


@pytest.mark.django_db(transaction=True)
def test_under_daphne_a_socket_over_the_limit_is_closed_with_when_to_come_back(poll, redis_db):
    async def scenario(url: str) -> tuple[dict, websockets.ConnectionClosed]:
        sockets = await open_sockets(url, 3)
        told = json.loads(await sockets[2].recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await sockets[2].recv()
        for socket in sockets[:2]:
            await socket.close()
        return told, closed.value

    with asgi_server(VOTING_RATE_SOCKETS="2/m") as url:
        told, closed = asyncio.run(scenario(url))

    assert told["type"] == "limited" and 1 <= told["retry_after"] <= 60
    assert closed.rcvd.code == 4429


async def open_sockets(url: str, count: int) -> list[websockets.ClientConnection]:
    socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
    return [await websockets.connect(socket_url, origin=Origin(url)) for _ in range(count)]
