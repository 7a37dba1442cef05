"""Every question kind answered inside an event, in real browsers (Debian's Chromium)
against real web and worker processes: phones follow the presenter through a single
choice, several choices, a rating, a ranking, open answers and a Q&A, one in English and
one in Spanish, with the same form and feedback as on each poll's own page. (A quiz's
questions: test_quiz_browser.py.)

The README's gallery of a phone in an event is made of the screenshots this test takes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from events.models import Event
from events.services import event_create, event_move
from polls.services import poll_create
from tests.support.browser import LIVE, PHONE, SCREENSHOTS, csp_refusals, in_thread
from tests.support.processes import rq_worker

COLOURS = [("red", "Red"), ("blue", "Blue"), ("green", "Green")]
SHOWN = "[data-event-question]:visible"


@pytest.fixture
def every_kind(db, redis_db) -> Event:
    polls = [
        poll_create(question="Favourite colour?", options=COLOURS, slug="single"),
        poll_create(question="Pick two", options=COLOURS, slug="multiple", kind="multiple",
                    max_choices=2),
        poll_create(question="How was it?", options=[], slug="rating", kind="rating",
                    scale_labels=("Poor", "Great")),
        poll_create(question="Order these", options=COLOURS, slug="ranking", kind="ranking"),
        poll_create(question="Three words for today?", options=[], slug="open", kind="open",
                    answers_per_voter=3),
        poll_create(question="Questions for the speaker?", options=[], slug="qa",
                    kind="questions"),
    ]  # fmt: skip
    return event_create(title="Week 3", polls=polls, slug="week3")


def next_question(event: Event, phones: list[Page], heading: str) -> None:
    """The presenter moves on; every phone shows the question, live."""
    in_thread(lambda: event_move(event=Event.objects.get(pk=event.pk), action="next"))
    for phone in phones:
        expect(phone.locator(f"{SHOWN} h1")).to_have_text(heading, timeout=LIVE)


def said(phone: Page, text: str) -> None:
    expect(phone.locator(f"{SHOWN} .your-vote")).to_contain_text(text, timeout=LIVE)


def shot(phone: Page, name: str) -> None:
    phone.screenshot(path=SCREENSHOTS / f"event-{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True)  # the processes must see the event
def test_every_kind_is_answered_inside_an_event_in_english_and_spanish(
    site_url, every_kind, chromium: Browser
):
    with rq_worker():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        en = chromium.new_context(**PHONE, locale="en-GB").new_page()
        es = chromium.new_context(**PHONE, locale="es-419").new_page()
        refused = csp_refusals(en)
        csp_refusals(es, refused)
        for phone in (en, es):
            phone.goto(f"{site_url}/j/{every_kind.code}")
        phones = [en, es]

        next_question(every_kind, phones, "Favourite colour?")
        en.locator(SHOWN).get_by_role("button", name="Blue").click()
        said(en, "You voted for Blue")
        es.locator(SHOWN).get_by_role("button", name="Red").click()
        said(es, "Votaste por Red")
        shot(en, "single")

        next_question(every_kind, phones, "Pick two")
        question = en.locator(SHOWN)
        question.get_by_role("checkbox", name="Red").check()
        question.get_by_role("checkbox", name="Green").check()
        question.get_by_role("button", name="Vote").click()
        said(en, "You chose Red, Green")
        shot(en, "multiple")

        next_question(every_kind, phones, "How was it?")
        en.locator(SHOWN).locator("label.score", has_text="4").click()
        en.locator(SHOWN).get_by_role("button", name="Vote").click()
        said(en, "You gave 4")
        shot(en, "rating")

        next_question(every_kind, phones, "Order these")
        for colour in ("Green", "Red", "Blue"):
            en.locator(SHOWN).get_by_role("button", name=f"Rank {colour} next").click()
        en.locator(SHOWN).get_by_role("button", name="Vote").click()
        said(en, "Your order: Green, Red, Blue")
        shot(en, "ranking")

        # Open answers: three text boxes, on the event's page as on the poll's own.
        next_question(every_kind, phones, "Three words for today?")
        boxes = en.locator(SHOWN).get_by_role("textbox")
        expect(boxes).to_have_count(3)
        # Past the longest answer (100), the box counts and refuses; it never cuts.
        long = "a wonderful class " * 7  # 126 characters
        boxes.nth(0).fill(long)
        expect(boxes.nth(0)).to_have_value(long)
        counter = en.locator(f"{SHOWN} .counter").first
        expect(counter).to_have_text("126 of 100 characters")
        expect(counter).to_have_attribute("data-over", "true")
        en.locator(SHOWN).get_by_role("button", name="Send").click()
        assert boxes.nth(0).evaluate("box => box.validity.customError")
        expect(en.locator(f"{SHOWN} .your-vote")).to_have_count(0)
        boxes.nth(0).fill("clear")
        expect(counter).to_have_text("5 of 100 characters")
        boxes.nth(1).fill("fun")
        en.locator(SHOWN).get_by_role("button", name="Send").click()
        said(en, "You answered clear, fun")
        es.locator(SHOWN).get_by_label("Respuesta 1").fill("genial")
        es.locator(SHOWN).get_by_role("button", name="Enviar").click()
        said(es, "Respondiste genial")
        expect(en.locator(f"{SHOWN} [data-counts]").first).to_contain_text("2", timeout=LIVE)
        shot(en, "open")
        shot(es, "open-es")

        # A Q&A: the asker is told it was sent; the others upvote it, live.
        next_question(every_kind, phones, "Questions for the speaker?")
        es.locator(SHOWN).get_by_label("Tu pregunta").fill("¿Qué sigue?")
        es.locator(SHOWN).get_by_role("button", name="Preguntar").click()
        expect(es.locator(SHOWN)).to_contain_text("Tu pregunta se envió.", timeout=LIVE)
        upvote = en.locator(SHOWN).get_by_role("button", name="Upvote: 0")
        expect(upvote).to_be_visible(timeout=LIVE)
        upvote.click()
        expect(en.locator(SHOWN).get_by_role("button", name="Upvote: 1")).to_have_attribute(
            "aria-pressed", "true", timeout=LIVE
        )
        shot(en, "qa")
        shot(es, "qa-es")

        # The end: every phone's page holds each question's results, the Q&A's questions
        # among them.
        in_thread(lambda: event_move(event=Event.objects.get(pk=every_kind.pk), action="end"))
        for phone in phones:
            final = phone.locator(".event-final").last
            expect(final).to_contain_text("¿Qué sigue?", timeout=LIVE)
            expect(final.locator("[data-qa-empty]")).to_be_hidden()
        shot(es, "end-es")
        assert refused == []
