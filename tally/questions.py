"""A Q&A's questions and upvotes as the ingest keeps them.

A question is made once: its stream entry's place is unique in its poll, so a
redelivered entry makes nothing twice. An upvote is a vote on a question: of a
voter's upvotes and withdrawals of one question, the latest in the stream's order
stands (an older one redelivered later changes nothing), and the question's count
moves by what changed. The caller holds the polls' locks (tally/ingest.py's
`polls_lock`), so the counts read are the counts written.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from django.db.models import Case, F, Value, When

from polls.models import Question, Upvote
from polls.stream import Asked, Upvoted

logger = logging.getLogger(__name__)


def questions_apply(
    asked: Sequence[Asked], upvoted: Sequence[Upvoted], *, takes: Mapping[int, bool]
) -> set[int]:
    """Make the questions asked, and apply the upvotes, of polls that take them (`takes`:
    per poll, whether it does, and whether its questions wait for approval: True).
    Returns the polls whose questions changed."""
    given = len(asked) + len(upvoted)
    asked = [ask for ask in asked if ask.poll_id in takes]
    upvoted = [upvote for upvote in upvoted if upvote.poll_id in takes]
    if given > len(asked) + len(upvoted):
        logger.warning("dropping questions or upvotes of polls that take none")
    made = Question.objects.bulk_create(
        [
            Question(
                poll_id=ask.poll_id,
                round=ask.round,
                voter=ask.voter,
                name=ask.name,
                text=ask.text,
                state=Question.State.PENDING if takes[ask.poll_id] else Question.State.SHOWN,
                asked_at=ask.cast_at,
                stream_order=ask.stream_order,
            )
            for ask in asked
        ],
        ignore_conflicts=True,  # made already: a redelivered entry
    )
    changed = {question.poll_id for question in made}
    return changed | _upvotes_apply(upvoted)


def _upvotes_apply(upvoted: Iterable[Upvoted]) -> set[int]:
    latest: dict[tuple[int, str], Upvoted] = {}  # question, voter
    for upvote in sorted(upvoted, key=lambda upvote: upvote.stream_order):
        latest[upvote.question_id, upvote.voter] = upvote
    if not latest:
        return set()
    polls = dict(
        Question.objects.filter(pk__in={q for q, _ in latest}).values_list("pk", "poll_id")
    )
    for (question, _voter), upvote in list(latest.items()):
        if polls.get(question) != upvote.poll_id:
            logger.warning("dropping an upvote of no question of its poll: %s", upvote)
            del latest[question, _voter]
    stored = {
        (question, voter): (up, order)
        for question, voter, up, order in Upvote.objects.filter(
            question__in={q for q, _ in latest}, voter__in={v for _, v in latest}
        ).values_list("question_id", "voter", "up", "stream_order")
    }
    written: list[Upvote] = []
    counts: Counter[int] = Counter()
    for key, upvote in latest.items():
        before = stored.get(key)
        if before is not None and before[1] >= upvote.stream_order:
            continue  # redelivered, or older than what stands
        written.append(
            Upvote(
                question_id=upvote.question_id,
                voter=upvote.voter,
                up=upvote.up,
                stream_order=upvote.stream_order,
            )
        )
        counts[upvote.question_id] += int(upvote.up) - int(before[0] if before else False)
    Upvote.objects.bulk_create(
        written,
        update_conflicts=True,
        unique_fields=["question", "voter"],
        update_fields=["up", "stream_order"],
    )
    moved = {question: delta for question, delta in counts.items() if delta}
    upvotes_add(moved)
    return {polls[upvote.question_id] for upvote in written}


def upvotes_add(deltas: Mapping[int, int]) -> None:
    """Add each delta to its question's upvotes, in one statement."""
    if deltas:
        Question.objects.filter(pk__in=deltas).update(
            upvotes=F("upvotes")
            + Case(*(When(pk=pk, then=Value(delta)) for pk, delta in deltas.items()), default=0)
        )


def upvotes_counted(poll_id: int) -> dict[int, tuple[int, int, int]]:
    """A Q&A's questions whose upvotes differ from their standing upvotes counted afresh:
    question: (round, stored, counted)."""
    counted = Counter(
        Upvote.objects.filter(question__poll=poll_id, up=True).values_list("question_id", flat=True)
    )
    rows = Question.objects.filter(poll=poll_id).values_list("pk", "round", "upvotes")
    return {pk: (round_, n, counted[pk]) for pk, round_, n in rows if counted[pk] != n}
