"""Writes: votes drained from the stream into PostgreSQL, tallies kept in step, results published.

Delivery is at least once: stream entries are acknowledged (and deleted) only after
the transaction that applied them commits, and entries a dead worker left pending
are claimed by the next. Applying is idempotent: a cast older than (or the same as)
the voter's stored one changes nothing, so a redelivery counts nothing twice and
an older cast processed after a newer one does not win.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count

from polls.models import Option, Poll, Vote
from polls.services import INGEST_FLAG, VOTE_STREAM, choices_decode
from tally.models import OptionTally, RoundTally
from tally.selectors import Results, results_for
from voting_site.redis import redis_client

logger = logging.getLogger(__name__)

INGEST_GROUP = "ingest"
BATCH_SIZE = 2000
# How long a job waits for more votes before it ends, and how long it runs at most
# (then it hands over to a successor, so RQ's job timeout never cuts a batch).
IDLE_MS = 250
MAX_JOB_SECONDS = 60
# Viewers get at most one update per poll per this many seconds, whatever the vote rate.
PUBLISH_INTERVAL = 0.15
# Advisory lock namespace for "this poll's votes and tallies are being written".
_POLL_LOCK = 7_262_478


# A stream entry as redis-py gives it: its id, and its fields.
Entry = tuple[str, dict[bytes, bytes]]


def _entries(answer: Any) -> list[Entry]:
    """redis-py's entries with string ids; a deleted entry (no fields) is left out."""
    return [(entry.decode(), fields) for entry, fields in answer if fields]


def poll_group(poll_id: int) -> str:
    """The channel-layer group of a poll's viewers."""
    return f"poll.{poll_id}"


def results_message(results: Results) -> dict[str, Any]:
    """The channel-layer message of a results snapshot, its JSON encoded once.

    A web process hands the same text to each of its viewers, instead of encoding
    it again per socket; the version travels beside it, for the consumer to drop
    an older snapshot.
    """
    text = json.dumps({"type": "results", **results}, separators=(",", ":"))
    return {"type": "results.update", "version": results["version"], "text": text}


class Cast(NamedTuple):
    """One stream entry: a voter's choice at a moment."""

    entry_id: str
    poll_id: int
    round: int
    choices: tuple[int, ...]  # option ids, in order of preference for a ranking
    voter: str
    cast_at: datetime

    @classmethod
    def parse(cls, entry_id: str, fields: dict[bytes, bytes]) -> Cast | None:
        try:  # positional: the drain parses every entry
            return cls(
                entry_id,
                int(fields[b"poll"]),
                # Entries queued before rounds existed were all of round 1.
                int(fields.get(b"round", 1)),
                # Entries queued before question kinds carried one option.
                choices_decode((fields.get(b"choices") or fields[b"option"]).decode()),
                fields[b"voter"].decode(),
                datetime.fromisoformat(fields[b"cast_at"].decode()),
            )
        except (KeyError, ValueError):
            logger.error("dropping malformed vote entry %s: %r", entry_id, fields)
            return None


# --- Applying casts -------------------------------------------------------------


