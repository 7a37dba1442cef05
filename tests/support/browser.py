"""Chromium for the browser tests: Debian's, headless, driven by Playwright (which
downloads no browser here)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from playwright.sync_api import ConsoleMessage, Page, expect

from polls.simulator import simulate

# The `CHROMIUM` environment variable's (`.ci/run` installs it and sets it), or the
# `chromium` on the PATH; with neither, the browser tests are skipped.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# How long a live page may take to show a change (ms): generous, for a loaded 2-core
# machine; a passing test waits only as long as the change takes.
LIVE = 10_000
# The projector's controls fade after 3 s without a mouse move; a test's page, given this
# init script first, fades them after 0.3 s (and 0.4 s of transition).
FADE_SOON = "window.VOTING_STILL_AFTER_MS = 300"
# ms: longer than a FADE_SOON page's controls take to fade.
STILL = 900
# Where the browser tests leave their screenshots (the docs' images are copies).
SCREENSHOTS = Path(settings.DATA_DIR) / "screenshots"
# zbarimg reads a QR code off a screenshot (zbar-tools); without it those tests skip.
ZBARIMG = shutil.which("zbarimg")
# A phone, as Playwright's context options: 390 by 844 pixels, touch.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def faded(page: Page) -> None:
    """Wait until the projector's controls have faded: the whole screen is the room's."""
    expect(page.locator("[data-controls]")).to_have_css("opacity", "0", timeout=LIVE)


def in_thread(query):  # type: ignore[no-untyped-def]
    """Run ORM code off Playwright's event loop, under which Django refuses it; the
    thread's connection is closed after it (left open, it would hold the test database
    when the run drops it)."""

    def run():  # type: ignore[no-untyped-def]
        try:
            return query()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(run).result()


def votes(url: str, count: int, split: dict[str, float], poll: str = "cats-vs-dogs") -> None:
    """Browsers of their own vote over HTTP (in a thread: Playwright holds this one's loop)."""
    ballot = simulate(url=url, poll=poll, votes=count, concurrency=2, split=split)
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(asyncio.run, ballot).result().accepted == count


def decoded_qr(page: Page) -> str:
    """The text of the page's join QR code, read off a screenshot by zbarimg."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image = SCREENSHOTS / "qr.png"
    page.locator(".join-qr").screenshot(path=image)
    answer = subprocess.run(
        [str(ZBARIMG), "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    )
    return answer.stdout.strip()


def csp_refusals(page: Page, refused: list[str] | None = None) -> list[str]:
    """What the Content Security Policy refuses on the page from now on (Chromium says so
    on the console), added to `refused` (a new list by default) as the page runs."""
    refused = [] if refused is None else refused

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    return refused


def sign_in(page: Page, url: str, *, username: str, password: str, then: str = "/admin/") -> None:
    """Sign in through the presenters' sign-in form, as a presenter does, then go to
    `then`."""
    page.goto(f"{url}/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".sign-in-form button[type=submit]")


def add_poll(admin: Page, url: str, question: str, kind: str, options: list[str]) -> None:
    """A poll made on the admin's form, as a presenter makes one."""
    admin.goto(f"{url}/admin/polls/poll/add/")
    admin.select_option("#id_kind", kind)
    admin.fill("#id_question", question)
    for row, label in enumerate(options):
        admin.fill(f"#id_options-{row}-label", label)
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")


def add_event(admin: Page, url: str, title: str, questions: list[str]) -> None:
    """An event of these polls, in order, on the admin's form: a row per question, each
    poll picked in the autocomplete by typing its question."""
    admin.goto(f"{url}/admin/events/event/add/")
    admin.fill("#id_title", title)
    for row, question in enumerate(questions):
        admin.locator("#questions-group .add-row a").click()
        admin.fill(f"#id_questions-{row}-position", str(row + 1))
        admin.locator(f"#questions-{row} .select2-selection").click()
        admin.locator(".select2-search__field").fill(question)
        admin.locator(".select2-results__option", has_text=question).click()
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
