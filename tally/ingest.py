"""Votes drained from the stream into PostgreSQL, with the tallies kept in step.

Applying is idempotent: a cast whose stream entry is not later than the one that
made the voter's stored vote changes nothing, so a redelivery counts nothing twice
and an older cast applied after a newer one does not win. On a poll whose votes
are final, nothing replaces a vote.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import DatabaseError, connection, transaction
from redis.client import Pipeline

from polls.models import Poll
from polls.queue import INGEST_FLAG, Cast
from tally.publish import ResultsPublisher, results_stale
from tally.stream import BATCH_SIZE, Entry, VoteStream
from voting_site.metrics import COUNTED, COUNTERS, observe
from voting_site.redis import redis_client

logger = logging.getLogger(__name__)

# How long a job waits for more votes before it ends, and how long it runs at most
# (then it hands over to a successor, so RQ's job timeout never cuts a batch).
IDLE_MS = 250
MAX_JOB_SECONDS = 60
# Advisory lock namespace for "this poll's votes and tallies are being written".
POLL_LOCK = 7_262_478

# Each poll's way of counting, for the polls of `poll_id IN (...)`: its options,
# whether a voter's first vote stands, and for a ranking its number of options.
COUNTING = """
    SELECT poll.id AS poll_id, poll.voters_may_change AS may_change,
           array_agg(option.id) AS options,
           CASE WHEN poll.kind = 'ranking' THEN count(*) END AS ranked
    FROM polls_poll AS poll JOIN polls_option AS option ON option.poll_id = poll.id
    WHERE poll.id IN ({polls})
    GROUP BY poll.id
"""
# What the option at `position` (from 1) of a cast adds to its tally. A ranking's
# is a Borda count: of n options (`ranked`), the k-th ranked earns n - k. Every
# other kind counts one per chosen option (a rating's score is one).
POINTS = "coalesce(counting.ranked - {position}, 1)"

# One statement per batch, under the polls' locks. It takes the casts (one JSON
# array of Cast rows) and:
# - checks each against its poll: options of the poll, each once;
# - keeps each voter's latest cast in the batch by stream order (the first, on a
#   poll whose votes are final);
# - upserts them as votes, reading first the votes they replace;
# - answers what moved: ("votes", poll, round, option, points added) per tally,
#   ("voters", poll, round, NULL, new voters), and ("dropped", poll, round, the
#   cast's place in the batch, 0) for a cast that failed its check.
# Not `bulk_create(update_conflicts=True)`: that spent three fifths of the drain
# building and preparing one model instance per row (docs/performance.md); and the
# deltas are summed here, not in Python, which spent a third of the drain on them.
_CASTS_APPLY = f"""
    WITH raw AS (
        SELECT cast_.n, cast_.value->>0 AS entry_id, (cast_.value->>1)::bigint AS poll_id,
               (cast_.value->>2)::integer AS round,
               string_to_array(cast_.value->>3, ',')::bigint[] AS choices,
               cast_.value->>4 AS voter, (cast_.value->>5)::timestamptz AS cast_at
        FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS cast_(value, n)
    ), counting AS MATERIALIZED (
        {COUNTING.format(polls="SELECT poll_id FROM raw")}
    ), checked AS (
        SELECT raw.*, counting.may_change,
               split_part(raw.entry_id, '-', 1)::bigint * 1048576
                 + split_part(raw.entry_id, '-', 2)::bigint AS stream_order,
               coalesce(raw.choices <@ counting.options AND CASE
                   WHEN cardinality(raw.choices) <= 1 THEN cardinality(raw.choices) = 1
                   ELSE cardinality(raw.choices)
                        = (SELECT count(DISTINCT option_id) FROM unnest(raw.choices) AS option_id)
               END, false) AS valid
        FROM raw LEFT JOIN counting USING (poll_id)
    ), incoming AS (
        SELECT DISTINCT ON (poll_id, round, voter) *
        FROM checked WHERE valid
        ORDER BY poll_id, round, voter,
                 CASE WHEN may_change THEN -stream_order ELSE stream_order END
    ), before AS MATERIALIZED (
        SELECT vote.poll_id, vote.round, vote.voter, vote.choices
        FROM polls_vote AS vote JOIN incoming USING (poll_id, round, voter)
    ), replaced AS (
        INSERT INTO polls_vote AS vote (poll_id, round, voter, choices, cast_at, stream_order)
        SELECT poll_id, round, voter, choices, cast_at, stream_order FROM incoming
        WHERE may_change
        ON CONFLICT (poll_id, round, voter) DO UPDATE
            SET choices = EXCLUDED.choices, cast_at = EXCLUDED.cast_at,
                stream_order = EXCLUDED.stream_order
            WHERE vote.stream_order < EXCLUDED.stream_order
        RETURNING poll_id, round, voter, choices
    ), kept AS (
        INSERT INTO polls_vote AS vote (poll_id, round, voter, choices, cast_at, stream_order)
        SELECT poll_id, round, voter, choices, cast_at, stream_order FROM incoming
        WHERE NOT may_change
        ON CONFLICT (poll_id, round, voter) DO NOTHING
        RETURNING poll_id, round, voter, choices
    ), changed AS (
        SELECT after.poll_id, after.round, before.choices AS old, after.choices AS new
        FROM (TABLE replaced UNION ALL TABLE kept) AS after
        LEFT JOIN before USING (poll_id, round, voter)
        WHERE before.choices IS DISTINCT FROM after.choices
    )
    SELECT 'votes', changed.poll_id, changed.round, moved.option_id,
           sum(moved.sign * {POINTS.format(position="moved.position")})::integer
    FROM changed JOIN counting USING (poll_id), LATERAL (
        SELECT *, 1 FROM unnest(changed.new) WITH ORDINALITY
        UNION ALL
        SELECT *, -1 FROM unnest(changed.old) WITH ORDINALITY
    ) AS moved(option_id, position, sign)
    GROUP BY changed.poll_id, changed.round, moved.option_id
    UNION ALL
    SELECT 'voters', poll_id, round, NULL, count(*) FROM changed WHERE old IS NULL
    GROUP BY poll_id, round
    UNION ALL
    SELECT 'dropped', poll_id, round, n, 0 FROM checked WHERE NOT valid
