"""Signed-in participants in real browsers (Debian's Chromium), through a real identity
provider (tests/support/identity.py), against real web and worker processes: three
people sign in from an event's page, one of them from two browsers, and answer a
three-question quiz; the gradebook has their three rows, with the right answers,
points and totals, one row for the person with two browsers. Someone the participants'
rule leaves out is turned back with a page that says so."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from events.models import Event, Player
from events.services import clock_change, event_create, event_move
from polls.models import Poll
from polls.services import poll_create
from tests.support.browser import LIVE, PHONE, SCREENSHOTS, csp_refusals, in_thread, sign_in
from tests.support.identity import needs_provider, provider_site, through_the_provider
from tests.support.processes import rq_worker, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the processes must see the quiz
    needs_provider,
]

PLANETS = [("a", "Mercury"), ("b", "Venus"), ("c", "Mars")]
# Each question's slug, its right answer, and what each browser answers (ana answers
# the second from her other browser).
QUESTIONS = [
    ("hot", "Venus", {"ana": "Venus", "ben": "Mars", "sam": "Venus"}),
    ("red", "Mars", {"ana-too": "Mars", "ben": "Mars", "sam": "Venus"}),
    ("close", "Mercury", {"ana": "Mercury", "ben": "Venus", "sam": "Venus"}),
]


@pytest.fixture
def quiz(db) -> Event:
    polls = [
        poll_create(question="Hottest planet?", options=PLANETS, slug="hot", correct=["b"]),
        poll_create(question="Red planet?", options=PLANETS, slug="red", correct=["c"]),
        poll_create(question="Closest to the Sun?", options=PLANETS, slug="close", correct=["a"]),
    ]
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    event = event_create(
        title="Planets",
        polls=polls,
        slug="planets",
        quiz=True,
        speed=False,  # 1,000 points for each right answer: the totals are known
        seconds=120,
    )
    # Signed in through the provider the web process knows (this process knows none).
    Event.objects.filter(pk=event.pk).update(participation="signed-in")
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def site() -> Iterator[str]:
    with provider_site(VOTING_OIDC_PARTICIPANTS="all") as url:
        yield url


def joined(chromium: Browser, site: str, login: str, refused: list[str]) -> Page:
    phone = chromium.new_context(**PHONE).new_page()
    csp_refusals(phone, refused)
    phone.goto(f"{site}/events/planets/")
    expect(phone.get_by_role("heading", name="Join the quiz")).to_be_visible()
    if login == "ben":
        phone.screenshot(path=SCREENSHOTS / "participant-sign-in.png")
    through_the_provider(phone, login)
    expect(phone).to_have_url(f"{site}/events/planets/")
    return phone


def move(action: str) -> None:
    in_thread(lambda: event_move(event=Event.objects.get(slug="planets"), action=action))


def answer(phone: Page, label: str) -> None:
    question = phone.locator("[data-event-question]:visible")
    question.get_by_role("button", name=label).click()
    expect(phone.locator("[data-event-question]:visible .your-vote")).to_be_visible(timeout=LIVE)


def finished(slug: str) -> None:
    """The presenter ends the question's clock; the worker finishes it."""
    in_thread(
        lambda: clock_change(
            event=Event.objects.get(slug="planets"), poll=Poll.objects.get(slug=slug), change="end"
        )
    )
    wait_until(lambda: not in_thread(lambda: Poll.objects.get(slug=slug).is_open))


def test_signed_in_participants_answer_a_quiz_and_the_gradebook_has_one_row_each(
    site, quiz, chromium: Browser
):
    refused: list[str] = []
    with rq_worker():
        phones = {
            "ana": joined(chromium, site, "ana", refused),
            "ana-too": joined(chromium, site, "ana", refused),  # her second device
            "ben": joined(chromium, site, "ben", refused),
            "sam": joined(chromium, site, "student", refused),
        }
        expect(phones["ana"].locator("[data-player]")).to_contain_text("You play as Ana Alvarez")
        expect(phones["ana-too"].locator("[data-player]")).to_contain_text(
            "You play as Ana Alvarez"
        )
        expect(phones["sam"].locator("[data-player]")).to_contain_text("You play as Sam Student")
        assert in_thread(lambda: Player.objects.filter(event=quiz).count()) == 3

        for slug, _right, answers in QUESTIONS:
            move("next")
            for who, label in answers.items():
                phone = phones[who]
                expect(phone.locator(f'[data-poll="{slug}"]')).to_be_visible(timeout=LIVE)
                answer(phone, label)
            finished(slug)
        move("end")

        presenter = chromium.new_page()
        sign_in(presenter, site, username="teacher", password="a long pass phrase")
        expect(presenter.get_by_role("heading", name="Events, polls and people")).to_be_visible()
        report = presenter.goto(f"{site}/events/planets/report/")
        assert report is not None and report.ok
        expect(presenter.get_by_role("link", name="spreadsheet").first).to_be_visible()
        gradebook = presenter.request.get(f"{site}/events/planets/gradebook.csv")
        assert gradebook.ok
        rows = list(csv.reader(io.StringIO(gradebook.text())))
        # Ana's own page, from either device: what the event keeps about her.
        mine = phones["ana-too"]
        mine.goto(f"{site}/events/planets/me/")
        expect(mine.locator(".my-data-facts")).to_contain_text("ana@students.example")
        expect(mine.locator(".my-data-answers tbody tr")).to_have_count(3)
        mine.screenshot(path=SCREENSHOTS / "participant-own-data.png", full_page=True)

    header, *people = rows
    assert header[:3] == ["name", "email", "joined"] and header[-1] == "total"
    by_name = {row[0]: row for row in people}
    assert sorted(by_name) == ["Ana Alvarez", "Ben Brown", "Sam Student"]  # one row for Ana
    assert by_name["Ana Alvarez"][1] == "ana@students.example"
    for row, who in ((by_name["Ana Alvarez"], "ana"), (by_name["Ben Brown"], "ben"),
                     (by_name["Sam Student"], "sam")):  # fmt: skip
        total = 0
        for number, (_slug, right, answers) in enumerate(QUESTIONS):
            given = answers.get(who) or answers[f"{who}-too"]
            answer_cell, right_cell, points_cell = row[3 + 3 * number : 6 + 3 * number]
            assert answer_cell == given
            assert right_cell == str(given == right)
            assert points_cell == ("1000" if given == right else "0")
            total += 1000 if given == right else 0
        assert row[-1] == str(total)
    assert by_name["Ana Alvarez"][-1] == "3000"
    assert refused == []


def test_someone_the_participants_rule_leaves_out_is_turned_back(quiz, chromium: Browser):
    with provider_site(VOTING_OIDC_PARTICIPANTS="domain:students.example") as site:
        page = chromium.new_page(locale="en-US")
        page.goto(f"{site}/events/planets/")
        through_the_provider(page, "student")

        expect(page).to_have_url(f"{site}/accounts/failed/")
        expect(page.locator("main")).to_contain_text(
            "student@elsewhere.example may sign in with Example University, but may not take "
            "part in this server's events that ask participants to sign in."
        )
        assert in_thread(lambda: Player.objects.count()) == 0
