"""Chromium for a whole test run, as a process of its own: `python -m
tests.support.chromium_server PORT` launches it through Playwright (with Playwright's
usual switches) listening for the DevTools protocol on PORT, says "ready", and keeps it
until its standard input closes.

It runs apart from the tests because Playwright's sync API keeps an event loop in the
thread that started it, where Django's async-safety check would then see it in every
later test; each browser test connects to it instead (tests/conftest.py), which costs a
third of a launch.
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS


def main(port: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--remote-debugging-port={port}"]
        )
        print("ready", flush=True)
        sys.stdin.read()
        browser.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
