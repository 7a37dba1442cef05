"""A PDF deck made into an event's slides: each page rendered by pypdfium2 (PDFium, the
renderer of Chromium) on the worker, never in a request, as a picture (polls/pictures.py)
on a slide of its own, its text as the picture's description where the PDF has text.

A file that is not a PDF, an encrypted one, or one of more than VOTING_DECK_MAX_PAGES
pages is refused when it is uploaded, with a message that says which.
"""

from __future__ import annotations

import logging
from typing import Any

import pypdfium2 as pdfium
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from events.models import Deck, EventQuestion
from polls.models import Poll
from polls.pictures import picture_made, picture_store
from polls.services import free_slug, poll_create, slug_for

logger = logging.getLogger(__name__)

# A page's long side when rendered, in pixels: the large copy's (polls/pictures.py).
RENDERED_SIDE = 1920
# A page's text as its picture's description: this many characters at most.
ALT_LENGTH = 250


class DeckError(ValueError):
    """A file that cannot be a deck; the message says why."""


def deck_pages(content: bytes) -> int:
    """How many pages the PDF has; DeckError if it is not one this server takes."""
    document = _deck_opened(content)
    pages = len(document)
    document.close()
    return pages


def _deck_opened(content: bytes) -> pdfium.PdfDocument:
    """The PDF, open; DeckError (and closed) if it is not one this server takes."""
    if len(content) > settings.VOTING_DECK_MAX_MB * 1024 * 1024:
        raise DeckError(_("This PDF is larger than %(n)d MB.") % {"n": settings.VOTING_DECK_MAX_MB})
    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise DeckError(
                _("This PDF is protected by a password: save it without one.")
            ) from None
        raise DeckError(_("This file is not a PDF, or it is damaged.")) from None
    pages = len(document)
    try:
        if pages == 0:
            raise DeckError(_("This PDF has no pages."))
        if pages > settings.VOTING_DECK_MAX_PAGES:
            raise DeckError(
                _("This PDF has %(n)d pages; a deck has at most %(most)d.")
                % {"n": pages, "most": settings.VOTING_DECK_MAX_PAGES}
            )
    except DeckError:
        document.close()
        raise
    return document


def deck_render(deck_id: int) -> None:
    """Make the deck's pages slides of its event, in order at its place, counting each as
    it is made; a deck that fails says why and keeps the slides made so far."""
    deck = Deck.objects.select_related("event").get(pk=deck_id)
    deck.state = Deck.State.RENDERING
    deck.save(update_fields=["state"])
    try:
        with deck.file.open("rb") as opened:
            content = opened.read()
        document = _deck_opened(content)  # read once: checked, then each page rendered
        try:
            deck.pages = len(document)
            deck.save(update_fields=["pages"])
            start = _make_room(deck)
            for index in range(deck.pages):
                _slide_of(deck, document[index], index, start + index)
                Deck.objects.filter(pk=deck.pk).update(done=F("done") + 1)
        finally:
            document.close()
    except (DeckError, pdfium.PdfiumError, OSError) as error:
        logger.warning("deck %s of event %s failed: %s", deck.pk, deck.event_id, error)
        Deck.objects.filter(pk=deck.pk).update(state=Deck.State.FAILED, message=str(error)[:300])
        return
    Deck.objects.filter(pk=deck.pk).update(state=Deck.State.DONE)


def _make_room(deck: Deck) -> int:
    """The position of the deck's first slide: its `at`, the items from there moved on to
    make room, or after the event's last item."""
    items = EventQuestion.objects.filter(event=deck.event)
    last = items.aggregate(last=Max("position"))["last"] or 0
    if deck.at is None or deck.at > last:
        return last + 1
    with transaction.atomic():
        items.filter(position__gte=deck.at).update(position=F("position") + deck.pages)
    return deck.at


def _slide_of(deck: Deck, page: Any, index: int, position: int) -> Poll:
    """One page as a slide: its picture, its text as the picture's description and its
    first line as the slide's title."""
    width, height = page.get_size()
    bitmap = page.render(scale=RENDERED_SIDE / max(width, height, 1))
    text = page.get_textpage().get_text_bounded().strip()
    picture = picture_store(picture_made(bitmap.to_pil().convert("RGB")))
    number = _("Page %(n)d") % {"n": index + 1}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = (lines[0] if lines else number)[:200]
    alt = " ".join(lines)[:ALT_LENGTH] or _("%(page)s of %(deck)s") % {
        "page": number,
        "deck": deck.name,
    }
    base = slug_for(f"{deck.name or 'deck'}-{index + 1}") or f"deck-{deck.pk}-{index + 1}"
    with transaction.atomic():
        slide = poll_create(question=title, options=[], kind=Poll.Kind.SLIDE,
                            slug=free_slug(Poll, base[:50]), owner=deck.event.owner)  # fmt: skip
        slide.image, slide.image_alt = picture, alt
        slide.save(update_fields=["image", "image_alt"])
        EventQuestion.objects.create(event=deck.event, poll=slide, position=position)
    return slide
