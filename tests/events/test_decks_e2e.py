"""A deck's slides are made by the real worker process, not in the request: queued by
the admin's upload (events/jobs.py: deck_queue), counted as it goes, done."""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile

from events.jobs import deck_queue
from events.models import Deck
from events.services import event_create
from polls.services import poll_create
from tests.support.pdfs import pdf_of
from tests.support.processes import rq_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see the deck


def test_the_worker_makes_a_decks_slides_and_counts_them(redis_db):
    ready = poll_create(question="Ready?", options=[("a", "A"), ("b", "B")], slug="ready")
    event = event_create(title="Biology", slug="bio", polls=[ready])
    deck = Deck.objects.create(event=event, name="week3.pdf", at=1)
    deck.file.save("week3.pdf", ContentFile(pdf_of(["One", "Two", "Three"])))

    deck_queue(deck.pk)
    with rq_worker():
        deadline = time.monotonic() + 60
        while Deck.objects.get(pk=deck.pk).state not in (Deck.State.DONE, Deck.State.FAILED):
            assert time.monotonic() < deadline, "the worker made no slides"
            time.sleep(0.2)

    deck.refresh_from_db()
    assert (deck.state, deck.pages, deck.done) == (Deck.State.DONE, 3, 3)
    assert [p.question for p in event.polls()] == ["One", "Two", "Three", "Ready?"]
