"""Reads: a poll's results, as the JSON API, the results page and the WebSocket give them."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from polls.models import Option, Poll
from tally.models import PollTally


class OptionResult(TypedDict):
    slug: str
    label: str
    votes: int
    percent: float


class Results(TypedDict):
    poll: str
    question: str
    is_open: bool
    total: int
    version: int
    options: list[OptionResult]


def results_for(*, poll: Poll) -> Results:
    """The poll's tallies and their version, read in one statement so they always agree."""
    version = PollTally.objects.filter(poll_id=OuterRef("poll_id")).values("version")
    rows = list(
        Option.objects.filter(poll=poll)
        .annotate(
            count=Coalesce("tally__votes", Value(0)),
            version=Coalesce(Subquery(version), Value(0)),
        )
        .values_list("slug", "label", "count", "version")
    )
    total = sum(count for _, _, count, _ in rows)
    return {
        "poll": poll.slug,
        "question": poll.question,
        "is_open": poll.state_at() == Poll.State.OPEN,
        "total": total,
        "version": rows[0][3] if rows else 0,
        "options": [
            {
                "slug": slug,
                "label": label,
                "votes": count,
                "percent": round(100 * count / total, 1) if total else 0.0,
            }
            for slug, label, count, _ in rows
        ],
    }