"""  # noqa: S608 (no values formatted in: they are a parameter)


def casts_apply(casts: Sequence[Cast]) -> set[int]:
    """Upsert the casts as votes and move the tallies, in one transaction.

    Returns the polls whose results changed. Per poll, writers take turns (an
    advisory lock), so two workers never count the same change twice.
    """
    if not casts:
        return set()
    poll_ids = sorted({cast.poll_id for cast in casts})
    deltas: dict[tuple[int, int], int] = {}
    option_poll: dict[int, int] = {}
    voters: dict[tuple[int, int], int] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            # In order, so two workers cannot deadlock; before the statement, whose
            # snapshot then holds every earlier writer's votes.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, poll_id) FROM unnest(%s::integer[]) AS poll_id",
                [POLL_LOCK, poll_ids],
            )
            cursor.execute(_CASTS_APPLY, [json.dumps(casts)])
            for what, poll_id, round, key, value in cursor.fetchall():
                if what == "votes" and value:
                    deltas[key, round] = value
                    option_poll[key] = poll_id
                elif what == "voters":
                    voters[poll_id, round] = value
                elif what == "dropped":
                    logger.warning("dropping a vote for an option that is gone: %s", casts[key - 1])
        changed = set(option_poll.values()) | {poll_id for poll_id, _ in voters}
        tallies_add(deltas=deltas, option_poll=option_poll)
        voters_add(counts=voters)
        versions_bump(poll_ids=changed)
    return changed


# The tallies move by one statement each, not the ORM's insert-then-update pair.
# Rows already there are updated, the others made; not an upsert, as a negative
# delta would trip the tally's check before the conflict is seen. The poll's lock
# is held.
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


# --- The drain loop -----------------------------------------------------------------


class Batch:
    """Entries read from the stream, and their casts (a malformed entry has none)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entry_ids = [entry_id for entry_id, _ in entries]
        self.casts = [cast for cast in (Cast.parse(*entry) for entry in entries) if cast]

    def __len__(self) -> int:
        return len(self.entry_ids)


def _changeable(casts: list[Cast]) -> list[Cast]:
    """The casts of polls whose voters may change their vote."""
    poll_ids = {cast.poll_id for cast in casts}
    changeable = set(
        Poll.objects.filter(pk__in=poll_ids, voters_may_change=True).values_list("pk", flat=True)
    )
    return [cast for cast in casts if cast.poll_id in changeable]


def _batch_metrics(casts: int, seconds: float) -> Callable[[Pipeline], None]:
    def record(pipe: Pipeline) -> None:
        pipe.hincrby(COUNTERS, COUNTED, casts)
        observe(pipe, "voting_ingest_batch_seconds", seconds)

    return record


def _new_batch(stream: VoteStream, block_ms: int | None) -> Batch:
    return Batch(stream.new(block_ms=block_ms))


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
    batch = Batch(stream.leftovers())
    # One thread reads (and parses) the next batch and another acknowledges this
    # one, while the next is written: Redis, Python and PostgreSQL work at the same
    # time. Read-ahead entries are pending like any others, and an entry is
    # acknowledged only once its batch has committed; an acknowledgement never
    # waits behind a read that blocks for new votes.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="votes-read-ahead") as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="votes-ack") as acker,
    ):
        acked: Future[None] | None = None  # the last batch's acknowledgement

        def settled() -> None:
            if acked is not None:
                acked.result()  # done by now, as a rule; raises what went wrong

        while True:
            ahead = None
            if time.monotonic() < deadline:
                block_ms = None if len(batch) == BATCH_SIZE else IDLE_MS  # more waiting?
                ahead = reader.submit(_new_batch, stream, block_ms)
            if batch:
                started = time.monotonic()
                try:
                    changed = casts_apply(batch.casts)
                except DatabaseError:
                    # The entries stay pending for the next job; meanwhile viewers are told.
                    results_stale(poll_ids={cast.poll_id for cast in batch.casts})
                    raise
                committed = time.monotonic()
                settled()
                counted = _changeable(batch.casts)  # a final poll's choices guard its votes
                record = _batch_metrics(len(batch.casts), committed - started)
                acked = acker.submit(stream.ack, batch.entry_ids, counted, record)
                processed += len(batch)
                publisher.changed(changed, committed_at=committed)
            if ahead is None:
                settled()
                publisher.flush()
                return processed, True
            batch = ahead.result()
            if not batch:
                settled()  # before reading leftovers, which would hold the last batch's
                batch = Batch(stream.leftovers())
                if not batch:
                    publisher.flush()
                    return processed, False
