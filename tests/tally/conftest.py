from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from polls.services import VOTE_STREAM
from tally.models import OptionTally
from tally.services import INGEST_GROUP

T0 = timezone.now()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Backlog:
    """Votes queued straight into the stream, as the vote view queues them."""

    def __init__(self, redis_db, poll) -> None:
        self.redis = redis_db
        self.poll = poll
        self.round = 1
        self.options = dict(poll.options.values_list("slug", "pk"))
        self.latest: dict[str, tuple[datetime, str]] = {}

    def cast(self, voter: str, option: str, cast_at: datetime) -> None:
        self.add([(voter, option, cast_at)])

    def add(self, casts: list[tuple[str, str, datetime]]) -> None:
        with self.redis.pipeline(transaction=False) as pipe:
            for voter, option, cast_at in casts:
                fields = {
                    "poll": self.poll.pk,
                    "round": self.round,
                    "option": self.options[option],
                    "voter": voter,
                }
                pipe.xadd(VOTE_STREAM, {**fields, "cast_at": cast_at.isoformat()})
                if voter not in self.latest or self.latest[voter][0] < cast_at:
                    self.latest[voter] = (cast_at, option)
            pipe.execute()

    def expected(self) -> dict[str, int]:
        """What the tallies must say: each voter's latest choice, counted once."""
        counts = Counter(option for _, option in self.latest.values())
        return {slug: counts[slug] for slug in self.options}

    def burst(self, *, voters: int, changes: int, prefix: str = "voter") -> None:
        """`voters` votes, then `changes` of those voters change their minds (later casts)."""
        slugs = list(self.options)
        self.add([(f"{prefix}-{i}", slugs[i % len(slugs)], at(i / 1000)) for i in range(voters)])
        self.add(
            [
                (f"{prefix}-{i}", slugs[(i + 1) % len(slugs)], at(100 + i / 1000))
                for i in range(changes)
            ]
        )

    def pending(self) -> int:
        """Entries read by a consumer but not acknowledged."""
        return int(self.redis.xpending(VOTE_STREAM, INGEST_GROUP)["pending"])

    def length(self) -> int:
        return int(self.redis.xlen(VOTE_STREAM))


def tallies(poll, round: int = 1) -> dict[str, int]:
    """The poll's tallies in a round (the first by default)."""
    rows = OptionTally.objects.filter(poll=poll, round=round).values_list("option__slug", "votes")
    counts = dict(rows)
    return {slug: counts.get(slug, 0) for slug in poll.options.values_list("slug", flat=True)}


@pytest.fixture
def backlog(poll, redis_db) -> Backlog:
    return Backlog(redis_db, poll)


async def next_results(socket, timeout: float = 30) -> dict:
    """The next results message on a viewer's socket; poll-state messages are skipped."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] == "results":
            return message
