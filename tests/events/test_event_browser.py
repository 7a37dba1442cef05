"""An event run in a room, in real browsers (Debian's Chromium) against real web and worker
processes: a presenter makes it in the admin and steps through it on a projector at
1920x1080, three phones at 390x844 follow it.

Like the poll's, the QR code on the projector is read off a screenshot by `zbarimg`; the
README's screenshots of an event are copies of the ones this test takes.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from events.models import Event
from tests.support.browser import (
    LIVE,
    PHONE,
    SCREENSHOTS,
    ZBARIMG,
    add_event,
    add_poll,
    csp_refusals,
    decoded_qr,
    in_thread,
    sign_in,
)
from tests.support.processes import rq_worker

# Set on a phone's page, and gone if the page reloads: a question that arrives with it
# still there came without a reload.
MARK = "window.notReloaded = true"
STILL_THERE = "window.notReloaded === true"


@pytest.fixture
def presenter(db) -> User:
    if ZBARIMG is None:
        pytest.skip("no zbarimg: apt-get install zbar-tools")
    return User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")


def question_shown(phone: Page, number: int) -> None:
    """The phone shows that question's section, and no other."""
    expect(phone.locator(f'[data-event-question="{number}"]')).to_be_visible(timeout=LIVE)
    expect(phone.locator("[data-event-question]:visible")).to_have_count(1)


def late_vote_status(phone: Page, number: int, option: str) -> int:
    """A vote posted from a question's form on the page, whether or not it is shown."""
    return phone.evaluate(
        """async ([number, option]) => {
            const form = document.querySelector(`[data-event-question="${number}"] form`);
            const data = new FormData(form);
            data.append("option", option);
            const answer = await fetch(form.action, {method: "POST", body: data});
            return answer.status;
        }""",
        [number, option],
    )


@pytest.mark.django_db(transaction=True)  # the processes must see the user and the event
def test_an_event_run_from_the_projector_with_three_phones_following(
    site_url, presenter, chromium: Browser
):
    # `chromium` last: its event loop would refuse the fixtures' ORM calls.
    with rq_worker():
        staff: BrowserContext = chromium.new_context(viewport={"width": 1920, "height": 1080})
        admin = staff.new_page()
        refused = csp_refusals(admin)
        sign_in(admin, site_url, username="teacher", password="a long pass phrase", then="/admin/")
        add_poll(admin, site_url, "Which colour?", "single", ["Red", "Blue"])
        add_poll(admin, site_url, "How was the class?", "rating", [])
        add_poll(admin, site_url, "Order these", "ranking", ["First", "Second"])
        add_event(admin, site_url, "Week 3", ["Which colour?", "How was the class?", "Order these"])
        event = in_thread(lambda: Event.objects.get())
        assert (event.slug, len(in_thread(event.polls))) == ("week-3", 3)

        # The projector's lobby: its QR code, read off the screen, is the event's.
        projector = staff.new_page()
        csp_refusals(projector, refused)
        projector.goto(f"{site_url}/events/week-3/present/")
        expect(projector.locator("h1")).to_have_text("Join now")
        join_url = decoded_qr(projector)
        assert join_url == f"{site_url}/j/{event.code}"

        phones = []
        for _ in range(3):
            phone = chromium.new_context(**PHONE).new_page()
            csp_refusals(phone, refused)
            phone.goto(join_url)
            expect(phone).to_have_url(f"{site_url}/events/week-3/")
            expect(phone.locator("[data-stage-part=lobby]")).to_contain_text("will start soon")
            expect(phone.locator("[data-status]")).to_have_text("Live")
            phones.append(phone)
        expect(projector.locator("[data-pages]")).to_have_text("3", timeout=LIVE)
        projector.screenshot(path=SCREENSHOTS / "event-lobby.png")
        phones[0].screenshot(path=SCREENSHOTS / "event-phone-lobby.png")

        # → : every phone shows the first question, without a reload.
        for phone in phones:
            phone.evaluate(MARK)
        projector.keyboard.press("ArrowRight")
        for phone in phones:
            question_shown(phone, 1)
            assert phone.evaluate(STILL_THERE)
        phones[0].screenshot(path=SCREENSHOTS / "event-phone-question.png")
        expect(projector.locator("h1")).to_have_text("Which colour?")

        # They vote; each comes back to the event, and the projector's bars move.
        for phone, colour in zip(phones, ["Red", "Red", "Blue"], strict=True):
            phone.get_by_role("button", name=colour).click()
            expect(phone).to_have_url(f"{site_url}/events/week-3/")
            expect(phone.locator('[data-event-question="1"] .your-vote')).to_contain_text(colour)
        expect(projector.locator(".results-meta [data-voters]")).to_have_text("3", timeout=LIVE)
        projector.screenshot(path=SCREENSHOTS / "event-projector.png")
        phones[2].screenshot(path=SCREENSHOTS / "event-phone-voted.png")

        # → again: the second question, and a late vote on the first gets 409.
        for phone in phones:
            phone.evaluate(MARK)
        projector.keyboard.press("ArrowRight")
        for phone in phones:
            question_shown(phone, 2)
            assert phone.evaluate(STILL_THERE)
        assert late_vote_status(phones[2], 1, "red") == 409

        # A phone that reloads lands on the second question.
        phones[1].reload()
        question_shown(phones[1], 2)

        # ← : back to the first, whose results the phones may see.
        projector.keyboard.press("ArrowLeft")
        for phone in phones:
            question_shown(phone, 1)
            results = phone.locator('[data-event-question="1"] .event-results')
            expect(results).to_contain_text("Red")
            expect(results).to_contain_text("2")

        # The end: every phone thanks them, then draws the results.
        projector.mouse.move(20, 20)
        projector.get_by_role("button", name="End", exact=True).click()
        for phone in phones:
            expect(phone.locator("[data-stage-part=ended]")).to_be_visible(timeout=LIVE)
            final = phone.locator(".event-final").first  # after a reload, a few seconds later
            expect(final.locator(".bars")).to_contain_text("Red", timeout=LIVE * 2)
        phones[0].screenshot(path=SCREENSHOTS / "event-phone-end.png", full_page=True)
        # A stray key after the end asks first; declined, every phone keeps its thanks.
        expect(projector.locator("[data-event-present]")).to_have_attribute(
            "data-stage", "ended", timeout=LIVE
        )
        asked: list[str] = []

        def decline(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        projector.once("dialog", decline)
        projector.keyboard.press("2")
        expect(projector.locator("[data-event-present]")).to_have_attribute("data-stage", "ended")
        assert asked == ["This session has ended. Open it again on every phone?"]
        assert in_thread(lambda: Event.objects.get(slug="week-3").ended)
        expect(phones[0].locator("[data-stage-part=ended]")).to_be_visible()

        # After the session: the report's charts and the CSV hold each question's results.
        report = staff.new_page()
        report.goto(f"{site_url}/events/week-3/report/")
        expect(report.locator(".report-question svg")).to_have_count(3)
        expect(report.locator(".report-question").first).to_contain_text("Red")
        report.screenshot(path=SCREENSHOTS / "event-report.png", full_page=True)
        answer = staff.request.get(f"{site_url}/events/week-3/results.csv")
        rows = list(csv.DictReader(io.StringIO(answer.text())))

    votes = {(row["question"], row["option"]): row["votes"] for row in rows}
    assert votes[("1", "red")] == "2" and votes[("1", "blue")] == "1"
    assert {row["question"] for row in rows} == {"1", "2", "3"}
    assert refused == []
