"""Chromium for the browser tests: Debian's, headless, driven by Playwright (which
downloads no browser here)."""

from __future__ import annotations

import os
import shutil

from playwright.sync_api import ConsoleMessage, Page

# The `CHROMIUM` environment variable's (`.ci/run` installs it and sets it), or the
# `chromium` on the PATH; with neither, the browser tests are skipped.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


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
    """Sign in through the admin's login form, as a presenter does, then go to `then`."""
    page.goto(f"{url}/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
