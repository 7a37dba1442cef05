"""A quiz in real browsers (Debian's Chromium) against real web and worker processes: three
phones join with nicknames and play three questions; one answers wrong, one too late;
the projector shows the right answer, the leaderboard and the podium; each phone its
points and place; a reload keeps a player's nickname and score.

The README's screenshots of a quiz are copies of the ones this test takes.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from events.models import Event
from events.selectors import standings
from events.services import event_create
from polls.services import poll_create
from tests.support.browser import LIVE, PHONE, SCREENSHOTS, csp_refusals, in_thread, sign_in
from tests.support.processes import rq_worker

ANSWERS = [("a", "Mercury"), ("b", "Venus"), ("c", "Mars")]


@pytest.fixture
def quiz(db) -> Event:
    """Three questions, the second with a short time limit, to run out; between the first
    two an opinion, without a right answer: neither timed nor scored."""
    polls = [
        poll_create(question="Hottest planet?", options=ANSWERS, slug="hot", correct=["b"]),
        poll_create(question="Enjoying it?", options=[("yes", "Yes"), ("no", "No")], slug="enjoy"),
        poll_create(question="Red planet?", options=ANSWERS, slug="red", correct=["c"], seconds=6),
        poll_create(question="Closest to the Sun?", options=ANSWERS, slug="close", correct=["a"]),
    ]
    event = event_create(title="Planets", polls=polls, slug="planets", quiz=True)
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    return event


def answer(phone: Page, label: str) -> None:
    phone.locator("[data-event-question]:visible").get_by_role("button", name=label).click()
    expect(phone.locator("[data-event-question]:visible .your-vote")).to_be_visible(timeout=LIVE)


def late_vote_status(phone: Page, poll: str, option: str) -> int:
    """A vote posted by the page's own form after the question's time is up."""
    return phone.evaluate(
        """async ([poll, option]) => {
            const form = document.querySelector(`[data-poll="${poll}"] form`);
            const data = new FormData(form);
            data.append("option", option);
            return (await fetch(form.action, {method: "POST", body: data})).status;
        }""",
        [poll, option],
    )


def background(page: Page, selector: str, n: int) -> str:
    return page.locator(selector).nth(n).evaluate("e => getComputedStyle(e).backgroundColor")


def control(projector: Page, button: Locator) -> None:
    """A click on one of the projector's controls: the mouse moves first, as they fade
    while it is still."""
    projector.mouse.move(20, 20)
    projector.mouse.move(40, 30)
    button.click()


def end_now(projector: Page) -> None:
    control(projector, projector.get_by_role("button", name="End now"))


def result_is(phone: Page, verdict: str, total: int, place: int) -> None:
    """The phone's own result after a question: its verdict, total and place."""
    expect(phone.locator("[data-verdict]")).to_have_text(verdict, timeout=LIVE)
    expect(phone.locator("[data-player] [data-points]")).to_have_text(f"{total:,}", timeout=LIVE)
    expect(phone.locator("[data-player] [data-place]")).to_have_text(str(place))


