"""Reading what a page or an endpoint answered, and posting its form, as a browser or a
scraper would: the form's CSRF token, English left on a Spanish page, the metrics' samples."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import httpx
import polib
from django.conf import settings

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(page: str) -> str:
    """The CSRF token of the page's (first) form, as a browser posts it back."""
    found = CSRF_INPUT.search(page)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def form_post(
    browser: httpx.Client, page: str, data: dict[str, Any], *, to: str | None = None
) -> httpx.Response:
    """Send a page's form as a browser does: the page first (its CSRF token, and the cookie
    that goes with it), then the form, to `to` (the page itself by default)."""
    token = csrf_token(browser.get(page).text)
    return browser.post(to or page, data={"csrfmiddlewaretoken": token, **data})


async def form_post_async(
    browser: httpx.AsyncClient, page: str, data: dict[str, Any], *, to: str | None = None
) -> httpx.Response:
    """`form_post`, for a browser of many at once."""
    token = csrf_token((await browser.get(page)).text)
    return await browser.post(to or page, data={"csrfmiddlewaretoken": token, **data})


SPANISH = polib.pofile(str(Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"))
# English sentences of the catalogue, as a page would show them: several words,
# no placeholder, and a Spanish translation that differs.
ENGLISH = [
    entry.msgid
    for entry in SPANISH
    if not entry.msgid_plural
    and len(entry.msgid.split()) >= 2
    and "%" not in entry.msgid
    and "<" not in entry.msgid
    and entry.msgstr != entry.msgid
]


def text_of(page: str) -> str:
    """A page's text, as read: no markup, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_left(page: str) -> list[str]:
    """The catalogue's English sentences still on a page meant to be Spanish."""
    text = text_of(page)
    return [sentence for sentence in ENGLISH if sentence in text]


def samples(text: str) -> dict[str, float]:
    """A Prometheus exposition's samples, by name and labels."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+(?:\{[^}]*\})?) (\S+)", line)
        if match:
            found[match[1]] = float(match[2])
    return found
