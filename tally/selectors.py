"""Reads: a poll's results, as the JSON API, the results page and the WebSocket give them."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from polls.models import Option, Poll
from tally.models import OptionTally, PollTally


class OptionResult(TypedDict):
    slug: str
    label: str
    votes: NotRequired[int]
    percent: NotRequired[float]


class Results(TypedDict):
    poll: str
    question: str
    state: str
    is_open: bool
    visible: bool
    round: int
    total: int | None
    version: int
    options: list[OptionResult]


def results_for(*, poll: Poll) -> Results:
    """The current round's tallies and their version, read in one statement so they agree."""
    version = PollTally.objects.filter(poll_id=OuterRef("poll_id")).values("version")
    votes = OptionTally.objects.filter(option_id=OuterRef("pk"), round=poll.round).values("votes")
    rows = list(
        Option.objects.filter(poll=poll)
        .annotate(
            count=Coalesce(Subquery(votes), Value(0)),
            version=Coalesce(Subquery(version), Value(0)),
        )
        .values_list("slug", "label", "count", "version")
    )
    state = poll.state_at()
    return {
        "poll": poll.slug,
        "question": poll.question,
        "state": state.value,
        "is_open": state == Poll.State.OPEN,
        "visible": True,
        "round": poll.round,
        "version": rows[0][3] if rows else 0,
        **_counted([(slug, label, count) for slug, label, count, _ in rows]),  # type: ignore[typeddict-item]
    }


def results_hidden(results: Results) -> Results:
    """The results as a requester who may not see them gets them: no count leaves the server."""
    return {
        **results,
        "visible": False,
        "total": None,
        "options": [{"slug": o["slug"], "label": o["label"]} for o in results["options"]],
    }


class RoundResults(TypedDict):
    round: int
    total: int
    options: list[OptionResult]


def rounds_for(*, poll: Poll) -> list[RoundResults]:
    """Every round's results, the first first: a finished round's are its final ones."""
    options = list(poll.options.values_list("pk", "slug", "label"))
    counts = {
        (option_id, round): votes
        for option_id, round, votes in OptionTally.objects.filter(poll=poll).values_list(
            "option_id", "round", "votes"
        )
    }
    return [
        {
            "round": round,
            **_counted(  # type: ignore[typeddict-item]
                [(slug, label, counts.get((pk, round), 0)) for pk, slug, label in options]
            ),
        }
        for round in range(1, poll.round + 1)
    ]


def _counted(rows: list[tuple[str, str, int]]) -> dict:
    total = sum(count for _, _, count in rows)
    return {
        "total": total,
        "options": [
            {
                "slug": slug,
                "label": label,
                "votes": count,
                "percent": round(100 * count / total, 1) if total else 0.0,
            }
            for slug, label, count in rows
        ],
    }
