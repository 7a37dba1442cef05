"""Votes drained from the stream into PostgreSQL, with the tallies kept in step.

Applying is idempotent: a cast whose stream entry is not later than the one that
made the voter's stored vote changes nothing, so a redelivery counts nothing twice
and an older cast applied after a newer one does not win. On a poll whose votes
are final, nothing replaces a vote.

A batch is applied in one transaction, through the ORM, under its polls' locks:
read what the batch's voters have stored, decide in Python which casts replace
which votes, write the votes in one statement and move the tallies by what
changed. What a cast adds to a tally is its kind's to say (polls/kinds.py); an open
poll's answers, and the word cloud's terms, are kept by tally/answers.py.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DatabaseError, transaction
from django.db.models import Exists, F, OuterRef
from redis.client import Pipeline

from polls.countdown import Scoring, scorings
from polls.kinds import QuestionKind, kind_of
from polls.models import CastRecord, Countdown, Option, Poll, Vote
from polls.stream import INGEST_FLAG, Asked, Cast, Upvoted, cast_value, entry_parse, stream_ms
from tally.answers import answers_apply, terms_add
from tally.counts import counts_add
from tally.models import OptionTally, PollTally, RoundTally
from tally.publish import ResultsPublisher, results_stale
from tally.questions import questions_apply
from tally.stream import BATCH_SIZE, Entry, VoteStream
from voting_site.metrics import COUNTED, COUNTERS, observe
from voting_site.redis import redis_client

logger = logging.getLogger(__name__)

# How long a job waits for more votes before it ends, and how long it runs at most
# (then it hands over to a successor, so RQ's job timeout never cuts a batch).
IDLE_MS = 250
MAX_JOB_SECONDS = 60

# A vote's key: one vote per voter per poll's round.
VoteKey = tuple[int, int, str]  # poll, round, voter


@dataclass(frozen=True)
class Counting:
    """A poll as the ingest counts it: its kind, whether a first vote stands, its options,
    whether its answers wait for approval, whether a quiz's clock has run in it (its
    votes are scored)."""

    kind: QuestionKind
    may_change: bool
    options: frozenset[int]
    moderated: bool = False
    timed: bool = False
    closed_ms: int | None = None  # when voting closed, on Redis's clock; None: open

    def too_late(self, entry: Cast | Asked | Upvoted) -> bool:
        """Whether Redis added the entry in a millisecond after the poll closed: the vote
        scripts refuse such a vote, unless Redis lost the poll's state."""
        return self.closed_ms is not None and stream_ms(entry.stream_order) > self.closed_ms

    def points(self, choices: Sequence[int]) -> Iterable[tuple[int, int]]:
        """What `choices` add to each option's tally; an option since removed, nothing."""
        return (
            (option, points)
            for option, points in self.kind.points(choices, len(self.options))
            if option in self.options
        )


def polls_lock(poll_ids: Iterable[int]) -> dict[int, Counting]:
    """Lock the polls for writing their votes and tallies, until the transaction ends,
    and say how each counts. Writers take turns per poll, so two workers never count
    the same change twice; in order of id, so that they cannot deadlock.

    FOR NO KEY UPDATE: it does not stop a vote's insert, which takes a key-share lock
    on its poll. Locks are taken before any vote is read: READ COMMITTED gives each
    later statement a snapshot with every earlier writer's votes.
    """
    polls = (
        Poll.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=poll_ids)
        .order_by("pk")
        .annotate(
            option_ids=ArraySubquery(Option.objects.filter(poll=OuterRef("pk")).values("pk")),
            timed=Exists(Countdown.objects.filter(poll=OuterRef("pk"))),
        )
        .values_list(
            "pk", "kind", "voters_may_change", "option_ids", "moderation", "timed", "closed_ms"
        )
    )
    return {
        pk: Counting(
            kind_of(kind),
            may_change,
            frozenset(option_ids),
            moderation == Poll.Moderation.APPROVE,
            timed,
            closed_ms,
        )
        for pk, kind, may_change, option_ids, moderation, timed, closed_ms in polls
    }


@dataclass(frozen=True)
class Applied:
    """What a batch did: the polls whose results changed, and those whose voters may
    change their vote (the batch's queued choices of those may be forgotten)."""

    changed: set[int]
    changeable: set[int]


