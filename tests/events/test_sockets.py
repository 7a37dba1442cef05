"""The event's sockets: where it stands on connect and on every move, the shown question's
state and results as its poll's socket gives them, and how many pages follow; on the real
Redis channel layer."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from events.models import Event
from events.services import event_move
from polls.models import Poll
from voting_site.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


async def opened(path: str, cookie: str = "") -> WebsocketCommunicator:
    headers = [*HEADERS, *([(b"cookie", cookie.encode())] if cookie else [])]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


def browser_cookie() -> str:
    """The voter cookie a browser gets from the event's page, as a Cookie header."""
    browser = Client()
    browser.get("/events/week3/")
    return "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items())


async def test_open_sockets_from_one_address_are_capped(redis_db, event, settings):
    settings.VOTING_SOCKETS_PER_ADDRESS = 2
    sockets = [await opened("/ws/events/week3/") for _ in range(2)]

    third = WebsocketCommunicator(application, "/ws/events/week3/", headers=HEADERS)
    connected, _ = await third.connect()
    assert connected  # accepted, then closed: the page tries again later
    assert (await third.receive_output(timeout=5))["code"] == 1013
    await sockets[0].disconnect()
    fourth = await opened("/ws/events/week3/")  # one closed: room for another
    for socket in (sockets[1], fourth):
        await socket.disconnect()


async def move(event: Event, action: str, **kwargs: int) -> None:
    await sync_to_async(event_move)(event=await Event.objects.aget(pk=event.pk), action=action,
                                    **kwargs)  # fmt: skip


async def test_an_audience_page_follows_the_presenter(redis_db, event):
    socket = await opened("/ws/events/week3/")
    assert await socket.receive_json_from() == {
        "type": "event", "stage": "lobby", "position": None, "count": 3, "poll": None,
        "state": None,
    }  # fmt: skip

    await move(event, "next")

    shown = await socket.receive_json_from()
    state = await socket.receive_json_from()
    results = await socket.receive_json_from()
    assert (shown["stage"], shown["position"], shown["poll"], shown["state"]) == (
        "question", 1, "colour", "open"
    )  # fmt: skip
    assert (state["type"], state["state"], state["visible"]) == ("poll", "open", True)
    assert (results["type"], results["poll"], results["total"]) == ("results", "colour", 0)

    await move(event, "end")
    closed = await socket.receive_json_from()  # the move closed the question left…
    while (ended := await socket.receive_json_from())["type"] != "event":
        assert ended["type"] == "results"  # …which sends its results along
    assert (closed["type"], closed["state"]) == ("poll", "closed")
    assert (ended["stage"], ended["poll"]) == ("ended", None)
    await socket.disconnect()


async def test_a_move_made_as_a_page_connects_is_where_the_page_ends(redis_db, event, monkeypatch):
    """The move is made after the socket read where the event stands and before it sent
    that: its news arrives first, and must not be undone by the older read."""
    from events.consumers import EventConsumer

    votes_of = EventConsumer.votes_of

    async def moved_meanwhile(self, polls):  # type: ignore[no-untyped-def]
        await move(event, "next")
        for _ in range(200):  # until the move's news has reached this socket
            if getattr(self, "arriving", None) or self.outbox.queued:
                break
            await asyncio.sleep(0.01)
        return await votes_of(self, polls)

    monkeypatch.setattr(EventConsumer, "votes_of", moved_meanwhile)
    socket = await opened("/ws/events/week3/")
    stages = []
    while not (await socket.receive_nothing(timeout=0.5)):
        message = await socket.receive_json_from()
        if message["type"] == "event":
            stages.append(message["stage"])
    await socket.disconnect()

    assert stages[0] == "lobby" and stages[-1] == "question"


async def test_a_question_whose_results_wait_sends_no_counts(redis_db, event):
    await Poll.objects.filter(slug="rate").aupdate(results_visibility="revealed")
    socket = await opened("/ws/events/week3/")
    await socket.receive_json_from()

    await move(event, "goto", position=2)

    assert (await socket.receive_json_from())["poll"] == "rate"
    state = await socket.receive_json_from()
    assert (state["type"], state["visible"]) == ("poll", False)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_page_opened_on_a_question_gets_it_at_once(redis_db, event):
    await move(event, "goto", position=3)

    socket = await opened("/ws/events/week3/")

    assert (await socket.receive_json_from())["poll"] == "rank"
    assert (await socket.receive_json_from())["type"] == "poll"
    await socket.disconnect()


async def test_an_unknown_event_closes_its_socket(redis_db, db):
    socket = WebsocketCommunicator(application, "/ws/events/nope/", headers=HEADERS)
    connected, code = await socket.connect()

    assert (connected, code) == (False, 4404)


async def test_the_presenters_socket_says_where_it_stands_and_how_many_follow(
    redis_db, event, admin_user
):
    staff = Client()
    await sync_to_async(staff.force_login)(admin_user)
    ada, bob = [await sync_to_async(browser_cookie)() for _ in range(2)]
    # Two phones: Ada's in two tabs, and Bob's; sockets with no voter cookie are none.
    phones = [await opened("/ws/events/week3/", cookie=c) for c in (ada, ada, bob, "", "")]
    presenter = await opened(
        "/ws/events/week3/present/", cookie=f"sessionid={staff.cookies['sessionid'].value}"
    )

    assert (await presenter.receive_json_from())["stage"] == "lobby"
    counts: list[int] = []
    while not counts or counts[-1] != 2:  # said within a second or two
        message = await presenter.receive_json_from(timeout=5)
        if message["type"] == "pages":
            counts.append(message["count"])
    await move(event, "next")
    assert (await presenter.receive_json_from(timeout=5))["position"] == 1
    for socket in [*phones, presenter]:
        await socket.disconnect()


async def test_the_presenters_socket_is_staff_only(redis_db, event):
    socket = WebsocketCommunicator(application, "/ws/events/week3/present/", headers=HEADERS)
    connected, code = await socket.connect()

    assert (connected, code) == (False, 4403)


async def test_a_host_removed_is_refused_within_a_second_with_no_move(redis_db, event):
    from django.contrib.auth.models import User

    from events.models import EventHost

    def host() -> str:
        user = User.objects.create_user("bo", password="x" * 12)
        EventHost.objects.create(event=event, user=user, role="moderator")
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    socket = await opened("/ws/events/week3/present/", cookie=await sync_to_async(host)())
    assert (await socket.receive_json_from())["type"] == "event"
    await EventHost.objects.filter(user__username="bo").adelete()

    while (message := await socket.receive_output(timeout=3))["type"] != "websocket.close":
        assert message["type"] == "websocket.send"  # the counts it had a right to, before
    assert message["code"] == 4403
