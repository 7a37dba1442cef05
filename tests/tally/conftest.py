from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from polls.kinds import kind_of
from polls.models import Question
from polls.simulator import ANSWERS
from polls.stream import INGEST_GROUP, VOTE_STREAM, Cast, entry_fields, upvote_fields
from tally.answers import shown_terms
from tally.models import OptionTally, TermTally

T0 = timezone.now()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def cast(
    entry_id: str,
    poll_id: int,
    round_number: int,
    choices: tuple[int, ...],
    voter: str,
    when: datetime,
) -> Cast:
    """A cast as the worker reads it from the stream entry `entry_id`."""
    return Cast(entry_id, poll_id, round_number, choices, voter, when)


class Backlog:
    """Votes queued straight into the stream, as the vote view queues them.

    A cast is a slug ("cats") or, for the kinds that take several, a tuple of
    slugs in order; of an open poll, an answer's text (or a tuple of them); of a Q&A,
    an upvote of one of its four questions, "q0" to "q3" ("-q0": taken back).
    """

    def __init__(self, redis_db, poll) -> None:
        self.redis = redis_db
        self.poll = poll
        self.round = 1
        self.options = dict(poll.options.values_list("slug", "pk"))
        self.latest: dict[str, tuple[datetime, tuple[str, ...]]] = {}
        self.casts = 0  # the casts queued (a Q&A's upvotes are not casts)
        self.typed = kind_of(poll.kind).takes_text
        self.questions: dict[str, int] = {}
        if kind_of(poll.kind).takes_questions:
            self.questions = {
                f"q{i}": Question.objects.create(
                    poll=poll, voter=f"asker-{i}", text=f"q{i}", asked_at=T0, stream_order=i
                ).pk
                for i in range(4)
            }

    def cast(self, voter: str, option: str | tuple[str, ...], cast_at: datetime) -> None:
        self.add([(voter, option, cast_at)])

    def add(self, casts: list[tuple[str, str | tuple[str, ...], datetime]]) -> None:
        """Queue these casts, in order: a voter's later one wins (the first, if final)."""
        final = not self.poll.voters_may_change
        with self.redis.pipeline(transaction=False) as pipe:
            for voter, option, cast_at in casts:
                slugs = (option,) if isinstance(option, str) else option
                if self.questions:
                    fields = upvote_fields(
                        poll_id=self.poll.pk, round_number=self.round,
                        question_id=self.questions[slugs[0].lstrip("-")],
                        up=not slugs[0].startswith("-"), voter=voter, cast_at=cast_at,
                    )  # fmt: skip
                    pipe.xadd(VOTE_STREAM, fields)  # type: ignore[arg-type]
                    self.latest[f"{voter} {slugs[0].lstrip('-')}"] = (cast_at, slugs)
                    continue
                fields = entry_fields(
                    poll_id=self.poll.pk,
                    round_number=self.round,
                    choices=[] if self.typed else [self.options[slug] for slug in slugs],
                    voter=voter,
                    cast_at=cast_at,
                    answers=slugs if self.typed else (),
                )
                pipe.xadd(VOTE_STREAM, fields)  # type: ignore[arg-type]
                self.casts += 1
                if voter not in self.latest or not final:
                    self.latest[voter] = (cast_at, slugs)
            pipe.execute()

    def expected(self) -> dict[str, int]:
        """What the tallies must say: each voter's latest cast, counted once (a ranking: points;
        an open poll: each term once per voter)."""
        if self.questions:
            up = Counter(slugs[0] for _, slugs in self.latest.values() if slugs[0][0] != "-")
            return {text: up[text] for text in self.questions}
        if self.typed:
            terms: Counter[str] = Counter()
            for _, answers in self.latest.values():
                terms.update(shown_terms({i: (text, "shown") for i, text in enumerate(answers)}))
            return dict(terms)
        kind = kind_of(self.poll.kind)
        counts: Counter[int] = Counter()
        for _, slugs in self.latest.values():
            for option, points in kind.points([self.options[s] for s in slugs], len(self.options)):
                counts[option] += points
        return {slug: counts[option] for slug, option in self.options.items()}

    def choices(self, i: int) -> tuple[str, ...]:
        """The i-th voter's cast, valid for the poll's kind."""
        if self.typed:
            return (ANSWERS[i % len(ANSWERS)],)
        if self.questions:
            return (f"q{i % len(self.questions)}",)
        slugs = list(self.options)
        first = i % len(slugs)
        if self.poll.kind == "multiple":
            return (slugs[first], slugs[(first + 1) % len(slugs)])
        if self.poll.kind == "ranking":
            return tuple(slugs[first:] + slugs[:first])
        return (slugs[first],)

    def burst(self, *, voters: int, changes: int, prefix: str = "voter") -> None:
        """`voters` votes, then `changes` of those voters change their minds (later casts)."""
        self.add([(f"{prefix}-{i}", self.choices(i), at(i / 1000)) for i in range(voters)])
        self.add([(f"{prefix}-{i}", self.change(i), at(100 + i / 1000)) for i in range(changes)])

    def change(self, i: int) -> tuple[str, ...]:
        """The i-th voter's later cast: another choice (of a Q&A: the upvote taken back)."""
        if self.questions:
            return ("-" + self.choices(i)[0],)
        return self.choices(i + 1)

    def pending(self) -> int:
        """Entries read by a consumer but not acknowledged."""
        return int(self.redis.xpending(VOTE_STREAM, INGEST_GROUP)["pending"])

    def length(self) -> int:
        return int(self.redis.xlen(VOTE_STREAM))


def tallies(poll, round_number: int = 1) -> dict[str, int]:
    """The poll's tallies in a round (the first by default); an open poll's, its terms'."""
    if kind_of(poll.kind).takes_text:
        terms = TermTally.objects.filter(poll=poll, round=round_number)
        return dict(terms.values_list("term", "voters"))
    if kind_of(poll.kind).takes_questions:
        return dict(Question.objects.filter(poll=poll).values_list("text", "upvotes"))
    rows = OptionTally.objects.filter(poll=poll, round=round_number).values_list(
        "option__slug", "votes"
    )
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


FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


@pytest.fixture(params=["single", "multiple", "rating", "ranking", "open", "questions", "quiz"])
def poll_of_each_kind(request, db):
    """A poll of each question kind in turn (four options, a scale of five, or none); and a
    quiz's question: single choice, Alpha right, its clock started (votes earn points)."""
    from polls.countdown import redis_now_ms
    from polls.models import Countdown
    from polls.services import poll_create

    if request.param == "quiz":
        poll = poll_create(question="Q?", options=FOUR, slug="q", correct=["a"])
        Countdown.objects.create(poll=poll, opened_ms=redis_now_ms(), seconds=20, speed=True)
        return poll
    options = [] if request.param in ("rating", "open", "questions") else FOUR
    return poll_create(question="Q?", options=options, slug="q", kind=request.param)


@pytest.fixture
def backlog_of_each_kind(poll_of_each_kind, redis_db) -> Backlog:
    return Backlog(redis_db, poll_of_each_kind)