def casts_apply(
    casts: Sequence[Cast], asked: Sequence[Asked] = (), upvoted: Sequence[Upvoted] = ()
) -> Applied:
    """Upsert the casts as votes and move the tallies, and apply a Q&A's questions asked
    and upvotes (tally/questions.py), in one transaction."""
    if not (casts or asked or upvoted):
        return Applied(set(), set())
    with transaction.atomic():
        entries: list[Cast | Asked | Upvoted] = [*casts, *asked, *upvoted]
        counting = polls_lock({entry.poll_id for entry in entries})
        casts, asked, upvoted = (
            _in_time(casts, counting),
            _in_time(asked, counting),
            _in_time(upvoted, counting),
        )
        incoming = _casts_kept(casts, counting)
        stored = _votes_stored(incoming)
        written: list[Cast] = []
        tallies: Counter[tuple[int, int, int]] = Counter()  # poll, round, option: points
        voters: Counter[tuple[int, int]] = Counter()  # poll, round: new voters
        for key, cast in incoming.items():
            poll = counting[cast.poll_id]
            before = stored.get(key)
            if before is not None and (not poll.may_change or before[1] >= cast.stream_order):
                continue  # a final vote, or a redelivered or older cast
            written.append(cast)
            if before is None:
                voters[cast.poll_id, cast.round] += 1
            elif tuple(before[0]) == cast.choices:
                continue  # the same choices again: no tally moves
            else:
                for option, points in poll.points(before[0]):
                    tallies[cast.poll_id, cast.round, option] -= points
            for option, points in poll.points(cast.choices):
                tallies[cast.poll_id, cast.round, option] += points
        timed = {
            pk for pk in {cast.poll_id for cast in casts} & counting.keys() if counting[pk].timed
        }
        scoring = scorings(timed) if timed else {}
        _votes_write(written, scoring)
        _casts_log(casts, counting, scoring)
        deltas = {key: points for key, points in tallies.items() if points}
        tallies_add(deltas)
        voters_add(voters)
        answered = {cast.poll_id for cast in written if cast.answers}
        terms_add(
            answers_apply(written, moderated={pk for pk in answered if counting[pk].moderated})
        )
        questioned = questions_apply(
            asked,
            upvoted,
            takes={
                pk: poll.moderated for pk, poll in counting.items() if poll.kind.takes_questions
            },
        )
        changed = {poll for poll, _, _ in deltas} | {poll for poll, _ in voters}
        changed |= answered | questioned
        versions_bump(changed)
    return Applied(changed, {pk for pk, poll in counting.items() if poll.may_change})


AnyEntry = TypeVar("AnyEntry", Cast, Asked, Upvoted)


def _in_time(entries: Sequence[AnyEntry], counting: dict[int, Counting]) -> list[AnyEntry]:
    """The entries Redis took while their poll was open; one line of log for the rest."""
    kept = [e for e in entries if e.poll_id not in counting or not counting[e.poll_id].too_late(e)]
    if len(kept) < len(entries):
        logger.warning("not counting %d entries added after their poll closed",
                       len(entries) - len(kept))  # fmt: skip
    return kept


def _casts_kept(casts: Sequence[Cast], counting: dict[int, Counting]) -> dict[VoteKey, Cast]:
    """Per voter of a poll's round, the cast that counts: the latest by stream order, or
    the first on a poll whose votes are final. A cast that its poll no longer takes
    (a poll or an option removed since) is dropped, with a line in the log."""
    kept: dict[VoteKey, Cast] = {}
    for cast in sorted(casts, key=lambda cast: cast.stream_order):
        poll = counting.get(cast.poll_id)
        if poll is None or not poll.kind.accepts(cast.choices, poll.options):
            logger.warning("dropping a vote for an option that is gone: %s", cast)
            continue
        key = (cast.poll_id, cast.round, cast.voter)
        if poll.may_change or key not in kept:
            kept[key] = cast
    return kept


def _votes_stored(keys: Iterable[VoteKey]) -> dict[VoteKey, tuple[list[int], int]]:
    """The batch's voters' stored votes: their choices and stream order."""
    keys = set(keys)
    if not keys:
        return {}
    found = Vote.objects.filter(
        poll__in={poll for poll, _, _ in keys},
        round__in={round_ for _, round_, _ in keys},
        voter__in={voter for _, _, voter in keys},
    ).values_list("poll_id", "round", "voter", "choices", "stream_order")
    return {
        (poll, round_, voter): (choices, order)
        for poll, round_, voter, choices, order in found
        if (poll, round_, voter) in keys
    }


def _votes_write(casts: list[Cast], scoring: dict[tuple[int, int], Scoring]) -> None:
    """Each cast as its voter's vote, with its points if its round is a quiz question's:
    made, or replacing the stored one (the polls are locked, and the casts were chosen
    against what is stored)."""
    Vote.objects.bulk_create(
        [
            Vote(
                poll_id=cast.poll_id,
                round=cast.round,
                voter=cast.voter,
                choices=list(cast.choices),
                cast_at=cast.cast_at,
                stream_order=cast.stream_order,
                points=_points(scoring, cast),
            )
            for cast in casts
        ],
        update_conflicts=True,
        unique_fields=["poll", "round", "voter"],
        update_fields=["choices", "cast_at", "stream_order", "points"],
    )


