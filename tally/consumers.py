"""The live sockets: results and poll state to every open page, counts only where visible."""

from __future__ import annotations

import asyncio
import json
import logging
import types
from collections import Counter
from collections.abc import Callable, Coroutine
from importlib import import_module
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.db import DatabaseError
from django.http.cookie import parse_cookie
from redis import RedisError

from polls import voters
from polls.models import Poll, results_visible
from polls.selectors import voted_if_it_matters
from tally.heartbeat import heartbeat
from tally.hub import LayerUnreachable, hub
from tally.outbox import Outbox
from tally.publish import poll_group, poll_message
from voting_site.clients import client_address, client_network
from voting_site.limits import retry_after

logger = logging.getLogger(__name__)

POLICY_VIOLATION = 1008  # WebSocket close codes: the protocol's
TRY_AGAIN_LATER = 1013
NO_SUCH_POLL = 4404  # 4000-4999 are the application's
FORBIDDEN = 4403
TOO_MANY = 4429  # after a message saying when to try again


@database_sync_to_async
def poll_for(slug: str) -> Poll | None:
    return Poll.objects.filter(slug=slug).first()


@database_sync_to_async
def current(poll_id: int, voter: str | None) -> tuple[dict[str, Any], bool] | None:
    """The poll's state message, and whether this voter has voted when the rule asks."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        return None
    return poll_message(poll), voted_if_it_matters(poll=poll, voter=voter)


class OpenSockets:
    """This process's open sockets per client network, at most VOTING_SOCKETS_PER_ADDRESS
    each: a thousand sockets from one address are one attacker's, not a thousand phones
    (the rate of new sockets, VOTING_RATE_SOCKETS, does not bound how many stay open).
    Only networks with a socket open are kept."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def take(self, network: str) -> bool:
        if self.counts[network] >= settings.VOTING_SOCKETS_PER_ADDRESS:
            return False
        self.counts[network] += 1
        return True

    def give_back(self, network: str) -> None:
        if not network:
            return
        self.counts[network] -= 1
        if self.counts[network] <= 0:
            del self.counts[network]


_open_sockets = OpenSockets()


class ResultsConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/polls/<slug>/`: what a voter may see.

    Sends `{"type": "poll", "state", "visible"}` on connect and on every change of
    the poll, and the results (`{"type": "results", ...}`) whenever they change,
    only while this viewer may see them: while hidden, no count leaves the server.
    """

    # No channel of its own: the process's hub (tally/hub.py) hands it the poll's
    # messages, which its outbox (tally/outbox.py) sends in order.
    channel_layer_alias = None
    kinds: tuple[str, ...] = ("results.update", "results.stale", "poll.update")  # passed on
    staff = False  # the presenter's socket sees the counts whatever the visibility
    ready = False  # connected, and its first state sent: queued messages may follow
    poll_id = 0
    requires_invite = False
    version = -1
    visible = False
    has_voted = False  # in the round below; read on connect, for the `voted` rule
    round = 0
    network = ""  # the client's network, while this socket counts among its open ones

    async def connect(self) -> None:
        self.outbox = Outbox(self.handle)
        self.unchecked: list[dict[str, Any]] = []  # a presenter's, until its session is checked
        self.network = client_network(self.client())
        if not _open_sockets.take(self.network):
            self.network = ""  # nothing to give back
            await self.accept()
            await self.close(code=TRY_AGAIN_LATER)
            return
        try:
            await self.open()
        except (RedisError, DatabaseError, LayerUnreachable) as error:
            # The page tries again later, as after any lost connection: no 500, and a line.
            logger.warning("a live socket refused: %s", error or type(error).__name__)
            await self.disconnect(0)  # leaves what it joined
            await self.accept()
            await self.close(code=TRY_AGAIN_LATER)

    async def admitted(self) -> bool:
        """A socket's first checks, before it reads anything: its network's rate, and
        whether this viewer may watch. False once it is closed, saying why."""
        wait = await retry_after(
            "sockets", client_network(self.client()), settings.VOTING_RATE_SOCKETS
        )
        if wait:
            await self.refuse_for(wait)
            return False
        if not await self.allowed():
            await self.close(code=FORBIDDEN)
            return False
        return True

    async def go_live(self) -> None:
        """Accepted and told where things stand: now it hears the heartbeat (or says it
        is deaf), and sends what comes."""
        if not heartbeat().join(self):
            await self.send_json({"type": "deaf"})
        self.ready = True
        self.outbox.open()

    async def open(self) -> None:
        """Accept the socket and send the poll's state, or close it saying why."""
        if not await self.admitted():
            return
        poll = await poll_for(self.scope["url_route"]["kwargs"]["slug"])
        if poll is None:
            await self.close(code=NO_SUCH_POLL)
            return
        # Join first, then read: a change in between arrives twice, never not at all.
        self.poll_id, self.requires_invite = poll.pk, poll.requires_invite
        await hub().join(self, poll_group(poll.pk))
        try:
            found = await current(poll.pk, self.voter())
        except asyncio.CancelledError:
            await self.disconnect(0)
            raise
        if found is None:
            await self.close(code=NO_SUCH_POLL)
            return
        message, self.has_voted = found
        self.round = message["round"]
        await self.accept()
        await self.poll_update(message)
        await self.go_live()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Clients have nothing to say on these sockets: whatever one sends closes it,
        unread (the server refuses anything over a kilobyte: voting_site/serve.py)."""
        await self.close(code=POLICY_VIOLATION)

    def deliver(self, message: dict[str, Any]) -> None:
        """A message from the worker, through the hub: into the outbox, sent in order."""
        if message["type"] in self.kinds:
            self.outbox.put(message)

    def handle(self, message: dict[str, Any]) -> Coroutine[Any, Any, None]:
        """The send of a message: its handler's, as Channels names them."""
        handler: Callable[[dict[str, Any]], Coroutine[Any, Any, None]] = getattr(
            self, get_handler_name(message)
        )
        return handler(message)

    async def hearing_changed(self, hearing: bool, polls: dict[Any, Any]) -> None:
        """The process stopped hearing the channel layer, or hears it again after updates
        may have been lost: say so, and then send the current state (each poll's read
        once for all of the process's sockets, memoized in `polls`)."""
        if not hearing:
            await self.send_json({"type": "deaf"})
            return
        if self.poll_id not in polls:  # the same for every socket of the poll: no voter
            polls[self.poll_id] = await current(self.poll_id, None)
        found = polls[self.poll_id]
        await self.send_json({"type": "hearing"})
        if found is not None:
            await self.poll_update(found[0])

    async def allowed(self) -> bool:
        return True

    def client(self) -> str:
        """The client's address, as voting_site/clients.py works it out for HTTP."""
        peer = (self.scope.get("client") or ("",))[0]
        headers = dict(self.scope.get("headers", []))
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
        return client_address(peer, forwarded)

    async def refuse_for(self, seconds: int) -> None:
        """Too many sockets from this address: 429 with Retry-After where the server can
        answer the handshake so (uvicorn), else a close the page understands."""
        if "websocket.http.response" in self.scope.get("extensions", {}):
            await self.base_send(
                {
                    "type": "websocket.http.response.start",
                    "status": 429,
                    "headers": [(b"retry-after", str(seconds).encode())],
                }
            )
            await self.base_send({"type": "websocket.http.response.body", "body": b""})
            return
        await self.accept()
        await self.send_json({"type": "limited", "retry_after": seconds})
        await self.close(code=TOO_MANY)

    def voter(self) -> str | None:
        headers = dict(self.scope.get("headers", []))
        cookies = parse_cookie(headers.get(b"cookie", b"").decode())
        return voters.voter_in(cookies, poll_id=self.poll_id, requires_invite=self.requires_invite)

    async def disconnect(self, code: int) -> None:
        _open_sockets.give_back(self.network)
        self.network = ""  # once only, however often Channels calls this
        heartbeat().leave(self)
        self.ready = False
        self.outbox.close()
        await hub().leave(self, poll_group(self.poll_id))  # nothing to do if it never joined

    async def poll_update(self, event: dict[str, Any]) -> None:
        """The poll changed (opened, closed, revealed, hidden, reset, edited): say so."""
        if event["round"] != self.round:  # a reset: nobody has voted in the new round yet
            self.round, self.has_voted = event["round"], False
        public = results_visible(
            visibility=event["visibility"],
            shown=event["shown"],
            state=Poll.State(event["state"]),
            has_voted=self.has_voted,
        )
        self.visible = self.staff or public
        message = {
            "type": "poll",
            "state": event["state"],
            "round": event["round"],
            "visible": self.visible,
        }
        if self.staff:
            message["public"] = public  # what the audience sees, for the presenter
        # The same message reaches every socket of the process: each variant is encoded
        # once (a move of an event sends it to every page at once).
        texts = event.setdefault("texts", {})
        variant = (self.visible, message.get("public"))
        if variant not in texts:
            texts[variant] = json.dumps(message)
        await self.send(text_data=texts[variant])
        await self.results_update(event)

    async def results_stale(self, event: dict[str, Any]) -> None:
        """The worker cannot count for now (PostgreSQL is down): the numbers may be behind."""
        await self.send_json({"type": "stale"})

    async def results_update(self, event: dict[str, Any]) -> None:
        """A snapshot from the worker; one older than what this viewer has is dropped."""
        if self.visible and event["version"] >= self.version:
            self.version = event["version"]
            await self.send(text_data=event["text"])


# How often a presenter's socket asks its poll's rule while no message comes (seconds).
RULE_ASKED_EVERY = 1.0


@database_sync_to_async
def may_run(session_key: str | None, permission: str, find: Callable[[], Any]) -> bool:
    """Whether the session stands, and its user may (`permission`) the poll or event that
    `find` reads, as stored now: the session, the user and the rule read afresh, not the
    copies the socket opened with (a host removed, or signed out, is refused at once)."""
    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(types.SimpleNamespace(session=session))  # type: ignore[arg-type]
    if not user.is_authenticated:
        return False
    found = find()
    return found is not None and user.has_perm(permission, found)


class PresenterConsumer(ResultsConsumer):
    """`/ws/polls/<slug>/present/`: the projector view's socket, staff only, counts always.

    The counts it sends may be hidden from everyone else, so each message waits for a
    check of the session made after it arrived: once the presenter signs out (or the
    session expires, or the poll's rule refuses its user), the socket closes (4403)
    with nothing more sent. Presenters' sockets are few, and results in a row are
    one message: a check costs a few queries per update at most.
    """

    staff = True
    checking: asyncio.Task[None] | None = None
    asking: asyncio.Task[None] | None = None
    # What the URL's slug names, and the rule its presenters pass (polls/rules.py).
    runs: type[Any] = Poll
    permission = "polls.present_poll"

    async def allowed(self) -> bool:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        find = self.runs.objects.filter(slug=slug).first
        return await may_run(self.session_key(), self.permission, find)

    async def go_live(self) -> None:
        await super().go_live()
        self.asking = asyncio.get_running_loop().create_task(self._keep_asking())

    async def _keep_asking(self) -> None:
        """Ask the rule every second too: a host removed (or signed out) while nothing
        moves is refused within a second, not at the next message."""
        while True:
            await asyncio.sleep(RULE_ASKED_EVERY)
            if not await self.allowed():
                await self._signed_out()
                return

    def session_key(self) -> str | None:
        session = self.scope.get("session")
        return session.session_key if session is not None else None

    def deliver(self, message: dict[str, Any]) -> None:
        self.unchecked.append(message)
        if self.checking is None:
            self.checking = asyncio.get_running_loop().create_task(self._check_then_deliver())

    async def _check_then_deliver(self) -> None:
        try:
            while self.unchecked:
                arrived, self.unchecked = self.unchecked, []
                if not await self.allowed():
                    await self._signed_out()
                    return
                for message in arrived:
                    super().deliver(message)
        finally:
            self.checking = None

    async def hearing_changed(self, hearing: bool, polls: dict[Any, Any]) -> None:
        if not await self.allowed():
            await self._signed_out()
            return
        await super().hearing_changed(hearing, polls)

    async def _signed_out(self) -> None:
        self.ready = False
        self.outbox.close()
        await self.close(code=FORBIDDEN)

    async def disconnect(self, code: int) -> None:
        for task in (self.checking, self.asking):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        await super().disconnect(code)
