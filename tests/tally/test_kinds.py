"""Each question kind through the worker: tallies move by the difference between a voter's
old cast and new one, `recount` agrees, and the results carry each kind's figures."""

from __future__ import annotations

from typing import Any

import pytest

from polls.models import Vote
from polls.services import poll_create
from tally.ingest import casts_apply
from tally.recount import tallies_rebuild
from tally.selectors import Results, results_for
from tests.tally.conftest import at, cast

pytestmark = pytest.mark.django_db

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


def applied(poll, casts: list[tuple[str, str, float]]) -> Results:
    """Apply (voter, "slug,slug", second) casts, one batch each, and read the results."""
    pks = dict(poll.options.values_list("slug", "pk"))
    for n, (voter, slugs, second) in enumerate(casts):
        choices = tuple(pks[slug] for slug in slugs.split(","))
        casts_apply([cast(f"{n + 1}-0", poll.pk, 1, choices, voter, at(second))])
    assert tallies_rebuild(polls=[poll], fix=False) == []
    return results_for(poll=poll)


def by_slug(results: Results, key: str) -> dict[str, int]:
    options: list[dict[str, Any]] = list(results["options"])  # type: ignore[arg-type]
    return {option["slug"]: option[key] for option in options}


def test_multiple_counts_each_chosen_option_and_percent_of_voters():
    poll = poll_create(question="Q?", options=FOUR, kind="multiple")

    results = applied(
        poll,
        [("ann", "a,b", 1), ("bob", "a", 1), ("cy", "b,c,d", 1), ("ann", "c", 2)],  # ann changes
    )

    assert by_slug(results, "votes") == {"a": 1, "b": 1, "c": 2, "d": 1}
    assert (results["voters"], results["total"]) == (3, 5)
    assert by_slug(results, "percent") == {"a": 33.3, "b": 33.3, "c": 66.7, "d": 33.3}


def test_ranking_scores_a_borda_count():
    poll = poll_create(question="Q?", options=FOUR, kind="ranking")

    results = applied(
        poll,
        [
            ("ann", "a,b,c,d", 1),  # a 3, b 2, c 1, d 0
            ("bob", "b,a,d,c", 1),  # b 3, a 2, d 1, c 0
            ("cy", "c,b,a,d", 1),
            ("cy", "d,c,b,a", 2),  # cy changes: d 3, c 2, b 1, a 0
        ],
    )

    assert by_slug(results, "points") == {"a": 5, "b": 6, "c": 3, "d": 4}
    assert by_slug(results, "position") == {"b": 1, "a": 2, "d": 3, "c": 4}
    assert results["voters"] == 3


def test_a_top_two_ranking_gives_points_to_the_ranked_only():
    poll = poll_create(question="Q?", options=FOUR, kind="ranking", max_choices=2)

    results = applied(poll, [("ann", "c,a", 1), ("bob", "a,c", 1)])

    assert by_slug(results, "points") == {"a": 5, "b": 0, "c": 5, "d": 0}
    assert by_slug(results, "position") == {"a": 1, "c": 1, "b": 3, "d": 3}


def test_rating_gives_the_distribution_average_and_count():
    poll = poll_create(question="How was it?", options=[], kind="rating", scale=(1, 5))

    results = applied(poll, [("ann", "5", 1), ("bob", "4", 1), ("cy", "1", 1), ("cy", "3", 2)])

    assert results["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert (results["average"], results["count"], results["voters"]) == (4.0, 3, 3)


def test_a_rating_without_votes_has_no_average():
    poll = poll_create(question="How was it?", options=[], kind="rating")

    assert (results_for(poll=poll)["average"], results_for(poll=poll)["count"]) == (None, 0)


@pytest.mark.parametrize("kind", ["single", "multiple", "rating", "ranking"])
def test_on_a_final_poll_the_first_cast_stands(kind):
    options = [] if kind == "rating" else FOUR
    poll = poll_create(question="Q?", options=options, kind=kind, voters_may_change=False)
    first, second = {
        "single": ("a", "b"),
        "multiple": ("a", "b,c"),
        "rating": ("1", "5"),
        "ranking": ("a,b,c,d", "d,c,b,a"),
    }[kind]
    pks = dict(poll.options.values_list("slug", "pk"))

    applied(poll, [("ann", first, 1), ("ann", second, 2)])  # two batches
    casts_apply(  # and in one batch, the later one first
        [
            cast("9-1", poll.pk, 1, (pks[second.split(",")[0]],), "bob", at(4)),
            cast("9-0", poll.pk, 1, tuple(pks[s] for s in first.split(",")), "bob", at(3)),
        ]
    )

    stored = dict(Vote.objects.values_list("voter", "choices"))
    assert stored["ann"] == stored["bob"] == [pks[slug] for slug in first.split(",")]
    assert tallies_rebuild(polls=[poll], fix=False) == []
