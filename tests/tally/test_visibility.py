"""Results visibility: while hidden from a requester, no count leaves the server, on the
page, the JSON or the WebSocket; every open page hears of a change of the poll."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from polls.models import Poll
from polls.services import poll_control
from tally.ingest import casts_apply
from tests.support.pages import csrf_token
from tests.tally.conftest import at, cast
from voting_site.asgi import application

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
HIDDEN_OPTIONS = [{"slug": "cats", "label": "Cats"}, {"slug": "dogs", "label": "Dogs"}]


@pytest.fixture
def counted(poll, redis_db):
    """The poll with one counted vote for cats."""
    casts_apply([cast("1-0", poll.pk, 1, (poll.options.get(slug="cats").pk,), "ann", at(1))])
    return poll


def with_rule(poll: Poll, rule: str) -> Poll:
    poll.results_visibility = rule
    poll.save()
    return poll


def results_json(client: Client | None = None) -> dict:
    return (client or Client()).get("/api/polls/cats-vs-dogs/results").json()


def assert_hidden(body: dict) -> None:
    assert (body["visible"], body["total"], body["options"]) == (False, None, HIDDEN_OPTIONS)
    assert (body["voters"], body["version"]) == (None, None)  # nor the turnout


@pytest.mark.django_db
def test_always_shows_the_counts(counted):
    body = results_json()

    assert (body["visible"], body["total"], body["state"]) == (True, 1, "open")


@pytest.mark.django_db
def test_revealed_hides_the_counts_until_the_presenter_reveals_them(counted):
    with_rule(counted, "revealed")
    assert_hidden(results_json())
    page = Client().get("/polls/cats-vs-dogs/results/").content.decode()
    assert "<span data-votes>1</span>" not in page and "data-votes>1<" not in page
    assert "The results appear here when the presenter shows them." in page

    poll_control(poll=counted, action="reveal")
    assert results_json()["total"] == 1
    assert (
        "<span data-votes>1</span>" in Client().get("/polls/cats-vs-dogs/results/").content.decode()
    )

    poll_control(poll=counted, action="hide")
    assert_hidden(results_json())


@pytest.mark.django_db
def test_hidden_results_do_not_tell_the_turnout_by_their_version(counted):
    with_rule(counted, "revealed")
    before = Client().get("/polls/cats-vs-dogs/results/").content.decode()
    dogs = counted.options.get(slug="dogs").pk
    casts_apply([cast(f"{n}-1", counted.pk, 1, (dogs,), f"voter {n}", at(n)) for n in (2, 3)])

    after = Client().get("/polls/cats-vs-dogs/results/").content.decode()

    assert_hidden(results_json())
    assert 'data-version=""' in before
    assert before == after.replace(csrf_token(after), csrf_token(before))


@pytest.mark.django_db
def test_closed_shows_the_counts_once_the_poll_is_closed(counted):
    with_rule(counted, "closed")
    assert_hidden(results_json())

    poll_control(poll=counted, action="close")

    body = results_json()
    assert (body["visible"], body["total"], body["state"]) == (True, 1, "closed")


@pytest.mark.django_db
def test_voted_shows_the_counts_to_a_browser_once_it_has_voted(counted):
    with_rule(counted, "voted")
    voter, other = Client(), Client()
    for browser in (voter, other):
        browser.get("/polls/cats-vs-dogs/")
    assert_hidden(results_json(voter))

    assert voter.post("/polls/cats-vs-dogs/", {"option": "dogs"}).status_code == 303

    assert results_json(voter)["visible"] is True  # queued is enough: the count follows
    assert_hidden(results_json(other))
    page = other.get("/polls/cats-vs-dogs/results/").content.decode()
    assert "The results appear here once you have voted." in page


@pytest.mark.django_db
def test_a_reset_hides_revealed_results_again_and_starts_from_zero(counted):
    with_rule(counted, "revealed")
    poll_control(poll=counted, action="reveal")

    poll_control(poll=counted, action="reset")

    assert_hidden(results_json())
    poll_control(poll=counted, action="reveal")
    body = results_json()
    assert (body["round"], body["total"]) == (2, 0)


# --- The WebSocket ----------------------------------------------------------------------


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY


async def viewer(path: str = "/ws/polls/cats-vs-dogs/", cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_hidden_poll_sends_state_only_until_revealed(in_memory_layer, counted):
    from asgiref.sync import sync_to_async

    await sync_to_async(with_rule)(counted, "revealed")
    socket = await viewer()
    assert await socket.receive_json_from() == {
        "type": "poll", "state": "open", "round": 1, "visible": False
    }  # fmt: skip
    assert await socket.receive_nothing(timeout=0.2)

    from tally.publish import results_for, results_message

    snapshot = await sync_to_async(results_for)(poll=counted)
    await get_channel_layer().group_send(
        f"poll.{counted.pk}", results_message({**snapshot, "version": 99})
    )
    assert await socket.receive_nothing(timeout=0.2)  # a vote's update: not for this viewer

    await sync_to_async(poll_control)(poll=counted, action="reveal")  # published on commit

    state = await socket.receive_json_from()
    results = await socket.receive_json_from()
    assert (state["type"], state["visible"]) == ("poll", True)
    assert (results["type"], results["total"]) == ("results", 1)
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_close_reaches_an_open_socket(in_memory_layer, counted):
    from asgiref.sync import sync_to_async

    socket = await viewer()
    await socket.receive_json_from()
    await socket.receive_json_from()

    await sync_to_async(poll_control)(poll=counted, action="close")

    state = await socket.receive_json_from()
    assert (state["type"], state["state"], state["visible"]) == ("poll", "closed", True)
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_voted_counts_reach_the_socket_of_a_browser_that_has_voted(in_memory_layer, counted):
    from asgiref.sync import sync_to_async

    await sync_to_async(with_rule)(counted, "voted")
    voter = Client()
    await sync_to_async(voter.get)("/polls/cats-vs-dogs/")
    await sync_to_async(voter.post)("/polls/cats-vs-dogs/", {"option": "dogs"})
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in voter.cookies.items())

    theirs, anyone = await viewer(cookie=cookie), await viewer()

    assert (await theirs.receive_json_from())["visible"] is True
    assert (await theirs.receive_json_from())["type"] == "results"
    assert (await anyone.receive_json_from())["visible"] is False
    assert await anyone.receive_nothing(timeout=0.2)

    await sync_to_async(poll_control)(poll=counted, action="reset")
    assert (await theirs.receive_json_from())["visible"] is False  # not voted in the new round
    assert await theirs.receive_nothing(timeout=0.2)
    await theirs.disconnect()
    await anyone.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_presenter_socket_is_staff_only_and_always_has_the_counts(
    in_memory_layer, counted, admin_user
):
    from asgiref.sync import sync_to_async

    await sync_to_async(with_rule)(counted, "revealed")
    anonymous = WebsocketCommunicator(
        application,
        "/ws/polls/cats-vs-dogs/present/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, code = await anonymous.connect()
    assert (connected, code) == (False, 4403)

    staff = Client()
    await sync_to_async(staff.force_login)(admin_user)
    cookie = f"sessionid={staff.cookies['sessionid'].value}"
    socket = await viewer("/ws/polls/cats-vs-dogs/present/", cookie=cookie)

    state = await socket.receive_json_from()
    assert (state["visible"], state["public"]) == (True, False)
    assert (await socket.receive_json_from())["total"] == 1
    await socket.disconnect()


@pytest.mark.parametrize(
    "origin", ["http://localhost:1", "https://localhost", "http://evil.example", None]
)
@pytest.mark.parametrize("path", ["/ws/polls/cats-vs-dogs/present/", "/ws/polls/cats-vs-dogs/"])
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_another_origin_is_refused(
    in_memory_layer, counted, admin_user, origin, path
):
    """Scheme, host and port, as Django's CSRF check compares a form's origin."""
    from asgiref.sync import sync_to_async

    staff = Client()
    await sync_to_async(staff.force_login)(admin_user)
    headers = [
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={staff.cookies['sessionid'].value}".encode()),
    ]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)

    connected, _ = await socket.connect()

    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_presenters_socket_closes_when_the_presenter_signs_out(
    in_memory_layer, counted, admin_user
):
    from asgiref.sync import sync_to_async

    from tally.publish import results_for, results_message

    await sync_to_async(with_rule)(counted, "revealed")
    staff = Client()
    await sync_to_async(staff.force_login)(admin_user)
    socket = await viewer(
        "/ws/polls/cats-vs-dogs/present/", cookie=f"sessionid={staff.cookies['sessionid'].value}"
    )
    await socket.receive_json_from()  # the state
    await socket.receive_json_from()  # the counts

    await sync_to_async(staff.post)("/admin/logout/")
    snapshot = await sync_to_async(results_for)(poll=counted)
    await get_channel_layer().group_send(
        f"poll.{counted.pk}", results_message({**snapshot, "version": 99})
    )

    assert (await socket.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}


@pytest.mark.parametrize("moved", [True, False], ids=["at the next message", "with none"])
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_presenters_socket_closes_when_the_right_to_present_is_taken_away(
    in_memory_layer, counted, django_user_model, moved
):
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Permission

    from polls.models import PollHost

    def presenter() -> Client:
        user = django_user_model.objects.create_user("presenter", password="x" * 12)
        user.user_permissions.add(Permission.objects.get(codename="change_poll"))
        PollHost.objects.create(poll=counted, user=user, role="moderator")
        client = Client()
        client.force_login(user)
        return client

    def take_it_away() -> None:  # the owner removes the host
        PollHost.objects.filter(user__username="presenter").delete()

    staff = await sync_to_async(presenter)()
    socket = await viewer(
        "/ws/polls/cats-vs-dogs/present/", cookie=f"sessionid={staff.cookies['sessionid'].value}"
    )
    await socket.receive_json_from()
    await socket.receive_json_from()

    await sync_to_async(take_it_away)()
    if moved:
        await sync_to_async(poll_control)(poll=counted, action="hide")  # published on commit

    # With no message, the socket asks its rule every second on its own.
    assert (await socket.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}


@pytest.mark.parametrize("layer", ["core", "pubsub"])
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_update_published_while_a_socket_connects_still_reaches_it(
    settings, monkeypatch, poll, layer
):
    """A vote counted and published between the socket's read of the results and its
    joining the poll's group would be lost if it read first; it joins first."""
    from asgiref.sync import sync_to_async

    from tally import consumers
    from tally.publish import results_publish

    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "BACKEND": settings.CHANNEL_LAYER_BACKENDS[layer],
        }
    }
    read = consumers.current

    async def read_then_a_vote_is_counted(poll_id: int, voter: str | None):
        found = await read(poll_id, voter)
        cats = await sync_to_async(lambda: poll.options.get(slug="cats").pk)()
        await sync_to_async(casts_apply)([cast("1-0", poll_id, 1, (cats,), "ann", at(1))])
        await sync_to_async(results_publish)(poll_id=poll_id)
        return found

    monkeypatch.setattr(consumers, "current", read_then_a_vote_is_counted)

    socket = await viewer()
    state, first = await socket.receive_json_from(), await socket.receive_json_from()
    update = await socket.receive_json_from(timeout=5)

    assert (state["type"], first["total"]) == ("poll", 0)  # the snapshot read before the vote
    assert (update["type"], update["total"]) == ("results", 1)
    await socket.disconnect()
