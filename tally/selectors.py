"""Reads: a poll's results, as the JSON API, the results page and the WebSocket give them."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from polls import voters
from polls.kinds import kind_of
from polls.models import Option, Poll
from polls.selectors import voted_if_it_matters
from tally.models import OptionTally, PollTally, RoundTally


class OptionResult(TypedDict):
    slug: str
    label: str
    votes: NotRequired[int]  # how many chose it (a ranking: its points, also as `points`)
    percent: NotRequired[float]  # of the voters (a ranking: of all points given)
    points: NotRequired[int]
    position: NotRequired[int]


class Results(TypedDict):
    poll: str
    question: str
    kind: str
    state: str
    is_open: bool
    visible: bool
    round: int
    total: int | None
    voters: int | None
    version: int
    options: list[OptionResult]
    # A rating's: a count per score, their average, how many scores.
    distribution: NotRequired[dict[str, int]]
    average: NotRequired[float | None]
    count: NotRequired[int]


def results_for(*, poll: Poll) -> Results:
    """The current round's tallies and their version, read in one statement so they agree."""
    version = PollTally.objects.filter(poll_id=OuterRef("poll_id")).values("version")
    voters = RoundTally.objects.filter(poll_id=OuterRef("poll_id"), round=poll.round)
    votes = OptionTally.objects.filter(option_id=OuterRef("pk"), round=poll.round).values("votes")
    rows = list(
        Option.objects.filter(poll=poll)
        .annotate(
            count=Coalesce(Subquery(votes), Value(0)),
            version=Coalesce(Subquery(version), Value(0)),
            voters=Coalesce(Subquery(voters.values("voters")), Value(0)),
        )
        .values_list("slug", "label", "count", "version", "voters")
    )
    state = poll.state_at()
    version_now, voters_now = (rows[0][3], rows[0][4]) if rows else (0, 0)
    return {
        "poll": poll.slug,
        "question": poll.question,
        "kind": poll.kind,
        "state": state.value,
        "is_open": state == Poll.State.OPEN,
        "visible": True,
        "round": poll.round,
        "version": version_now,
        **counted(  # type: ignore[typeddict-item]
            poll.kind, [(slug, label, count) for slug, label, count, _, _ in rows], voters_now
        ),
    }


def counted(kind: str, rows: list[tuple[str, str, int]], voters: int) -> dict[str, Any]:
    """A round's figures from its tallies, (slug, label, tally) per option, as the poll's
    kind reads them."""
    options: list[dict[str, Any]] = [
        {"slug": slug, "label": label, "votes": tally} for slug, label, tally in rows
    ]
    figures: dict[str, Any] = {
        "total": sum(tally for _, _, tally in rows),
        "voters": voters,
        "options": options,
    }
    kind_of(kind).figures(figures, voters)
    return figures


def results_hidden(results: Results) -> Results:
    """The results as a requester who may not see them gets them: no count leaves the server,
    nor the version, which every counted vote moves (it would tell the turnout)."""
    hidden: dict[str, Any] = {
        key: value
        for key, value in results.items()
        if key not in ("distribution", "average", "count")
    }
    hidden |= {
        "visible": False,
        "total": None,
        "voters": None,
        "version": None,
        "options": [{"slug": o["slug"], "label": o["label"]} for o in results["options"]],
    }
    return hidden  # type: ignore[return-value]


def results_seen_by(*, cookies: dict[str, str], poll: Poll) -> Results:
    """The poll's results as the browser with these cookies may see them."""
    voter = voters.voter_in(cookies, poll_id=poll.pk, requires_invite=poll.requires_invite)
    has_voted = voted_if_it_matters(poll=poll, voter=voter)
    results = results_for(poll=poll)
    return results if poll.results_visible(has_voted=has_voted) else results_hidden(results)


class RoundResults(TypedDict):
    round: int
    total: int
    voters: int
    options: list[OptionResult]


def rounds_for(*, poll: Poll) -> list[RoundResults]:
    """Every round's results, the first first: a finished round's are its final ones."""
    options = list(poll.options.values_list("pk", "slug", "label"))
    tallies = {
        (option_id, number): votes
        for option_id, number, votes in OptionTally.objects.filter(poll=poll).values_list(
            "option_id", "round", "votes"
        )
    }
    voters = dict(RoundTally.objects.filter(poll=poll).values_list("round", "voters"))
    return [
        {
            "round": number,
            **counted(  # type: ignore[typeddict-item]
                poll.kind,
                [(slug, label, tallies.get((pk, number), 0)) for pk, slug, label in options],
                voters.get(number, 0),
            ),
        }
        for number in range(1, poll.round + 1)
    ]


def average_at(poll: Poll, results: Results) -> float | None:
    """Where a rating's average lies between its lowest and highest score, in percent."""
    average = results.get("average")
    if average is None:
        return None
    return round(100 * (average - poll.scale_min) / (poll.scale_max - poll.scale_min), 1)
