"""A PDF deck made into an event's slides (events/decks.py): each page a slide with its
picture, its text as the picture's description and its first line as the title, in
order, where the presenter puts them; refused before anything is made when the file is
not a PDF or has too many pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from events.models import Deck, Event
from events.presenters import presenter_make
from events.services import event_create
from polls.services import poll_create
from tests.support.pdfs import pdf_of

pytestmark = pytest.mark.django_db

PAGES = ["Cells and energy", "The mitochondrion", "What we saw"]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def event(redis_db) -> Event:
    two = [("a", "Nucleus"), ("b", "Mitochondrion")]
    questions = [poll_create(question="Which makes the energy?", options=two, slug="energy")]
    return event_create(title="Biology", polls=questions, slug="bio")


def test_a_three_page_pdf_becomes_three_slides_in_order_around_a_question(media, event, capsys):
    deck = media / "lecture.pdf"
    deck.write_bytes(pdf_of(PAGES))

    call_command("loadslides", "bio", str(deck), "--at", "1")
    assert "Made 3 slides of lecture.pdf in bio." in capsys.readouterr().out

    items = [(p.kind, p.question) for p in event.polls()]
    assert items == [("slide", "Cells and energy"), ("slide", "The mitochondrion"),
                     ("slide", "What we saw"), ("single", "Which makes the energy?")]  # fmt: skip
    first = event.polls()[0]
    assert first.image is not None and first.image_alt == "Cells and energy"
    assert (first.image.width, first.image.height) == (1920, 1080)
    made = Deck.objects.get()
    assert (made.state, made.pages, made.done) == (Deck.State.DONE, 3, 3)


def test_what_is_not_a_deck_is_refused_and_makes_nothing(media, event, settings):
    (media / "notes.pdf").write_bytes(b"<!doctype html><title>not a pdf</title>")
    with pytest.raises(CommandError, match=r"This file is not a PDF, or it is damaged\."):
        call_command("loadslides", "bio", str(media / "notes.pdf"))
    settings.VOTING_DECK_MAX_PAGES = 2
    (media / "long.pdf").write_bytes(pdf_of(PAGES))
    with pytest.raises(CommandError, match=r"This PDF has 3 pages; a deck has at most 2\."):
        call_command("loadslides", "bio", str(media / "long.pdf"))
    assert len(event.polls()) == 1 and not Deck.objects.exists()


def test_the_admin_takes_a_deck_and_the_worker_makes_its_slides(media, event, redis_db):
    from django.test import Client

    from events.decks import deck_render

    ana = presenter_make(username="ana", password=None)[0]
    event.owner = ana
    event.save()
    client = Client()
    client.force_login(ana)
    form = {
        "title": "Biology", "slug": "bio", "pace": "presenter", "mode": "polls",
        "participation": "anonymous", "participants_may_erase": "on",
        "speed": "on", "opens_questions": "on",
        "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "1",
        "questions-0-id": str(event.questions.get().pk), "questions-0-event": str(event.pk),
        "questions-0-position": "1", "questions-0-poll": str(event.questions.get().poll_id),
        "hosts-TOTAL_FORMS": "0", "hosts-INITIAL_FORMS": "0",
        "decks-TOTAL_FORMS": "1", "decks-INITIAL_FORMS": "0", "decks-0-at": "2",
        "decks-0-file": SimpleUploadedFile("week3.pdf", pdf_of(PAGES[:2])),
    }  # fmt: skip
    bad = {**form, "decks-0-file": SimpleUploadedFile("week3.pdf", b"not a pdf at all")}
    refused = client.post(f"/admin/events/event/{event.pk}/change/", bad)
    assert "This file is not a PDF, or it is damaged." in refused.content.decode()

    answer = client.post(f"/admin/events/event/{event.pk}/change/", form)
    assert answer.status_code == 302
    deck = Deck.objects.get()
    assert deck.state == Deck.State.WAITING and len(event.polls()) == 1  # not in the request

    deck_render(deck.pk)  # what the worker's job runs (events/jobs.py: deck_slides_make)
    assert [p.question for p in event.polls()] == ["Which makes the energy?", *PAGES[:2]]
    page = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "2 of 2 (done)" in page
