"""The vote stream as the worker reads it: one consumer of the ingest group.

Delivery is at least once: entries are acknowledged (and deleted) only after the
transaction that applied them commits, and entries a dead worker left pending are
claimed by the next. Applying them is idempotent (tally/ingest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from redis.client import Pipeline

from polls.stream import INGEST_GROUP, VOTE_STREAM, Cast, choices_key, stream_ms, stream_order
from voting_site.redis import redis_client

BATCH_SIZE = 2000

# Voters' choices, forgotten once counted: PostgreSQL has them now, and the vote
# page falls back to it. Not when a newer cast has replaced them meanwhile.
# KEYS: choices hashes. ARGV: per key, its voters and their counted choices, each
# a list of lines (one string each, cheaper to send than thousands of arguments).
_CHOICES_FORGET = """
for k = 1, #KEYS do
  local choices = string.gmatch(ARGV[2 * k], '[^\\n]+')
  for voter in string.gmatch(ARGV[2 * k - 1], '[^\\n]+') do
    if redis.call('HGET', KEYS[k], voter) == choices() then
      redis.call('HDEL', KEYS[k], voter)
    end
  end
end
"""

# A stream entry as redis-py gives it: its id, and its fields.
Entry = tuple[str, dict[bytes, bytes]]


def _entries(answer: Any) -> list[Entry]:
    """redis-py's entries with string ids; a deleted entry (no fields) is left out."""
    return [(entry.decode(), fields) for entry, fields in answer if fields]


class VoteStream:
    """The vote stream as one consumer of the ingest group sees it."""

    def __init__(self, client: redis.Redis, consumer: str) -> None:
        self.client = client
        self.consumer = consumer
        try:
            client.xgroup_create(VOTE_STREAM, INGEST_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def _read(self, entry_id: str, block: int | None = None) -> list[Entry]:
        answer: Any = self.client.xreadgroup(
            INGEST_GROUP, self.consumer, {VOTE_STREAM: entry_id}, count=BATCH_SIZE, block=block
        )
        return _entries(answer[0][1]) if answer else []

    def leftovers(self) -> list[Entry]:
        """Entries this consumer read but never acknowledged, then others' long-idle ones."""
        own = self._read("0")
        if own:
            return own
        answer: Any = self.client.xautoclaim(
            VOTE_STREAM,
            INGEST_GROUP,
            self.consumer,
            int(settings.VOTES_RECLAIM_AFTER_SECONDS * 1000),
            "0-0",
            count=BATCH_SIZE,
        )
        claimed = answer[1]  # Redis 7 adds a third item, the ids of deleted entries
        return _entries(claimed)

    def new(self, *, block_ms: int | None) -> list[Entry]:
        """New entries; with `block_ms`, waits that long for some (0 would wait forever)."""
        return self._read(">", block=block_ms)

    def ack(
        self,
        entry_ids: list[str],
        counted: list[Cast],
        record: Callable[[Pipeline], object] | None = None,
    ) -> None:
        """Done with these: acknowledge them and delete them, so the stream stays short,
        and forget the `counted` casts' choices, so that Redis holds only what is queued.
        `record` adds the batch's metrics to the same round trip."""
        by_key: dict[str, tuple[list[str], list[str]]] = {}
        for cast in counted:
            voters, choices = by_key.setdefault(choices_key(cast.poll_id, cast.round), ([], []))
            voters.append(cast.voter)
            choices.append(cast.value)
        lines = ["\n".join(column) for columns in by_key.values() for column in columns]
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(VOTE_STREAM, INGEST_GROUP, *entry_ids)
            pipe.xdel(VOTE_STREAM, *entry_ids)
            if counted:
                pipe.eval(_CHOICES_FORGET, len(by_key), *by_key, *lines)
            if record is not None:
                record(pipe)
            pipe.execute()


def consumers_prune(*, idle_seconds: float = 3600) -> list[str]:
    """Forget the consumers of workers long gone: nothing pending, idle this long."""
    client = redis_client()
    try:
        consumers: Any = client.xinfo_consumers(VOTE_STREAM, INGEST_GROUP)
    except redis.ResponseError:  # no stream or no group yet: nobody to forget
        return []
    gone = [
        consumer["name"].decode()
        for consumer in consumers
        if consumer["pending"] == 0 and consumer["idle"] >= idle_seconds * 1000
    ]
    for name in gone:
        client.xgroup_delconsumer(VOTE_STREAM, INGEST_GROUP, name)
    return gone


def counted_up_to(milliseconds: int) -> bool:
    """Whether every entry Redis added up to `milliseconds` (its clock) has been counted
    and acknowledged: none pending with a worker, none not yet read."""
    client = redis_client()
    try:
        groups: Any = client.xinfo_groups(VOTE_STREAM)
    except redis.ResponseError:  # no stream yet: nothing was ever queued
        return True
    group = next((g for g in groups if g["name"] in (INGEST_GROUP, INGEST_GROUP.encode())), None)
    if group is None:
        return True

    def added_by_then(entry_id: bytes | str) -> bool:
        return stream_ms(stream_order(_decoded(entry_id))) <= milliseconds

    if group["pending"]:
        oldest = client.xpending(VOTE_STREAM, INGEST_GROUP)["min"]
        if oldest is not None and added_by_then(oldest):
            return False
    unread: Any = client.xrange(
        VOTE_STREAM, min=f"({_decoded(group['last-delivered-id'])}", count=1
    )
    return not unread or not added_by_then(unread[0][0])


def _decoded(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