# One statement per batch, under the polls' locks: the incoming casts (one JSON
# array), the votes they replace, and the upsert. It answers each change of a
# voter's cast in a round as (poll, round, old choices or NULL, new choices). A
# cast not newer than the stored vote is skipped by the WHERE, so a redelivery
# changes nothing; on a poll whose votes are final (a statement of their own,
# DO NOTHING), nothing replaces a vote.
# Not `bulk_create(update_conflicts=True)`: that spent three fifths of the drain
# building and preparing one model instance per row (docs/performance.md).
_VOTES_UPSERT = """
    WITH incoming AS (
        SELECT (cast_->>0)::bigint AS poll_id, (cast_->>1)::integer AS round,
               cast_->>2 AS voter, (cast_->>3)::bigint[] AS choices,
               (cast_->>4)::timestamptz AS cast_at
        FROM json_array_elements(%s::json) AS cast_
    ), before AS MATERIALIZED (
        SELECT vote.poll_id, vote.round, vote.voter, vote.choices
        FROM polls_vote AS vote JOIN incoming USING (poll_id, round, voter)
    ), after AS (
        INSERT INTO polls_vote AS vote (poll_id, round, voter, choices, cast_at)
        SELECT poll_id, round, voter, choices, cast_at FROM incoming
        ON CONFLICT (poll_id, round, voter) {on_conflict}
        RETURNING poll_id, round, voter, choices
    )
    SELECT after.poll_id, after.round, before.choices, after.choices
    FROM after LEFT JOIN before USING (poll_id, round, voter)
    WHERE before.choices IS DISTINCT FROM after.choices
"""
_LATEST_WINS = _VOTES_UPSERT.format(
    on_conflict="DO UPDATE SET choices = EXCLUDED.choices, cast_at = EXCLUDED.cast_at "
    "WHERE vote.cast_at < EXCLUDED.cast_at"
)
_FIRST_STANDS = _VOTES_UPSERT.format(on_conflict="DO NOTHING")


@dataclass(frozen=True)
class Counting:
    """How a poll's casts move its tallies."""

    kind: str
    options: int  # how many the poll has
    final: bool  # a voter's first vote stands

    def points(self, position: int) -> int:
        """What the option at `position` (from 1) of a cast adds to its tally.

        A ranking's is a Borda count: of n options, the k-th ranked earns n - k.
        Every other kind counts one per chosen option (a rating's score is one).
        """
        return self.options - position if self.kind == Poll.Kind.RANKING else 1

    def move(
        self, deltas: Counter[tuple[int, int]], round: int, before: list[int], after: list[int]
    ) -> None:
        """Add to `deltas` what replacing the cast `before` by `after` does to each tally."""
        for position, option in enumerate(after, start=1):
            deltas[option, round] += self.points(position)
        for position, option in enumerate(before, start=1):
            deltas[option, round] -= self.points(position)


def countings_for(poll_ids: Iterable[int], option_poll: dict[int, int]) -> dict[int, Counting]:
    """Each poll's way of counting; `option_poll` maps the polls' option ids to their poll."""
    options = Counter(option_poll.values())
    return {
        pk: Counting(kind=kind, options=options[pk], final=not may_change)
        for pk, kind, may_change in Poll.objects.filter(pk__in=poll_ids).values_list(
            "pk", "kind", "voters_may_change"
        )
    }


def casts_apply(casts: Iterable[Cast]) -> set[int]:
    """Upsert the casts as votes and move the tallies, in one transaction.

    Returns the polls whose results changed. Per poll, writers take turns (an
    advisory lock), so two workers never count the same change twice.
    """
    casts = list(casts)
    poll_ids = sorted({cast.poll_id for cast in casts})
    option_poll = dict(Option.objects.filter(poll_id__in=poll_ids).values_list("id", "poll_id"))
    countings = countings_for(poll_ids, option_poll)
    kept: dict[tuple[int, int, str], Cast] = {}
    for cast in casts:
        if not _valid(cast, option_poll):
            logger.warning("dropping a vote for an option that is gone: %s", cast)
            continue
        key = (cast.poll_id, cast.round, cast.voter)
        if key not in kept:
            kept[key] = cast
        elif (kept[key].cast_at < cast.cast_at) != countings[cast.poll_id].final:
            kept[key] = cast  # the latest cast wins, or on a final poll the first
    if not kept:
        return set()

    deltas: Counter[tuple[int, int]] = Counter()
    new_voters: Counter[tuple[int, int]] = Counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for poll_id in poll_ids:  # in order, so two workers cannot deadlock
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_POLL_LOCK, poll_id])
            changes = []
            for final in (False, True):
                rows = [
                    [c.poll_id, c.round, c.voter, _pg_array(c.choices), c.cast_at.isoformat()]
                    for c in kept.values()
                    if countings[c.poll_id].final == final
                ]
                if rows:
                    cursor.execute(_FIRST_STANDS if final else _LATEST_WINS, [json.dumps(rows)])
                    changes += cursor.fetchall()
            for poll_id, round, before, after in changes:
                if before is None:
                    new_voters[poll_id, round] += 1
                countings[poll_id].move(deltas, round, before or [], after)
        moved = {key: delta for key, delta in deltas.items() if delta}
        changed = {option_poll[option_id] for option_id, _ in moved} | {p for p, _ in new_voters}
        tallies_add(deltas=moved, option_poll=option_poll)
        voters_add(counts=new_voters)
        versions_bump(poll_ids=changed)
    return changed


