"""The results WebSocket: current results on connect, then each newer snapshot."""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from polls.models import Poll
from tally.selectors import Results, results_for
from tally.services import poll_group, results_message

NO_SUCH_POLL = 4404  # WebSocket close code: 4000-4999 are the application's


@database_sync_to_async
def current_results(slug: str) -> tuple[int, Results] | None:
    poll = Poll.objects.filter(slug=slug).first()
    return None if poll is None else (poll.pk, results_for(poll=poll))


class ResultsConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    version = -1

    async def connect(self) -> None:
        found = await current_results(self.scope["url_route"]["kwargs"]["slug"])
        if found is None:
            await self.close(code=NO_SUCH_POLL)
            return
        poll_id, results = found
        self.group = poll_group(poll_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.results_update(results_message(results))

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """The worker's messages go straight to their handler.

        Channels first closes stale database connections before every handler, a
        hop to a thread and back; these handlers never touch the database, and a
        hop per viewer per update was a quarter of a web process's work in a
        fan-out (docs/performance.md). Connecting reads the database through
        `database_sync_to_async`, which closes stale connections itself.
        """
        if message["type"] in ("results.update", "results.stale"):
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def results_stale(self, event: dict[str, Any]) -> None:
        """The worker cannot count for now (PostgreSQL is down): the numbers may be behind."""
        await self.send_json({"type": "stale"})

    async def results_update(self, event: dict[str, Any]) -> None:
        """A snapshot from the worker; one older than what this viewer has is dropped."""
        if event["version"] >= self.version:
            self.version = event["version"]
            await self.send(text_data=event["text"])
