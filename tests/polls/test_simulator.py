"""The vote simulator's arithmetic and errors; tests/tally/test_e2e.py runs its HTTP path."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command

from polls.simulator import SimulationError, assign, parse_split
from voting_site.processes import free_port


def test_a_split_is_exact_and_shuffled():
    choices = assign(300, parse_split("cats=2,dogs=1"), random.Random(1))

    assert (choices.count("cats"), choices.count("dogs")) == (200, 100)
    assert choices != sorted(choices)


def test_an_uneven_split_still_casts_every_vote():
    choices = assign(10, parse_split("a=1,b=1,c=1"), random.Random(1))

    assert len(choices) == 10
    assert sorted({choices.count(slug) for slug in "abc"}) == [3, 4]


@pytest.mark.parametrize("text", ["cats=x", "cats=-1", "cats=0", ","])
def test_a_bad_split_is_a_clear_error(text):
    with pytest.raises(SimulationError, match="--split"):
        parse_split(text)


def test_the_command_says_when_the_site_is_unreachable():
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(CommandError, match="cannot reach"):
        call_command("simulate_votes", "--poll", "cats-vs-dogs", "--votes", "1", "--url", url)