def _valid(cast: Cast, option_poll: dict[int, int]) -> bool:
    """Options of its poll, each once (the web checked the rest of the poll's rules)."""
    choices = cast.choices
    if len(choices) == 1:  # most casts: said first, as it is the drain's hot path
        return option_poll.get(choices[0]) == cast.poll_id
    return (
        bool(choices)
        and len(set(choices)) == len(choices)
        and all(option_poll.get(option) == cast.poll_id for option in choices)
    )


def _pg_array(values: Iterable[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


# The tallies move by one statement each, not the ORM's insert-then-update pair:
# the drain makes three of them per batch (docs/performance.md). Rows already
# there are updated, the others made; not an upsert, as a negative delta would
# trip the tally's check before the conflict is seen. The poll's lock is held.
def _tally_add_sql(table: str, keys: dict[str, str], also: dict[str, str], value: str) -> str:
    """The statement that adds each JSON row's `value` to the `table` row of its `keys` (name:
    type), making the row, with the `also` columns, where there is none."""
    columns = {**keys, **also, value: "integer"}
    key_names = ", ".join(keys)
    return f"""
        WITH delta AS (
            SELECT * FROM json_to_recordset(%s::json)
                AS delta({", ".join(f"{name} {kind}" for name, kind in columns.items())})
        ), updated AS (
            UPDATE {table} AS tally SET {value} = tally.{value} + delta.{value}
            FROM delta WHERE ({", ".join(f"tally.{key}" for key in keys)}) = ({
        ", ".join(f"delta.{key}" for key in keys)
    })
            RETURNING {", ".join(f"tally.{key}" for key in keys)}
        )
        INSERT INTO {table} ({", ".join(columns)})
        SELECT {", ".join(columns)} FROM delta
        WHERE ({key_names}) NOT IN (SELECT {key_names} FROM updated)
    """  # noqa: S608 (names from this module; the values are a parameter)


_TALLIES_ADD = _tally_add_sql(
    "tally_optiontally", {"option_id": "bigint", "round": "integer"}, {"poll_id": "bigint"}, "votes"
)
_VOTERS_ADD = _tally_add_sql(
    "tally_roundtally", {"poll_id": "bigint", "round": "integer"}, {}, "voters"
)
_VERSIONS_BUMP = """
    INSERT INTO tally_polltally AS tally (poll_id, version)
    SELECT poll_id, 1 FROM unnest(%s::bigint[]) AS poll_id
    ON CONFLICT (poll_id) DO UPDATE SET version = tally.version + 1
"""


def tallies_add(*, deltas: dict[tuple[int, int], int], option_poll: dict[int, int]) -> None:
    """Add each delta to its (option, round) tally (rows made on first use)."""
    if not deltas:
        return
    rows = [
        {"option_id": option, "round": round, "poll_id": option_poll[option], "votes": delta}
        for (option, round), delta in sorted(deltas.items())  # in order: no deadlock
    ]
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES_ADD, [json.dumps(rows)])


def voters_add(*, counts: dict[tuple[int, int], int]) -> None:
    """Add to each (poll, round)'s count of voters (rows made on first use)."""
    if not counts:
        return
    rows = [
        {"poll_id": poll, "round": round, "voters": n}
        for (poll, round), n in sorted(counts.items())
    ]
    with connection.cursor() as cursor:
        cursor.execute(_VOTERS_ADD, [json.dumps(rows)])


def versions_bump(*, poll_ids: set[int]) -> None:
    """Bump each poll's results version (rows made on first use)."""
    if not poll_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_BUMP, [sorted(poll_ids)])


