"""A poll's results as CSV rows, round by round (polls/exports.py writes them as CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from polls.kinds import kind_of
from polls.models import Poll
from tally.selectors import rounds_for, terms_for


def results_rows(poll: Poll) -> Iterator[list[Any]]:
    """Each round's results: round, option, label, votes, percent (of that round's votes).

    An open poll's are its terms: no option, the term as the label, how many voters
    gave it and their share of the round's voters. Its answers are its votes' CSV.
    """
    yield ["round", "option", "label", "votes", "percent"]
    for results in rounds_for(poll=poll):
        if kind_of(poll.kind).takes_text:
            for term in terms_for(poll, results["round"], limit=None):
                share = (
                    round(100 * term["count"] / results["voters"], 1) if results["voters"] else 0.0
                )
                yield [results["round"], "", term["term"], term["count"], share]
            continue
        for option in results["options"]:
            yield [
                results["round"],
                option["slug"],
                option["label"],
                option.get("votes"),
                option.get("percent"),
            ]
