"""Results: the JSON contract, the page, and the WebSocket consumer."""

from __future__ import annotations

from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from tally.ingest import casts_apply
from tally.publish import (
    PUBLISH_INTERVAL,
    SENDS_PER_SECOND,
    VIEWERS_RECOUNT,
    ResultsPublisher,
    poll_group,
    results_message,
)
from tests.tally.conftest import at, cast
from voting_site.asgi import application
from voting_site.metrics import VIEWERS_PREFIX

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def counted(poll, voter: str, slug: str, seconds: float) -> None:
    option = poll.options.get(slug=slug).pk
    entry_id = f"{int(seconds * 1000)}-0"
    casts_apply([cast(entry_id, poll.pk, poll.round, (option,), voter, at(seconds))])


@pytest.mark.django_db
def test_the_json_results_follow_the_contract(client, poll):
    for voter, slug in [("a", "cats"), ("b", "cats"), ("c", "dogs")]:
        counted(poll, voter, slug, 1)

    response = client.get("/api/polls/cats-vs-dogs/results")

    assert response.status_code == 200
    assert response.json() == {
        "fingerprint": None,  # until the poll closes and its log is sealed
        "poll": "cats-vs-dogs",
        "question": "Cats or dogs?",
        "kind": "single",
        "state": "open",
        "is_open": True,
        "visible": True,
        "round": 1,
        "total": 3,
        "voters": 3,
        "version": 3,
        "options": [
            {"slug": "cats", "label": "Cats", "votes": 2, "percent": 66.7},
            {"slug": "dogs", "label": "Dogs", "votes": 1, "percent": 33.3},
        ],
    }


@pytest.mark.django_db
def test_results_before_any_vote_are_zero(client, poll):
    body = client.get("/api/polls/cats-vs-dogs/results").json()

    assert (body["total"], body["version"]) == (0, 0)
    assert [o["percent"] for o in body["options"]] == [0.0, 0.0]


@pytest.mark.django_db
def test_unknown_poll_results_are_404(client):
    assert client.get("/api/polls/nope/results").status_code == 404
    assert client.get("/polls/nope/results/").status_code == 404


@pytest.mark.django_db
def test_the_results_page_renders_the_numbers_without_javascript(client, poll):
    counted(poll, "a", "dogs", 1)

    page = client.get("/polls/cats-vs-dogs/results/").content.decode()

    assert 'data-option="dogs"' in page
    assert "<span data-votes>1</span> · <span data-percent>100.0%</span>" in page
    assert 'data-socket="/ws/polls/cats-vs-dogs/"' in page
    assert "live." in page and ".js" in page  # the live script, served by the project


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY


async def connect(path: str, origin: str = "http://localhost") -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", origin.encode()), (b"host", b"localhost")]
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_consumer_sends_results_on_connect_then_newer_updates_only(in_memory_layer, poll):
    socket = await connect("/ws/polls/cats-vs-dogs/")
    connected, _ = await socket.connect()
    assert connected
    state = await socket.receive_json_from()
    assert state == {"type": "poll", "state": "open", "round": 1, "visible": True}
    first = await socket.receive_json_from()
    assert (first["type"], first["poll"], first["total"], first["version"]) == (
        "results",
        "cats-vs-dogs",
        0,
        0,
    )

    layer = get_channel_layer()
    newer: Any = {**first, "total": 5, "version": 7}
    older: Any = {**first, "total": 4, "version": 6}
    await layer.group_send(poll_group(poll.pk), results_message(newer))
    await layer.group_send(poll_group(poll.pk), results_message(older))

    assert (await socket.receive_json_from())["version"] == 7
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_consumer_closes_for_an_unknown_poll(in_memory_layer):
    socket = await connect("/ws/polls/nope/")
    connected, code = await socket.connect()

    assert not connected
    assert code == 4404
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_another_site_is_refused(in_memory_layer, poll):
    socket = await connect("/ws/polls/cats-vs-dogs/", origin="https://evil.example")
    connected, _ = await socket.connect()

    assert not connected
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_viewers_are_told_when_counting_is_paused(in_memory_layer, poll):
    socket = await connect("/ws/polls/cats-vs-dogs/")
    await socket.connect()
    await socket.receive_json_from()  # the poll's state
    await socket.receive_json_from()  # its results

    await get_channel_layer().group_send(poll_group(poll.pk), {"type": "results.stale"})

    assert await socket.receive_json_from() == {"type": "stale"}
    await socket.disconnect()


def test_with_many_viewers_updates_come_less_often_so_each_viewer_gets_every_one(redis_db):
    publisher = ResultsPublisher(redis_db)
    assert publisher.interval() == PUBLISH_INTERVAL  # nobody watching yet

    # Two web processes' heartbeats report their sockets.
    redis_db.set(VIEWERS_PREFIX + "web-1", 6_000, ex=5)
    redis_db.set(VIEWERS_PREFIX + "web-2", 4_000, ex=5)
    publisher.viewers_counted -= VIEWERS_RECOUNT  # as if a second had passed

    assert publisher.interval() == 10_000 / SENDS_PER_SECOND
    assert publisher._claim(1)
    assert not publisher._claim(1)  # held back for the whole, longer interval
    assert redis_db.pttl("results:published:1") > PUBLISH_INTERVAL * 1000