# --- The stream -------------------------------------------------------------------


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

    def ack(self, entry_ids: list[str]) -> None:
        """Done with these: acknowledge them and delete them, so the stream stays short."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(VOTE_STREAM, INGEST_GROUP, *entry_ids)
            pipe.xdel(VOTE_STREAM, *entry_ids)
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


def votes_ingest(*, consumer: str, max_seconds: float = MAX_JOB_SECONDS) -> tuple[int, bool]:
    """Drain the stream in batches until it stays empty for a moment or time is up.

    Returns how many entries were processed, and whether work may remain.
    """
    client = redis_client()
    client.delete(INGEST_FLAG)  # from now on, a new vote queues a successor job
    stream = VoteStream(client, consumer)
    publisher = ResultsPublisher(client)
    deadline = time.monotonic() + max_seconds
    processed = 0
    entries = stream.leftovers()
    # The next batch is read while this one is written, so Redis and PostgreSQL
    # work at the same time; read-ahead entries are pending like any others.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="votes-read-ahead") as reader:
        while True:
            ahead = None
            if time.monotonic() < deadline:
                more_waiting = len(entries) == BATCH_SIZE
                ahead = reader.submit(stream.new, block_ms=None if more_waiting else IDLE_MS)
            if entries:
                casts = [cast for cast in (Cast.parse(*entry) for entry in entries) if cast]
                try:
                    changed = casts_apply(casts)
                except DatabaseError:
                    # The entries stay pending for the next job; meanwhile viewers are told.
                    results_stale(poll_ids={cast.poll_id for cast in casts})
                    raise
                stream.ack([entry_id for entry_id, _ in entries])
                processed += len(entries)
                publisher.changed(changed)
            if ahead is None:
                publisher.flush()
                return processed, True
            entries = ahead.result() or stream.leftovers()
            if not entries:
                publisher.flush()
                return processed, False


# --- Publishing results -----------------------------------------------------------


def results_publish(*, poll_id: int) -> Results | None:
    """Send the poll's current results to everyone watching it."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        return None
    results = results_for(poll=poll)
    _to_viewers(poll_id, results_message(results))
    return results


def poll_publish(*, poll_id: int) -> None:
    """Tell everyone watching the poll its state (open, closed, results shown or not).

    Each socket works out for its own viewer whether the results are visible; the
    current results travel along, for the sockets that may show them.
    """
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is not None:
        _to_viewers(poll_id, poll_message(poll))


def poll_message(poll: Poll) -> dict[str, Any]:
    """The channel-layer message of a poll's state: what each socket needs to work out
    whether its viewer sees the results, and the results for those who do."""
    results = results_for(poll=poll)
    return {
        **results_message(results),
        "type": "poll.update",
        "state": results["state"],
        "round": results["round"],
        "visibility": poll.results_visibility,
        "shown": poll.results_shown,
    }


def results_stale(*, poll_ids: set[int]) -> None:
    """Tell these polls' viewers that counting is paused: their numbers may be behind."""
    for poll_id in poll_ids:
        _to_viewers(poll_id, {"type": "results.stale"})


def _to_viewers(poll_id: int, message: dict[str, Any]) -> None:
    """The worker reaches browsers only through the channel layer."""
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS is not configured"
    async_to_sync(layer.group_send)(poll_group(poll_id), message)