@pytest.mark.django_db(transaction=True)  # the processes must see the quiz
def test_a_quiz_with_three_phones_a_wrong_answer_a_late_one_and_a_reload(
    site_url, quiz, chromium: Browser
):
    with rq_worker():
        staff = chromium.new_context(viewport={"width": 1920, "height": 1080})
        admin = staff.new_page()
        refused = csp_refusals(admin)
        sign_in(admin, site_url, username="teacher", password="a long pass phrase", then="/admin/")
        projector = staff.new_page()
        csp_refusals(projector, refused)
        projector.goto(f"{site_url}/events/planets/present/")

        phones: dict[str, Page] = {}
        for nickname in ("Ada", "Bob", "Cy"):
            phone = chromium.new_context(**PHONE).new_page()
            csp_refusals(phone, refused)
            phone.goto(f"{site_url}/j/{quiz.code}")
            expect(phone.get_by_role("heading", name="Join the quiz")).to_be_visible()
            phone.get_by_label("Your nickname").fill(nickname)
            phone.get_by_role("button", name="Join").click()
            expect(phone.locator("[data-player]")).to_contain_text(f"You play as {nickname}")
            phones[nickname] = phone
        ada, bob, cy = phones["Ada"], phones["Bob"], phones["Cy"]
        # The projector's lobby lists them as they join.
        expect(projector.locator("[data-players] [data-nickname]")).to_have_text(
            ["Ada", "Bob", "Cy"], timeout=LIVE
        )
        projector.screenshot(path=SCREENSHOTS / "quiz-lobby.png")
        # A player's remove button is out of the room's sight until the mouse is on them,
        # and removes no one until the presenter confirms.
        chip = projector.locator("[data-players] li", has_text="Cy")
        remove = chip.get_by_role("button", name="Remove Cy")
        expect(remove).to_have_css("opacity", "0")
        asked: list[str] = []

        def dismiss(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        projector.once("dialog", dismiss)
        chip.hover()
        expect(remove).to_have_css("opacity", "1")
        remove.click()
        assert asked == ["Remove Cy? Their phone asks for a new nickname; their points are kept."]
        expect(projector.locator("[data-players] [data-nickname]")).to_have_count(3)

        # Question 1: Ada and Bob right, Cy wrong; the presenter ends it early.
        projector.keyboard.press("ArrowRight")
        expect(projector.locator("h1")).to_have_text("Hottest planet?", timeout=LIVE)
        expect(projector.locator("[data-clock]")).to_be_visible()
        for phone in phones.values():
            expect(phone.locator("[data-clock]")).to_be_visible(timeout=LIVE)
        answer(ada, "Venus")
        answer(bob, "Venus")
        answer(cy, "Mars")
        # The counts are withheld, not the choices: the projector shows the options, each
        # in the colour (and shape) of the phones' buttons, and how many have answered.
        expect(projector.locator(".choice-shown")).to_have_text(["Mercury", "Venus", "Mars"])
        answered = projector.locator(".present-answered")
        expect(answered).to_have_text("Answered: 3 of 3", timeout=LIVE)
        expect(projector.locator(".bars")).to_be_hidden()
        buttons = "[data-event-question]:visible button.option"
        colours = ["rgb(198, 40, 40)", "rgb(20, 86, 184)", "rgb(245, 196, 0)"]
        assert [background(ada, buttons, n) for n in range(3)] == colours
        assert [background(projector, ".choice-shown", n) for n in range(3)] == colours
        # The presenter's controls, shown: one slim row that covers nothing of the question,
        # its options or the join panel ("phones connected" included), at full width.
        projector.mouse.move(20, 20)
        projector.mouse.move(40, 30)
        bar = projector.locator("[data-controls]")
        expect(bar).to_have_css("opacity", "1")
        shown = projector.evaluate(
            """() => {
                const bar = document.querySelector("[data-controls]");
                const top = bar.getBoundingClientRect().top;
                const covered = [".present-results", ".present-join", ".event-pages"].filter(
                    (part) => document.querySelector(part).getBoundingClientRect().bottom > top);
                return {height: bar.getBoundingClientRect().height, covered: covered,
                        scroll: bar.scrollWidth - bar.clientWidth};
            }"""
        )
        assert shown["height"] <= 64 and shown["covered"] == [] and shown["scroll"] == 0
        projector.screenshot(path=SCREENSHOTS / "quiz-projector-question.png")
        ada.screenshot(path=SCREENSHOTS / "quiz-phone-question.png")
        end_now(projector)
        expect(
            projector.locator(".bar-name", has_text="Venus").locator("[data-correct]")
        ).to_be_visible(timeout=LIVE)
        expect(projector.locator("[data-correct]:visible")).to_have_count(1)
        rows = {row.nickname: row for row in in_thread(lambda: standings(quiz))}
        assert rows["Ada"].points > 500 and rows["Bob"].points > 500 and rows["Cy"].points == 0
        result_is(ada, "Right!", rows["Ada"].points, rows["Ada"].place)
        result_is(cy, "Not this time.", 0, 3)
        expect(cy.locator("[data-answer-line]")).to_have_text("The right answer: Venus")
        expect(ada.locator("[data-answer-line]")).to_be_hidden()
        assert background(cy, "[data-score]", 0) != background(ada, "[data-score]", 0)
        expect(ada.locator("[data-gained]")).to_have_text(f"+{rows['Ada'].points:,}")
        ada.screenshot(path=SCREENSHOTS / "quiz-phone-result.png")
        projector.screenshot(path=SCREENSHOTS / "quiz-projector-answer.png")

        # The leaderboard, on the projector and to everyone's API.
        projector.keyboard.press("b")
        expect(projector.locator("h1")).to_have_text("Leaderboard", timeout=LIVE)
        expect(projector.locator(".leaderboard-name")).to_have_text(
            [row.nickname for row in sorted(rows.values(), key=lambda row: row.place)]
        )
        projector.screenshot(path=SCREENSHOTS / "quiz-leaderboard.png")
        expect(cy.locator("[data-stage-part=leaderboard]")).to_be_visible(timeout=LIVE)
        board = cy.evaluate("fetch('/api/events/planets/leaderboard').then(r => r.json())")
        assert [row["nickname"] for row in board][2] == "Cy"

        # An opinion between the quiz's questions: no clock, no verdict, its results live
        # as the presenter set them (always), and every phone may answer.
        projector.keyboard.press("ArrowRight")
        expect(projector.locator("h1")).to_have_text("Enjoying it?", timeout=LIVE)
        expect(ada.locator('[data-poll="enjoy"]')).to_be_visible(timeout=LIVE)
        answer(ada, "Yes")
        answer(cy, "Yes")
        yes = projector.locator('[data-option="yes"] [data-votes]')
        expect(yes).to_have_text("2", timeout=LIVE)
        assert background(ada, '[data-poll="enjoy"] button.option', 0) != "rgb(198, 40, 40)"
        for phone in (ada, cy):
            expect(phone.locator("[data-clock]")).to_be_hidden()
            expect(phone.locator("[data-score]")).to_be_hidden()
        expect(projector.locator("[data-clock]")).to_be_hidden()

        # Question 2 runs out of time: Cy's answer after the deadline is refused.
        projector.keyboard.press("ArrowRight")
        expect(projector.locator("h1")).to_have_text("Red planet?", timeout=LIVE)
        answer(ada, "Mars")
        answer(bob, "Mars")
        expect(cy.locator('[data-poll="red"]')).to_have_attribute(
            "data-state", "closed", timeout=LIVE
        )
        assert late_vote_status(cy, "red", "c") == 409
        expect(cy.locator("[data-verdict]")).to_have_text("No answer this time.", timeout=LIVE)

        # Bob reloads: the same nickname and score.
        before = bob.locator("[data-player] [data-points]").inner_text()
        bob.reload()
        expect(bob.locator("[data-player]")).to_contain_text("You play as Bob")
        expect(bob.locator("[data-player] [data-points]")).to_have_text(before)

        # Question 3: Bob wrong; then the end and the podium.
        projector.keyboard.press("ArrowRight")
        expect(projector.locator("h1")).to_have_text("Closest to the Sun?", timeout=LIVE)
        answer(ada, "Mercury")
        answer(bob, "Venus")
        answer(cy, "Mercury")
        end_now(projector)
        result_is(bob, "Not this time.", int(before.replace(",", "")), 2)
        control(projector, projector.locator('form[data-move="end"] button'))
        expect(projector.locator(".podium-name")).to_have_count(3, timeout=LIVE)
        final = in_thread(lambda: standings(quiz))
        assert [row.nickname for row in final] == ["Ada", "Bob", "Cy"]
        expect(projector.locator(".podium-name")).to_have_text(["Ada", "Bob", "Cy"])
        projector.screenshot(path=SCREENSHOTS / "quiz-podium.png")
        expect(cy.locator(".quiz-final")).to_contain_text(
            f"You finished in place 3 of 3, with {final[2].points:,} points", timeout=LIVE
        )
        assert refused == []


@pytest.mark.django_db(transaction=True)
def test_the_remote_removes_the_players_who_flooded_in(site_url, quiz, chromium: Browser):
    """Made-up players join in a burst; the presenter's remote, on a phone, removes everyone
    who joined in the last minute, and those phones are asked for a new nickname."""
    staff = chromium.new_context(**PHONE)
    remote = staff.new_page()
    refused = csp_refusals(remote)
    sign_in(
        remote,
        site_url,
        username="teacher",
        password="a long pass phrase",
        then="/events/planets/remote/",
    )
    flooder = chromium.new_context(**PHONE).new_page()
    csp_refusals(flooder, refused)
    flooder.goto(f"{site_url}/j/{quiz.code}")
    # Join is the page's primary button, drawn as a vote's is, not the browser's grey.
    assert flooder.get_by_role("button", name="Join").evaluate(
        """button => {
            const vote = document.createElement("button");
            vote.className = "cast";
            document.body.append(vote);
            return getComputedStyle(button).backgroundColor
                === getComputedStyle(vote).backgroundColor;
        }"""
    )
    flooder.get_by_label("Your nickname").fill("Bot 1")
    flooder.get_by_role("button", name="Join").click()
    expect(flooder.locator("[data-player]")).to_contain_text("You play as Bot 1")

    # On a 390-pixel phone the remote fits its width (the question list once ran past).
    assert remote.evaluate("document.documentElement.scrollWidth") <= 390
    remote.get_by_text("Remove players").click()
    expect(remote.get_by_label("Everyone who joined in the last (seconds)")).to_have_value("60")
    remote.screenshot(path=SCREENSHOTS / "quiz-remote-remove-players.png", full_page=True)
    remote.get_by_role("button", name="Remove them").click()

    expect(flooder.get_by_text("The presenter removed your nickname")).to_be_visible(timeout=LIVE)
    assert refused == []
