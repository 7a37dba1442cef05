"""Open answers in real browsers (Debian's Chromium) against real web and worker processes:
phones type answers, the projector's word cloud grows, the presenter hides one from the
remote and it leaves every screen, and with approval nothing reaches the room before the
presenter says so. The screenshots land in the test data folder (`screenshots/`); the
README's are copies of them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Page, expect

from polls.models import Poll
from polls.services import poll_create
from polls.stream import Cast
from tally.ingest import casts_apply
from tests.support.browser import FADE_SOON, LIVE, SCREENSHOTS, csp_refusals, faded, in_thread
from tests.support.processes import rq_worker
from tests.tally.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)  # the processes must see the polls


def phone_context(chromium: Browser) -> BrowserContext:
    return chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


# What a room answers to "One word for this lecture?": fifty-odd different terms, some
# given by many.
ROOM = [
    *["inspiring"] * 9, *["clear"] * 7, *["long"] * 6, *["fun"] * 5, *["hard"] * 4,
    *["useful"] * 4, *["machine learning"] * 3, *["interesting"] * 3, *["fast"] * 3,
    *["intenso"] * 2, *["claro"] * 2, *["genial"] * 2, *["practical"] * 2, *["deep"] * 2,
    "boring", "brilliant", "challenging", "confusing", "creative", "dense", "detailed",
    "dynamic", "engaging", "enlightening", "exciting", "fascinating", "friendly", "gentle",
    "great", "helpful", "honest", "humble", "informative", "insightful", "lively",
    "logical", "motivating", "new", "open", "organised", "patient", "precise", "quick",
    "relaxed", "rich", "simple", "smart", "solid", "structured", "surprising", "thoughtful",
    "tough", "warm", "wise",
]  # fmt: skip


def signed_in(context: BrowserContext, url: str, path: str) -> Page:
    page = context.new_page()
    page.add_init_script(FADE_SOON)
    csp_refusals(page)
    page.goto(url + path)
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "a long pass phrase")
    page.click(".sign-in-form button[type=submit]")
    expect(page).to_have_url(url + path)
    return page


def answered(page: Page, url: str, slug: str, text: str) -> None:
    page.goto(f"{url}/polls/{slug}/")
    page.get_by_label("Your answer").fill(text)
    page.get_by_label("Your answer").press("Enter")
    expect(page.locator(".your-vote")).to_contain_text(f"You answered {text}")


def cloud_terms(page: Page) -> list[str]:
    return page.locator("[data-cloud] .cloud-term").all_inner_texts()


@pytest.fixture
def teacher(redis_db) -> None:
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    poll_create(question="One word for this lecture?", options=[], slug="word", kind="open")
    poll_create(
        question="What should we cover next?", options=[], slug="next", kind="open",
        moderation="approve",
    )  # fmt: skip


def test_phones_answer_the_cloud_grows_and_a_hidden_answer_leaves_every_screen(
    site_url, teacher, chromium: Browser
):
    with rq_worker():
        projector = signed_in(
            chromium.new_context(viewport={"width": 1920, "height": 1080}),
            site_url,
            "/polls/word/present/",
        )
        expect(projector.locator("[data-status]")).to_have_text("Live")
        expect(projector.locator("[data-terms-empty]")).to_be_visible()
        phones = [phone_context(chromium).new_page() for _ in range(3)]
        for phone in phones:
            csp_refusals(phone)

        answered(phones[0], site_url, "word", "Inspiring")
        expect(projector.locator("[data-cloud]")).to_have_text("inspiring", timeout=LIVE)
        answered(phones[1], site_url, "word", "<b>inspiring</b> and fun")
        answered(phones[2], site_url, "word", "So much fun")
        # The largest in the middle, each term once, counted by voters.
        # The most given first, ties in the order of the alphabet; each term once a voter.
        expect(projector.locator("[data-terms] li")).to_have_text(
            ["fun: 2", "inspiring: 2", "so much fun: 1"], timeout=LIVE
        )
        expect(projector.locator("[data-answers] li").first).to_have_text("So much fun")
        # Text typed by a stranger is text: its markup shows as typed.
        expect(projector.locator("[data-answers]")).to_contain_text("<b>inspiring</b> and fun")
        assert projector.locator("[data-answers] b").count() == 0
        results = phones[0]
        results.goto(f"{site_url}/polls/word/results/")
        expect(results.locator("[data-status]")).to_have_text("Live")
        expect(results.locator("[data-answers] li")).to_have_count(3)

        # The presenter hides the markup answer from the remote: it leaves every screen.
        remote = signed_in(phone_context(chromium), site_url, "/polls/word/remote/")
        remote.locator(".moderation-list li", has_text="<b>inspiring</b>").get_by_role(
            "button", name="Hide"
        ).click()
        expect(remote.locator(".moderation-list").last).to_contain_text("<b>inspiring</b>")
        for screen in (projector, results):
            expect(screen.locator("[data-answers] li")).to_have_count(2, timeout=LIVE)
            expect(screen.locator("[data-terms] li")).to_have_text(
                ["fun: 1", "inspiring: 1", "so much fun: 1"]
            )
        expect(projector.locator("[data-answers]")).not_to_contain_text("<b>")


def test_with_approval_nothing_reaches_the_room_before_the_presenter_approves(
    site_url, teacher, chromium: Browser
):
    with rq_worker():
        projector = signed_in(
            chromium.new_context(viewport={"width": 1920, "height": 1080}),
            site_url,
            "/polls/next/present/",
        )
        remote = signed_in(phone_context(chromium), site_url, "/polls/next/remote/")
        phone = phone_context(chromium).new_page()
        csp_refusals(phone)
        phone.goto(f"{site_url}/polls/next/")
        expect(phone.get_by_text("The presenter approves each answer")).to_be_visible()

        answered(phone, site_url, "next", "Transformers")
        waiting = remote.locator(".moderation-list li", has_text="Transformers")
        expect(waiting).to_be_visible(timeout=LIVE)  # the queue reloads by itself
        assert "Transformers" not in projector.locator(".present-results").inner_text()
        body = phone.request.get(f"{site_url}/api/polls/next/results").json()
        assert (body["terms"], body["answers"]) == ([], [])

        waiting.get_by_role("button", name="Approve").click()
        expect(projector.locator("[data-cloud]")).to_have_text("transformers", timeout=LIVE)
        expect(projector.locator("[data-answers] li")).to_have_text(["Transformers"])


def test_the_projector_shows_fifty_terms_legibly_at_1920x1080(site_url, teacher, chromium: Browser):
    """The README's screenshots: the projector's word cloud, and a phone answering."""

    def room_answers() -> None:
        poll_id = Poll.objects.get(slug="word").pk
        casts_apply(
            [
                Cast(f"1-{i}", poll_id, 1, (), f"voter-{i}", at(i), (text,))
                for i, text in enumerate(ROOM)
            ]
        )

    in_thread(room_answers)
    projector = signed_in(
        chromium.new_context(viewport={"width": 1920, "height": 1080}),
        site_url,
        "/polls/word/present/",
    )
    expect(projector.locator("[data-status]")).to_have_text("Live")
    terms = projector.locator("[data-cloud] .cloud-term")
    expect(terms).to_have_count(50)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    faded(projector)  # the room's view
    projector.screenshot(path=SCREENSHOTS / "projector-word-cloud.png")
    assert projector.locator("[data-terms] li [data-term]").first.inner_text() == "inspiring"
    # Every term is on the screen, whole, and none smaller than 28 px; nothing scrolls.
    cloud = projector.locator("[data-cloud]").bounding_box()
    assert cloud is not None
    for box in terms.evaluate_all(
        "all => all.map(t => { const r = t.getBoundingClientRect(); return"
        " [r.left, r.top, r.right, r.bottom, parseFloat(getComputedStyle(t).fontSize)]; })"
    ):
        left, top, right, bottom, size = box
        assert size >= 28, box
        assert cloud["x"] <= left and right <= cloud["x"] + cloud["width"] + 1, box
        assert cloud["y"] <= top and bottom <= cloud["y"] + cloud["height"] + 1, box
    assert projector.evaluate("document.documentElement.scrollHeight <= innerHeight")
    # The largest term is in the middle third of the cloud.
    middle = projector.locator('[data-cloud] .cloud-term:text-is("inspiring")').bounding_box()
    assert middle is not None
    centre = middle["x"] + middle["width"] / 2
    assert cloud["x"] + cloud["width"] / 3 < centre < cloud["x"] + 2 * cloud["width"] / 3

    phone = phone_context(chromium).new_page()
    phone.goto(f"{site_url}/polls/word/")
    phone.get_by_label("Your answer").fill("Inspiring")
    phone.screenshot(path=SCREENSHOTS / "phone-open-answer.png")
    phone.goto(f"{site_url}/polls/word/results/")
    phone.screenshot(path=SCREENSHOTS / "phone-word-cloud.png", full_page=True)


def asked(phone: Page, url: str, text: str, name: str = "") -> None:
    phone.goto(f"{url}/polls/qa/")
    phone.get_by_label("Your question").fill(text)
    if name:
        phone.get_by_label("Your name").fill(name)
    phone.get_by_role("button", name="Ask").click()
    expect(phone).to_have_url(f"{url}/polls/qa/?asked=1")
    expect(phone.get_by_role("status").filter(has_text="Your question was sent.")).to_be_visible()


def top_questions(page: Page) -> list[str]:
    return page.locator('[data-qa-list="top"] .qa-text').all_inner_texts()


def test_phones_ask_and_upvote_and_every_screen_follows(site_url, teacher, chromium: Browser):
    in_thread(lambda: poll_create(question="Questions?", options=[], slug="qa", kind="questions"))
    with rq_worker():
        projector = signed_in(
            chromium.new_context(viewport={"width": 1920, "height": 1080}),
            site_url,
            "/polls/qa/present/",
        )
        expect(projector.locator("[data-status]")).to_have_text("Live")
        phones = [phone_context(chromium).new_page() for _ in range(3)]
        for phone in phones:
            csp_refusals(phone)
        asked(phones[0], site_url, "Will the slides be online?")
        asked(phones[1], site_url, "Why <b>Redis</b> and not Kafka?", name="Bo")
        expect(projector.locator("[data-qa-items]").first.locator("li")).to_have_count(
            2, timeout=LIVE
        )

        # Two phones upvote the second question, without leaving the page: it goes first
        # on the projector and on every phone.
        for phone in phones[1:]:
            phone.goto(f"{site_url}/polls/qa/")
            expect(phone.locator("[data-status]")).to_have_text("Live")
            button = phone.locator('[data-qa-list="top"] .qa-item', has_text="Kafka").get_by_role(
                "button", name="Upvote"
            )
            button.click()
            expect(button).to_have_attribute("aria-pressed", "true")
        expected = ["Why <b>Redis</b> and not Kafka?", "Will the slides be online?"]
        for screen in (projector, *phones):
            expect(screen.locator('[data-qa-list="top"] .qa-text')).to_have_text(
                expected, timeout=LIVE
            )
        expect(projector.locator('[data-qa-list="top"] [data-upvotes]').first).to_have_text("2")
        assert projector.locator(".qa b").count() == 0  # text, not markup

        # One takes it back: the order holds, the count follows on every screen.
        phones[2].locator('.upvote[aria-pressed="true"]').first.click()
        expect(projector.locator('[data-qa-list="top"] [data-upvotes]').first).to_have_text(
            "1", timeout=LIVE
        )

        # The presenter answers the first now: every phone shows it as being answered.
        remote = signed_in(phone_context(chromium), site_url, "/polls/qa/remote/")
        remote.locator(".moderation-list li", has_text="Kafka").get_by_role(
            "button", name="Answer now"
        ).click()
        for screen in (projector, *phones):
            expect(screen.locator("[data-qa-answering]")).to_contain_text(
                "Why <b>Redis</b> and not Kafka?", timeout=LIVE
            )
        phones[0].get_by_role("button", name="Newest").click()
        expect(phones[0].locator('[data-qa-list="newest"] .qa-text').first).to_have_text(
            "Why <b>Redis</b> and not Kafka?"
        )
        phones[0].get_by_role("button", name="Top").click()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phones[0].screenshot(path=SCREENSHOTS / "phone-questions.png", full_page=True)
        faded(projector)
        projector.screenshot(path=SCREENSHOTS / "projector-questions.png")
