from __future__ import annotations

import pytest

from events.models import Event
from events.services import event_create
from polls.services import poll_create

FOUR = [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]


@pytest.fixture
def event(db, redis_db) -> Event:
    """An event of three questions of three kinds, in its lobby."""
    polls = [
        poll_create(question="Which colour?", options=FOUR[:3], slug="colour"),
        poll_create(
            question="How was it?",
            options=[],
            slug="rate",
            kind="rating",
            scale_labels=("Poor", "Great"),
        ),
        poll_create(question="Order these", options=FOUR, slug="rank", kind="ranking"),
    ]
    return event_create(title="Week 3", polls=polls, slug="week3")
