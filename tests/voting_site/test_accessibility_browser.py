"""WCAG 2.1 AA as axe-core checks it, inside Chromium: every public page and the projector,
in each state a visitor meets, in English and in Spanish.

axe-core comes from the npm registry (`package.json`; `.ci/run` runs `npm ci`);
without it, or without Chromium, the test is skipped. What axe cannot judge
(keyboard use, the live region's manners) has tests of its own.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from events.models import Event
from events.services import event_create, event_move, player_join
from polls.invites import invites_make
from polls.models import Answer, Picture, Poll, Question
from polls.pictures import picture_read, picture_store
from polls.services import poll_create
from polls.stream import Asked, Cast
from tally.audit import log_seal
from tally.ingest import casts_apply
from tally.moderation import answers_moderate, questions_moderate
from tests.support.browser import votes
from tests.support.processes import asgi_server, rq_worker
from voting_site.processes import free_port

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the web process must see the polls
    pytest.mark.skipif(not AXE.exists(), reason="no axe-core: npm ci"),
]


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        # Only the violations' nodes listed (axe-core's resultTypes): a fraction of the work.
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})"
        ".then(r => ({passes: r.passes.length, violations: r.violations}))",
        WCAG_21_AA,
    )
    assert result["passes"] >= 5, "axe-core checked next to nothing: is the page there?"
    found: list[dict[str, Any]] = result["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    ]


@pytest.fixture
def polls(db) -> None:
    """A poll of each kind and in each state a visitor meets."""
    two = [("cats", "Cats"), ("dogs", "Dogs")]
    four = [("", name) for name in ("Red", "Green", "Blue", "Yellow")]
    poll_create(question="Cats or dogs?", options=two, slug="cats-vs-dogs")
    poll_create(question="Which colours?", options=four, slug="colours", kind="multiple")
    poll_create(question="How was it?", options=[], slug="talk", kind="rating",
                scale_labels=("Poor", "Great"))  # fmt: skip
    poll_create(question="Rank them", options=four, slug="rank", kind="ranking")
    closed = poll_create(question="Closed?", options=two, slug="closed")
    Poll.objects.filter(pk=closed.pk).update(is_open=False, closed_ms=1)
    assert log_seal(poll_id=closed.pk)  # its fingerprint shown, its log published
    later = poll_create(question="Later?", options=two, slug="later")
    Poll.objects.filter(pk=later.pk).update(opens_at=timezone.now() + timedelta(days=1))
    poll_create(question="Hidden?", options=two, slug="hidden", results_visibility="revealed")
    invited = poll_create(question="Invited?", options=two, slug="invited", requires_invite=True)
    invites_make(poll=invited, count=3)
    word = poll_create(question="One word?", options=[], slug="word", kind="open",
                       moderation="approve")  # fmt: skip
    casts_apply([Cast(f"1-{i}", word.pk, 1, (), f"v{i}", timezone.now(), (text,))
                 for i, text in enumerate(["Clear", "Fun", "clear", "Muy claro"])])  # fmt: skip
    answers_moderate(answer_ids=Answer.objects.exclude(text="Fun").values_list("pk", flat=True),
                     action="show")  # fmt: skip
    qa = poll_create(question="Questions?", options=[], slug="qa", kind="questions")
    asked = [("Why?", ""), ("When?", "Bo")]
    casts_apply([], [Asked(f"1-{i}", qa.pk, 1, text, name, f"v{i}", timezone.now())
                     for i, (text, name) in enumerate(asked)])  # fmt: skip
    questions_moderate(question_ids=[Question.objects.get(text="When?").pk], action="answering")
    teacher = User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    for slug in ("lobby", "shown", "ended", "survey"):  # an event at each stage, and a survey
        questions = [
            poll_create(question="Cats or dogs?", options=two, slug=f"{slug}-1"),
            poll_create(question="How was it?", options=[], slug=f"{slug}-2", kind="rating"),
        ]
        pace = Event.Pace.AUDIENCE if slug == "survey" else Event.Pace.PRESENTER
        event = event_create(title="Week 3", polls=questions, slug=slug, pace=pace)
        if slug in ("shown", "ended"):
            event_move(event=event, action="next" if slug == "shown" else "end")
    planets = [("a", "Mercury"), ("b", "Venus")]
    for slug, moves in QUIZZES.items():  # a quiz at each stage, with two players
        question = poll_create(question="Hottest planet?", options=planets, slug=f"{slug}-1",
                               correct=["b"])  # fmt: skip
        # The longest limit: the clock still runs when the test reaches its page.
        event = event_create(title="Planets", polls=[question], slug=slug, quiz=True, seconds=240)
        for nickname in ("Ada", "Bob"):
            player_join(event=event, voter=f"{slug}-{nickname}", nickname=nickname)
        for move in moves:
            event_move(event=event, action=move)
    pictured = poll_create(
        question="Which is the $\\frac{1}{2}$ cell?", options=two, slug="pictured"
    )
    pictured.image, pictured.image_alt = _picture((90, 60, 160)), "Two cells under a microscope"
    pictured.save()
    for option, colour in zip(pictured.options.all(), [(200, 40, 40), (40, 80, 200)], strict=True):
        option.image, option.image_alt = _picture(colour), f"The {option.label.lower()} drawn"
        option.save()
    # A lecture's slides: one the phones only look up at, one they show.
    slides = [
        poll_create(question="Cells and energy", options=[], slug="slide-look", kind="slide",
                    slide=("A cell makes **energy**: $E = mc^2$.", "Ask who knows.", False)),
        poll_create(question="What we saw", options=[], slug="slide-shown", kind="slide",
                    slide=("- cells\n- energy", "", True)),
    ]  # fmt: skip
    slides[0].image, slides[0].image_alt = _picture((30, 120, 60)), "A cell, drawn"
    slides[0].save()
    lecture = event_create(title="Lecture", polls=slides, slug="lecture")
    event_move(event=lecture, action="next")
    # An event whose participants type their names, its question shown.
    named = event_create(
        title="Class", polls=[poll_create(question="Ready?", options=two, slug="named-1")],
        slug="named", participation="named",
    )  # fmt: skip
    event_move(event=named, action="next")
    # The presenter's home lists the teacher's own.
    Event.objects.filter(slug__in=["lobby", "quiz-ended"]).update(owner=teacher)
    Poll.objects.filter(slug__in=["cats-vs-dogs", "closed"]).update(owner=teacher)


def _picture(colour: tuple[int, int, int]) -> Picture:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "PNG")
    return picture_store(picture_read(io.BytesIO(out.getvalue())))


# A quiz's stages, and the moves that lead there.
QUIZZES = {
    "quiz-lobby": [],
    "quiz-shown": ["next"],
    "quiz-board": ["next", "leaderboard"],
    "quiz-ended": ["next", "end"],
}


PAGES = [
    "/",
    "/polls/cats-vs-dogs/",
    "/polls/cats-vs-dogs/results/",
    "/polls/colours/",
    "/polls/colours/results/",
    "/polls/talk/",
    "/polls/talk/results/",
    "/polls/rank/",
    "/polls/rank/results/",
    "/polls/word/",
    "/polls/word/results/",
    "/polls/qa/",
    "/polls/qa/results/",
    "/polls/closed/",
    "/polls/closed/results/",
    "/polls/closed/verify/",
    "/polls/cats-vs-dogs/verify/",
    "/polls/later/",
    "/polls/hidden/results/",
    "/polls/invited/",
    "/polls/pictured/",
    "/polls/pictured/results/",
    "/j/NOSUCH",
    "/accounts/login/",
    "/accounts/failed/",
    "/no/such/page/",
    "/events/lobby/",
    "/events/shown/",
    "/events/ended/",
    "/events/survey/",
    "/events/survey/?q=done",
    "/events/quiz-lobby/",
    "/events/lecture/",
    "/events/quiz-board/",
    "/events/named/",
    "/events/named/me/",
]
# The presenter's home and pages of an event, signed in.
EVENT_STAFF_PAGES = [
    "/host/",
    "/events/lobby/present/",
    "/events/shown/present/",
    "/events/ended/present/",
    "/events/shown/remote/",
    "/events/ended/report/",
    "/events/named/report/",
    *[f"/events/{slug}/present/" for slug in QUIZZES],
    "/events/quiz-shown/remote/",
    "/events/lecture/present/",
    "/events/lecture/remote/",
]


@pytest.mark.parametrize("language", ["en-US", "es-ES"])
def test_every_page_in_every_state_passes_axe(site_url, polls, chromium: Browser, language):
    context = chromium.new_context(locale=language, bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in PAGES:
        page.goto(site_url + path)
        found[path] = violations(page)

    page.goto(site_url + "/polls/cats-vs-dogs/")  # after voting
    page.get_by_role("button", name="Cats").click()
    expect(page.locator(".your-vote")).to_be_visible()
    found["voted"] = violations(page)

    page.goto(site_url + "/events/quiz-shown/")  # a quiz's player: a nickname, then the clock
    page.fill("#nickname", "Cy")
    page.click(".quiz-join-form button[type=submit]")
    expect(page.locator("[data-clock]")).to_be_visible()
    found["a quiz's question"] = violations(page)

    page.goto(site_url + "/events/named/")  # a named event: a name, then the question
    page.fill("#nickname", "Cy Young")
    page.click(".quiz-join-form button[type=submit]")
    mine = page.locator('a[href="/events/named/me/"]')  # "You take part as Cy Young · …"
    expect(mine).to_be_visible()
    found["a named event's question"] = violations(page)
    mine.click()
    expect(page.locator(".my-data-erase button")).to_be_visible()
    found["a participant's own data"] = violations(page)

    page.goto(site_url + "/polls/cats-vs-dogs/present/")  # the projector, signed in
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "a long pass phrase")
    page.click(".sign-in-form button[type=submit]")
    expect(page.locator("[data-voters]")).to_be_visible()
    found["projector"] = violations(page)
    page.keyboard.press("?")  # its keys
    expect(page.locator("[data-shortcuts]")).to_be_visible()
    found["projector's keys"] = violations(page)
    for slug in ("hidden", "talk", "word", "qa", "pictured"):
        page.goto(site_url + f"/polls/{slug}/present/")
        expect(page.locator("[data-status][data-state=live]")).to_be_visible()
        found[f"projector of {slug}"] = violations(page)
        page.goto(site_url + f"/polls/{slug}/remote/")
        expect(page.locator("[data-status][data-state=live]")).to_be_visible()
        found[f"remote of {slug}"] = violations(page)
    page.goto(site_url + "/polls/invited/invites/")  # the printable invite slips
    found["invite slips"] = violations(page)
    for path in EVENT_STAFF_PAGES:
        page.goto(site_url + path)
        expect(page.locator("[data-pages]").or_(page.locator("h1")).first).to_be_visible()
        found[path] = violations(page)

    with asgi_server() as url:  # a server of its own, to stop
        page.goto(url + "/polls/cats-vs-dogs/results/")
        expect(page.locator("[data-status][data-state=live]")).to_be_visible()
    # The server is gone: the page says it is reconnecting.
    expect(page.locator("[data-status][data-state=lost]")).to_be_visible(timeout=10_000)
    found["reconnecting"] = violations(page)
    context.close()

    assert {where: lines for where, lines in found.items() if lines} == {}


def test_the_check_finds_a_violation(site_url, polls, chromium: Browser):
    page = chromium.new_context(bypass_csp=True).new_page()
    page.goto(site_url + "/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="/x.png"><p style="color:#ccc;background:#fff">faint</p>\')'
    )
    found = violations(page)

    assert any(line.startswith("image-alt") for line in found)
    assert any(line.startswith("color-contrast") for line in found)


RECORD_ANNOUNCEMENTS = """() => {
  window.said = [];
  new MutationObserver(() => window.said.push(
    {at: Date.now(), text: document.querySelector('[data-announce]').textContent}
  )).observe(document.querySelector('[data-announce]'),
             {childList: true, characterData: true, subtree: true});
}"""


def test_the_live_region_says_results_every_few_seconds_at_most_and_a_reconnect_once(
    polls, redis_db, chromium: Browser
):
    page = chromium.new_page(locale="en-US")
    sockets: list[str] = []  # every socket the page opens: the first, then each retry
    page.on("websocket", lambda socket: sockets.append(socket.url))
    port = free_port()
    with rq_worker(), asgi_server(port) as url:
        page.goto(url + "/polls/cats-vs-dogs/results/")
        expect(page.locator("[data-status]")).to_have_text("Live")
        page.evaluate(RECORD_ANNOUNCEMENTS)
        for _ in range(3):  # three updates within a few seconds
            votes(url, 1, {"cats": 1})
        expect(page.locator("[data-announce]")).to_have_text(
            "3 voters. Cats: 3 (100%). Dogs: 0 (0%).", timeout=15_000
        )
    # The server is gone: the page retries, with the countdown on screen, three times.
    expect(page.locator("[data-status]")).to_contain_text("reconnecting in", timeout=10_000)
    opened, deadline = len(sockets), time.monotonic() + 15
    while len(sockets) < opened + 3:  # Playwright hears of the sockets while it waits
        assert time.monotonic() < deadline, "the page stopped trying to reconnect"
        page.wait_for_timeout(100)

    said: list[dict[str, Any]] = page.evaluate("() => window.said")
    results = [entry for entry in said if "voter" in entry["text"]]
    gaps = [later["at"] - earlier["at"] for earlier, later in pairwise(results)]
    assert len(results) <= 2 and all(gap >= 4_900 for gap in gaps), said
    lost = [entry["text"] for entry in said if "Connection lost" in entry["text"]]
    assert lost == ["Connection lost: reconnecting…"]
    assert not any("Connecting" in entry["text"] for entry in said)


@pytest.mark.parametrize("language", ["en-US", "es-ES"])
def test_at_320_css_pixels_nothing_scrolls_sideways(site_url, polls, chromium: Browser, language):
    """WCAG's reflow: 320 CSS pixels wide, as a 1280-pixel window at 400 % zoom (and so
    also at 200 %); Spanish words are the longer."""
    page = chromium.new_page(locale=language, viewport={"width": 320, "height": 640})
    wide = {}
    for path in PAGES:
        page.goto(site_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width

    assert wide == {}


def tab_to(page: Page, target: Any) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(40):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_every_kind_can_be_voted_with_the_keyboard_alone(site_url, polls, chromium: Browser):
    page = chromium.new_page(locale="en-US")
    vote = page.get_by_role("button", name="Vote")
    page.goto(site_url + "/polls/colours/")  # several choices: checkboxes
    for colour in ("Red", "Blue"):
        tab_to(page, page.get_by_role("checkbox", name=colour))
        page.keyboard.press("Space")
    tab_to(page, vote)
    page.keyboard.press("Enter")
    expect(page.locator(".your-vote")).to_contain_text("You chose Red, Blue.")

    page.goto(site_url + "/polls/talk/")  # a score: radio buttons, moved with the arrows
    tab_to(page, page.get_by_role("radio", name="1"))
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    tab_to(page, vote)
    page.keyboard.press("Enter")
    expect(page.locator(".your-vote")).to_contain_text("You gave 4.")

    page.goto(site_url + "/polls/rank/")  # a ranking: the script's buttons
    for colour in ("Blue", "Red", "Yellow", "Green"):
        tab_to(page, page.get_by_role("button", name=f"Rank {colour} next"))
        page.keyboard.press("Enter")
    tab_to(page, vote)
    page.keyboard.press("Enter")
    expect(page.locator(".your-vote")).to_contain_text("Your order: Blue, Red, Yellow, Green.")
