"""An event's live sockets: the audience's, which follows the presenter from question to
question, and the presenter's, which says where the event stands and how many follow."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError
from redis import RedisError

from events.models import Event
from events.presence import REPORT_EVERY, pages_following, presence
from events.publish import event_group
from events.selectors import event_messages, players_now
from polls.models import Poll
from polls.stream import choices_key
from tally.consumers import NO_SUCH_POLL, PresenterConsumer, ResultsConsumer
from tally.hub import hub
from tally.publish import poll_group
from voting_site.redis import async_redis_client


@database_sync_to_async
def event_with_polls(slug: str) -> tuple[Event, list[Poll]] | None:
    event = Event.objects.filter(slug=slug).first()
    return None if event is None else (event, event.polls())


@database_sync_to_async
def event_now(event_id: int) -> list[dict[str, Any]] | None:
    """The messages of where the event stands (with its question's state), as a move's."""
    event = Event.objects.filter(pk=event_id).first()
    return None if event is None else event_messages(event)


class EventConsumer(ResultsConsumer):
    """`/ws/events/<slug>/`: an audience page.

    Sends `{"type": "event", "stage", "position", "count", "poll", "state"}` on connect
    and on every move, then the shown question's state and results as the poll's own
    socket does (counts only while this viewer may see them). The socket is in every
    question's group from the start, and drops what any but the shown question says:
    a move then costs each socket its sends and nothing else, no join and no read of
    PostgreSQL (the move's messages carry the question's state, and the voter's votes
    were looked up on connect).
    """

    event_id = 0
    group_now = ""  # the group of the question shown: messages of any other are dropped
    joined: frozenset[str] = frozenset()  # every question's group
    voted: frozenset[int] = frozenset()  # the polls (in their current rounds) voted in
    player: str | None = None
    # While the socket reads where the event stands, what the groups say waits here, to
    # follow that read: a move made as the page connects may be newer than what was read.
    arriving: list[dict[str, Any]] | None = None

    async def open(self) -> None:
        if not await self.admitted():
            return
        found = await event_with_polls(self.scope["url_route"]["kwargs"]["slug"])
        if found is None:
            await self.close(code=NO_SUCH_POLL)
            return
        event, polls = found
        self.event_id = event.pk
        self.player = self.voter()  # the browser, as a quiz's players are kept
        # Join first, then read: a move in between arrives twice, never not at all, and
        # after what was read (a move read before it is made would otherwise undo it).
        self.arriving = []
        await hub().join(self, event_group(event.pk))
        for poll in polls:
            await self.join_question(poll.pk)
        messages = await event_now(event.pk)
        if messages is None:
            await self.close(code=NO_SUCH_POLL)
            return
        self.voted = await self.votes_of(polls)
        await self.accept()
        arrived, self.arriving = self.arriving, None
        for message in [*messages, *arrived]:
            self.deliver(message)
        if self.watching() and self.player is not None:
            presence().join(self.event_id, self.player)
        await self.go_live()

    async def join_question(self, poll_id: int) -> None:
        group = poll_group(poll_id)
        if group not in self.joined:
            await hub().join(self, group)
            self.joined |= {group}

    def watching(self) -> bool:
        """An audience page (the presenter's socket is not counted among them)."""
        return True

    async def votes_of(self, polls: list[Poll]) -> frozenset[int]:
        """The event's polls in which this browser has a vote in the current round (from
        Redis: what the page's results may show under the `voted` rule)."""
        voter = self.voter()
        if voter is None or not polls:
            return frozenset()
        async with async_redis_client().pipeline(transaction=False) as pipe:
            for poll in polls:
                pipe.hexists(choices_key(poll.pk, poll.round), voter)
            found = await pipe.execute()
        return frozenset(poll.pk for poll, voted in zip(polls, found, strict=True) if voted)

    kinds = ("event.update", "event.question", "event.scores", *ResultsConsumer.kinds)

    def deliver(self, message: dict[str, Any]) -> None:
        if self.arriving is not None:
            self.arriving.append(message)
            return
        if message["type"] == "event.update":
            poll_id = message.get("poll_id")
            self.group_now = poll_group(poll_id) if poll_id else ""
        elif message.get("group", "").startswith("poll.") and message["group"] != self.group_now:
            return  # not the question shown: what it says is not this page's
        super().deliver(message)

    async def event_update(self, message: dict[str, Any]) -> None:
        """The presenter moved (or the socket just opened): where the event stands, the
        same text for every page."""
        await self.send(text_data=message["text"])

    async def event_scores(self, message: dict[str, Any]) -> None:
        """A quiz's scores (events/publish.py): this page's player's own, and nobody
        else's; or word that the presenter removed its nickname."""
        if self.player is None:
            return
        if self.player in message["removed"]:
            await self.send_json({"type": "removed"})
        elif self.player in message["scores"]:
            await self.send(text_data=message["scores"][self.player])

    async def event_question(self, message: dict[str, Any]) -> None:
        """The shown question's state and results, as its poll's socket would send them."""
        poll_id = message["poll_id"]
        if poll_id != self.poll_id:
            self.poll_id, self.version, self.visible = poll_id, -1, False
            await self.join_question(poll_id)  # a question added since the page connected
        state = message["poll_state"]
        self.round = state["round"]
        self.has_voted = poll_id in self.voted
        await self.poll_update(state)

    async def hearing_changed(self, hearing: bool, polls: dict[Any, Any]) -> None:
        """Deaf, or hearing again: then where the event stands now, which a move missed
        meanwhile may have changed (read once for all of the process's pages)."""
        if not hearing:
            await self.send_json({"type": "deaf"})
            return
        key = ("event", self.event_id)
        if key not in polls:
            polls[key] = await event_now(self.event_id)
        await self.send_json({"type": "hearing"})
        for message in polls[key] or []:
            self.deliver(message)

    async def disconnect(self, code: int) -> None:
        if self.ready and self.watching() and self.player is not None:
            presence().leave(self.event_id, self.player)
        await super().disconnect(code)
        for group in self.joined:
            await hub().leave(self, group)
        if self.event_id:
            await hub().leave(self, event_group(self.event_id))


class EventPresenterConsumer(PresenterConsumer):
    """`/ws/events/<slug>/present/`: the projector's and the remote's, staff only: where
    the event stands on every move, and `{"type": "pages", "count"}`, how many audience
    pages follow it, whenever that changes (looked at every second); in a quiz, also
    `{"type": "players", "count", "players"}` as players join."""

    event_id = 0
    quiz = False
    counting: asyncio.Task[None] | None = None
    runs = Event
    permission = "events.present_event"

    async def open(self) -> None:
        if not await self.allowed():
            await self.close(code=4403)
            return
        event = await database_sync_to_async(
            Event.objects.filter(slug=self.scope["url_route"]["kwargs"]["slug"]).first
        )()
        if event is None:
            await self.close(code=NO_SUCH_POLL)
            return
        self.event_id, self.quiz = event.pk, event.is_quiz
        await hub().join(self, event_group(self.event_id))
        messages = await event_now(self.event_id)
        if messages is None:
            await self.close(code=NO_SUCH_POLL)
            return
        await self.accept()
        await self.event_update(messages[0])
        self.counting = asyncio.get_running_loop().create_task(self._count())
        self.ready = True
        self.outbox.open()

    kinds = ("event.update",)

    async def event_update(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])

    async def _count(self) -> None:
        said = -1
        players_said: dict[str, Any] = {}
        while True:
            # Who follows and who plays are the presenters' to see: a host removed (or
            # signed out) hears no more of it, within a second, moves or not.
            if not await self.allowed():
                await self._signed_out()
                return
            with contextlib.suppress(RedisError):
                count = await pages_following(self.event_id)
                if count != said:
                    said = count
                    await self.send_json({"type": "pages", "count": count})
            if self.quiz:
                with contextlib.suppress(DatabaseError):
                    players = await database_sync_to_async(players_now)(self.event_id)
                    if players != players_said:
                        players_said = players
                        await self.send_json(players)
            await asyncio.sleep(REPORT_EVERY)

    async def disconnect(self, code: int) -> None:
        if self.counting is not None:
            self.counting.cancel()
        if self.checking is not None:
            self.checking.cancel()
        self.ready = False
        self.outbox.close()
        if self.event_id:
            await hub().leave(self, event_group(self.event_id))
