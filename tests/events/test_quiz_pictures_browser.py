"""A quiz question whose options are pictures, in Chromium against a real web process:
the phone (390x844) shows them as tiles in their colours and shapes, the projector
(1280x720) beside the options' names, and no name leaves its box."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from PIL import Image
from playwright.sync_api import Browser, expect

from events.services import event_create, event_move
from polls.pictures import picture_read, picture_store
from polls.services import poll_create
from tests.support.browser import PHONE, in_thread, sign_in

CELLS = [("a", "Nucleus"), ("b", "Mitochondrion"), ("c", "Vacuole"), ("d", "Cell wall")]
COLOURS = [(200, 60, 60), (60, 140, 60), (60, 90, 200), (200, 180, 40)]


def _quiz() -> None:
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    question = poll_create(question="Which is the mitochondrion?", options=CELLS, slug="q1",
                           correct=["b"])  # fmt: skip
    for option, colour in zip(question.options.all(), COLOURS, strict=True):
        out = io.BytesIO()
        Image.new("RGB", (800, 600), colour).save(out, "PNG")
        option.image = picture_store(picture_read(io.BytesIO(out.getvalue())))
        option.image_alt = f"The {option.label.lower()}, drawn"
        option.save()
    event = event_create(title="Cells", polls=[question], slug="cells", quiz=True, seconds=240)
    event_move(event=event, action="next")


@pytest.mark.django_db(transaction=True)  # the web process must see the quiz
def test_a_quiz_question_of_pictures_on_the_phone_and_the_projector(
    site_url, redis_db, chromium: Browser
):
    in_thread(_quiz)
    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{site_url}/events/cells/")
    phone.fill("#nickname", "Ada")
    phone.click(".quiz-join-form button[type=submit]")
    tiles = phone.locator(".vote-form.pictured.quiz-shapes button.option")
    expect(tiles).to_have_count(4)
    expect(tiles.nth(1).get_by_role("img", name="The mitochondrion, drawn")).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")

    projector = chromium.new_page(viewport={"width": 1280, "height": 720})
    sign_in(projector, site_url, username="teacher", password="a long pass phrase",
            then="/events/cells/present/")  # fmt: skip
    choices = projector.locator(".choice-shown")
    expect(choices).to_have_count(4)
    expect(choices.locator("img.option-image")).to_have_count(4)
    spilled = projector.evaluate(
        "[...document.querySelectorAll('.choice-shown')]"
        ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim())"
    )
    assert spilled == []
