"""The vote rules that PostgreSQL itself enforces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from polls.models import Poll, Vote
from polls.services import poll_create

pytestmark = pytest.mark.django_db


def test_one_vote_per_voter_per_poll(poll):
    cats, dogs = poll.options.all()
    Vote.objects.create(poll=poll, choices=[cats.pk], voter="a" * 64, cast_at=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=poll, choices=[dogs.pk], voter="a" * 64, cast_at=timezone.now())


def test_a_cast_naming_another_polls_option_is_never_counted(poll):
    from tally.ingest import casts_apply
    from tests.tally.conftest import cast

    other = poll_create(question="Tea or coffee?", options=[("tea", "Tea"), ("coffee", "Coffee")])
    cats = poll.options.get(slug="cats").pk

    for choices in [(other.options.first().pk,), (cats, other.options.first().pk), ()]:
        assert casts_apply([cast("1-0", poll.pk, 1, choices, "b", timezone.now())]).changed == set()
    assert not Vote.objects.exists()


def test_a_poll_closes_after_it_opens():
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        Poll.objects.create(
            slug="backwards", question="?", opens_at=now, closes_at=now - timedelta(hours=1)
        )


@pytest.mark.parametrize(
    ("is_open", "opens_in", "closes_in", "state"),
    [
        (True, None, None, Poll.State.OPEN),
        (False, None, None, Poll.State.CLOSED),
        (True, -1, 1, Poll.State.OPEN),
        (True, 1, 2, Poll.State.SCHEDULED),
        (True, -2, -1, Poll.State.CLOSED),
        (False, -1, 1, Poll.State.CLOSED),
    ],
)
def test_poll_state(is_open, opens_in, closes_in, state):
    now = timezone.now()
    poll = Poll(
        is_open=is_open,
        opens_at=now + timedelta(hours=opens_in) if opens_in is not None else None,
        closes_at=now + timedelta(hours=closes_in) if closes_in is not None else None,
    )

    assert poll.state_at(now) == state
