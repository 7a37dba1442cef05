"""The recount: each poll's votes counted afresh and compared with its tallies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from polls.countdown import scorings
from polls.models import Option, Poll, Vote
from tally.answers import terms_add, terms_counted
from tally.ingest import polls_lock, tallies_add, versions_bump, voters_add
from tally.models import OptionTally, RoundTally, TermTally
from tally.questions import upvotes_add, upvotes_counted


@dataclass(frozen=True)
class Difference:
    poll: str
    round: int
    option: str
    tallied: int
    counted: int


def tallies_rebuild(*, polls: Iterable[Poll], fix: bool = True) -> list[Difference]:
    """Count each poll's votes afresh, round by round, as the ingest counts them, and
    compare with its tallies. Fixes them unless told not to."""
    differences: list[Difference] = []
    for poll in polls:
        with transaction.atomic():
            counting = polls_lock([poll.pk])[poll.pk]
            slugs = dict(Option.objects.filter(poll=poll).values_list("id", "slug"))
            counted: Counter[tuple[int, int]] = Counter()  # option, round: points
            votes = Vote.objects.filter(poll=poll).values_list("round", "choices")
            for round_, choices in votes.iterator(chunk_size=10_000):
                for option, points in counting.points(choices):
                    counted[option, round_] += points
            tallied = {
                (option, round_): votes
                for option, round_, votes in OptionTally.objects.filter(poll=poll).values_list(
                    "option_id", "round", "votes"
                )
            }
            deltas = {}
            for option, round_ in sorted(set(counted) | set(tallied)):
                was, now = tallied.get((option, round_), 0), counted[option, round_]
                if was != now:
                    differences.append(Difference(poll.slug, round_, slugs[option], was, now))
                    deltas[poll.pk, round_, option] = now - was
            voters = _voters_differences(poll)
            differences += [
                Difference(poll.slug, round_, "(voters)", was, now)
                for (_, round_), (was, now) in voters.items()
            ]
            terms = _terms_differences(poll) if counting.kind.takes_text else {}
            differences += [
                Difference(poll.slug, round_, f"“{term}”", was, was + delta)
                for (_, round_, term), (was, delta) in terms.items()
            ]
            upvotes = upvotes_counted(poll.pk) if counting.kind.takes_questions else {}
            differences += [
                Difference(poll.slug, round_, f"question {pk} (upvotes)", was, now)
                for pk, (round_, was, now) in upvotes.items()
            ]
            rescored = _points_differences(poll)
            differences += [
                Difference(poll.slug, round_, "(points)", was, now)
                for round_, (was, now) in _points_by_round(rescored).items()
            ]
            if fix and rescored:
                mended = [vote for vote, _was in rescored]
                Vote.objects.bulk_update(mended, ["points"], batch_size=1000)
            if fix and (deltas or voters or terms or upvotes):
                upvotes_add({pk: now - was for pk, (_, was, now) in upvotes.items()})
                terms_add({key: delta for key, (_, delta) in terms.items()})
                tallies_add(deltas)
                voters_add({key: now - was for key, (was, now) in voters.items()})
                versions_bump([poll.pk])
    return differences


def _points_differences(poll: Poll) -> list[tuple[Vote, int]]:
    """The votes of the poll's quiz rounds whose points, scored afresh, differ from those
    stored: each with its stored points, and its points set to the new ones."""
    scoring = scorings({poll.pk})
    if not scoring:
        return []
    differing = []
    votes = Vote.objects.filter(poll=poll, round__in={round_ for _, round_ in scoring}).only(
        "round", "choices", "stream_order", "points"
    )
    for vote in votes.iterator(chunk_size=10_000):
        now = scoring[poll.pk, vote.round].points(vote.choices, vote.stream_order)
        if now != vote.points:
            differing.append((vote, vote.points))
            vote.points = now
    return differing


def _points_by_round(rescored: list[tuple[Vote, int]]) -> dict[int, tuple[int, int]]:
    """round: (points stored, points counted) over the votes rescored."""
    sums: dict[int, tuple[int, int]] = {}
    for vote, was in rescored:
        stored, counted = sums.get(vote.round, (0, 0))
        sums[vote.round] = (stored + was, counted + vote.points)
    return sums


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
        (poll.pk, round_): (tallied.get(round_, 0), counted.get(round_, 0))
        for round_ in sorted(set(counted) | set(tallied))
        if tallied.get(round_, 0) != counted.get(round_, 0)
    }


def _terms_differences(poll: Poll) -> dict[tuple[int, int, str], tuple[int, int]]:
    """(poll, round, term): (voters tallied, counted minus tallied), where they differ."""
    counted = terms_counted(poll.pk)
    tallied = {
        (round_, term): voters
        for round_, term, voters in TermTally.objects.filter(poll=poll).values_list(
            "round", "term", "voters"
        )
    }
    return {
        (poll.pk, round_, term): (
            tallied.get((round_, term), 0),
            counted[round_, term] - tallied.get((round_, term), 0),
        )
        for round_, term in sorted(set(counted) | set(tallied))
        if tallied.get((round_, term), 0) != counted[round_, term]
    }
