"""A poll's results as CSV rows, round by round (polls/exports.py writes them as CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from polls.models import Poll
from tally.selectors import rounds_for


def results_rows(poll: Poll) -> Iterator[list[Any]]:
    """Each round's results: round, option, label, votes, percent (of that round's votes)."""
    yield ["round", "option", "label", "votes", "percent"]
    for results in rounds_for(poll=poll):
        for option in results["options"]:
            yield [
                results["round"],
                option["slug"],
                option["label"],
                option.get("votes"),
                option.get("percent"),
            ]