class ResultsPublisher:
    """Publishes changed polls, each at most once per PUBLISH_INTERVAL across all workers.

    A change inside the interval is held back, not dropped: the state at the end
    of the interval goes out (snapshots, so the latest state is all that matters).
    """

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.waiting: set[int] = set()

    def changed(self, poll_ids: set[int]) -> None:
        self.waiting |= poll_ids
        for poll_id in list(self.waiting):
            if self._claim(poll_id):
                self._send(poll_id)

    def flush(self) -> None:
        """Send what is held back, waiting out the interval where needed."""
        for poll_id in sorted(self.waiting):
            while not self._claim(poll_id):
                time.sleep(max(self.client.pttl(self._key(poll_id)), 1) / 1000)
            self._send(poll_id)

    def _key(self, poll_id: int) -> str:
        return f"results:published:{poll_id}"

    def _claim(self, poll_id: int) -> bool:
        interval_ms = int(PUBLISH_INTERVAL * 1000)
        return bool(self.client.set(self._key(poll_id), 1, nx=True, px=interval_ms))

    def _send(self, poll_id: int) -> None:
        self.waiting.discard(poll_id)
        results_publish(poll_id=poll_id)


# --- Recount ------------------------------------------------------------------------


def _voters_differences(poll: Poll) -> dict[tuple[int, int], tuple[int, int]]:
    """(poll, round): (voters tallied, voters counted), where they differ."""
    counted = dict(
        Vote.objects.filter(poll=poll)
        .values("round")
        .annotate(n=Count("id"))
        .values_list("round", "n")
    )
    tallied = dict(RoundTally.objects.filter(poll=poll).values_list("round", "voters"))
    return {
        (poll.pk, round): (tallied.get(round, 0), counted.get(round, 0))
        for round in sorted(set(counted) | set(tallied))
        if tallied.get(round, 0) != counted.get(round, 0)
    }


# How many votes of a poll put each option at each position, per round.
_CHOICES_COUNTED = """
    SELECT vote.round, choice.option_id, choice.position, count(*)
    FROM polls_vote AS vote, unnest(vote.choices) WITH ORDINALITY AS choice(option_id, position)
    WHERE vote.poll_id = %s
    GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class Difference:
    poll: str
    round: int
    option: str
    tallied: int
    counted: int


def tallies_rebuild(*, polls: Iterable[Poll], fix: bool = True) -> list[Difference]:
    """Count each poll's votes afresh, round by round, and compare with its tallies.

    Fixes them unless told not to.
    """
    differences: list[Difference] = []
    for poll in polls:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_POLL_LOCK, poll.pk])
            slugs = dict(Option.objects.filter(poll=poll).values_list("id", "slug"))
            counting = countings_for([poll.pk], dict.fromkeys(slugs, poll.pk))[poll.pk]
            cursor.execute(_CHOICES_COUNTED, [poll.pk])
            counted: Counter[tuple[int, int]] = Counter()
            for round, option_id, position, n in cursor.fetchall():
                if option_id in slugs:  # an option since removed counts for nothing
                    counted[option_id, round] += counting.points(position) * n
            tallied = {
                (option_id, round): votes
                for option_id, round, votes in OptionTally.objects.filter(poll=poll).values_list(
                    "option_id", "round", "votes"
                )
            }
            deltas = {}
            for option_id, round in sorted(set(counted) | set(tallied)):
                was, now = tallied.get((option_id, round), 0), counted[option_id, round]
                if was != now:
                    differences.append(Difference(poll.slug, round, slugs[option_id], was, now))
                    deltas[option_id, round] = now - was
            voters = _voters_differences(poll)
            differences += [
                Difference(poll.slug, round, "(voters)", was, now)
                for (_, round), (was, now) in voters.items()
            ]
            if fix and (deltas or voters):
                tallies_add(deltas=deltas, option_poll=dict.fromkeys(slugs, poll.pk))
                voters_add(counts={key: now - was for key, (was, now) in voters.items()})
                versions_bump(poll_ids={poll.pk})
    return differences