def _casts_log(
    casts: Sequence[Cast], counting: dict[int, Counting], scoring: dict[tuple[int, int], Scoring]
) -> None:
    """Keep every cast its poll takes, the replaced ones too, for the poll's published log
    (tally/audit.py); a redelivered cast is kept already, and adds nothing."""
    CastRecord.objects.bulk_create(
        [
            CastRecord(
                poll_id=cast.poll_id,
                round=cast.round,
                stream_order=cast.stream_order,
                voter=cast.voter,
                receipt=cast.receipt,
                cast=cast_value(cast.choices, cast.answers),
                points=_points(scoring, cast),
            )
            for cast in casts
            if cast.poll_id in counting
            and counting[cast.poll_id].kind.accepts(cast.choices, counting[cast.poll_id].options)
        ],
        ignore_conflicts=True,
    )


def _points(scoring: dict[tuple[int, int], Scoring], cast: Cast) -> int:
    found = scoring.get((cast.poll_id, cast.round))
    return found.points(cast.choices, cast.stream_order) if found is not None else 0


# The tallies are read and written under their polls' locks, so a row read is the row
# written: each is upserted with its new value, made on first use (one statement, where
# Django's bulk_update builds a CASE per row).


def tallies_add(deltas: dict[tuple[int, int, int], int]) -> None:
    """Add each delta to its (poll, round, option) tally."""
    counts_add(OptionTally, ("poll_id", "round", "option_id"), "votes", deltas,
               unique=("option", "round"))  # fmt: skip


def voters_add(counts: dict[tuple[int, int], int]) -> None:
    """Add to each (poll, round)'s count of voters."""
    counts_add(RoundTally, ("poll_id", "round"), "voters", counts)


def versions_bump(poll_ids: Iterable[int]) -> None:
    """Bump each poll's results version: the tallies just moved, or their round did."""
    poll_ids = sorted(poll_ids)
    bumped = PollTally.objects.filter(poll__in=poll_ids).update(version=F("version") + 1)
    if bumped < len(poll_ids):  # a poll's first results: its row is made
        PollTally.objects.bulk_create(
            [PollTally(poll_id=poll, version=1) for poll in poll_ids], ignore_conflicts=True
        )


# --- The drain loop -----------------------------------------------------------------


class Batch:
    """Entries read from the stream: their casts, questions asked and upvotes (a malformed
    entry is none of them)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entry_ids = [entry_id for entry_id, _ in entries]
        parsed = [entry_parse(*entry) for entry in entries]
        self.casts = [entry for entry in parsed if isinstance(entry, Cast)]
        self.asked = [entry for entry in parsed if isinstance(entry, Asked)]
        self.upvoted = [entry for entry in parsed if isinstance(entry, Upvoted)]

    def __len__(self) -> int:
        return len(self.entry_ids)


def _batch_metrics(casts: int, seconds: float) -> Callable[[Pipeline], None]:
    def record(pipe: Pipeline) -> None:
        pipe.hincrby(COUNTERS, COUNTED, casts)
        observe(pipe, "voting_ingest_batch_seconds", seconds)

    return record


def _new_batch(stream: VoteStream, block_ms: int | None) -> Batch:
    return Batch(stream.new(block_ms=block_ms))


def votes_ingest(
    *, consumer: str, max_seconds: float = MAX_JOB_SECONDS, idle_ms: int | None = IDLE_MS
) -> tuple[int, bool]:
    """Drain the stream in batches until it stays empty for `idle_ms` (None: until it is
    empty) or time is up.

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
                block_ms = None if len(batch) == BATCH_SIZE else idle_ms  # more waiting?
                ahead = reader.submit(_new_batch, stream, block_ms)
            if batch:
                started = time.monotonic()
                try:
                    applied = casts_apply(batch.casts, batch.asked, batch.upvoted)
                except DatabaseError:
                    # The entries stay pending for the next job; meanwhile viewers are told.
                    entries: list[Cast | Asked | Upvoted] = [
                        *batch.casts,
                        *batch.asked,
                        *batch.upvoted,
                    ]
                    results_stale(poll_ids={entry.poll_id for entry in entries})
                    raise
                committed = time.monotonic()
                settled()
                # A final poll's choices stay in Redis: they refuse a second vote.
                counted = [cast for cast in batch.casts if cast.poll_id in applied.changeable]
                record = _batch_metrics(
                    len(batch.casts) + len(batch.asked) + len(batch.upvoted), committed - started
                )
                acked = acker.submit(stream.ack, batch.entry_ids, counted, record)
                processed += len(batch)
                publisher.changed(applied.changed, committed_at=committed)
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
