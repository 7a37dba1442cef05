"""A poll's results as CSV rows, round by round (polls/exports.py writes them as CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from polls.kinds import kind_of
from polls.models import Poll, Question
from tally.models import Seal
from tally.selectors import rounds_for, terms_for


def results_rows(poll: Poll) -> Iterator[list[Any]]:
    """Each round's results: round, option, label, votes, percent (of that round's votes),
    and the round's published log's fingerprint once it is sealed (tally/audit.py).

    An open poll's are its terms: no option, the term as the label, how many voters
    gave it and their share of the round's voters. Its answers are its votes' CSV. A
    Q&A's are its questions the room may see (not those waiting for approval or hidden),
    the most upvoted first: the question as the label, its upvotes as the votes (the
    votes' CSV has them all, with their states).
    """
    yield ["round", "option", "label", "votes", "percent", "fingerprint"]
    if kind_of(poll.kind).takes_questions:
        questions = (
            Question.objects.filter(poll=poll)
            .exclude(state__in=[Question.State.PENDING, Question.State.HIDDEN])
            .order_by("round", "-upvotes", "stream_order")
        )
        for round_, text, upvotes in questions.values_list("round", "text", "upvotes"):
            yield [round_, "", text, upvotes, None, ""]
        return
    # Each round's latest close's seal: a round closed twice was sealed twice.
    sealed = dict(Seal.objects.filter(poll=poll).order_by("sealed_at", "pk")
                  .values_list("round", "fingerprint"))  # fmt: skip
    for results in rounds_for(poll=poll):
        fingerprint = sealed.get(results["round"], "")
        if kind_of(poll.kind).takes_text:
            for term in terms_for(poll, results["round"], limit=None):
                share = (
                    round(100 * term["count"] / results["voters"], 1) if results["voters"] else 0.0
                )
                yield [results["round"], "", term["term"], term["count"], share, fingerprint]
            continue
        for option in results["options"]:
            yield [
                results["round"],
                option["slug"],
                option["label"],
                option.get("votes"),
                option.get("percent"),
                fingerprint,
            ]
