"""The recount: each poll's votes counted afresh and compared with its tallies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count

from polls.models import Option, Poll, Vote
from tally.ingest import COUNTING, POINTS, POLL_LOCK, tallies_add, versions_bump, voters_add
from tally.models import OptionTally, RoundTally

# What a poll's votes add to each (option, round) tally, as the ingest adds them.
# An option since removed counts for nothing.
_CHOICES_COUNTED = f"""
    WITH counting AS ({COUNTING.format(polls="%s")})
    SELECT choice.option_id, vote.round,
           sum({POINTS.format(position="choice.position")})::integer
    FROM polls_vote AS vote JOIN counting USING (poll_id),
         unnest(vote.choices) WITH ORDINALITY AS choice(option_id, position)
    WHERE vote.poll_id = %s AND choice.option_id = ANY(counting.options)
    GROUP BY 1, 2
"""  # noqa: S608 (no values formatted in: they are parameters)


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
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [POLL_LOCK, poll.pk])
            slugs = dict(Option.objects.filter(poll=poll).values_list("id", "slug"))
            cursor.execute(_CHOICES_COUNTED, [poll.pk, poll.pk])
            counted = {(option_id, round): n for option_id, round, n in cursor.fetchall()}
            tallied = {
                (option_id, round): votes
                for option_id, round, votes in OptionTally.objects.filter(poll=poll).values_list(
                    "option_id", "round", "votes"
                )
            }
            deltas = {}
            for option_id, round in sorted(set(counted) | set(tallied)):
                was, now = tallied.get((option_id, round), 0), counted.get((option_id, round), 0)
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
