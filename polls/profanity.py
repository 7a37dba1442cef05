"""The profanity filter on text from strangers: a word in its lists is masked, and the
entry kept (dropping it would silence a person for one word).

The lists are glin-profanity's English and Spanish dictionaries, matched on whole
words, case- and accent-insensitive, with letters spaced out or swapped for digits
("f u c k", "sh1t") found too. An organiser adds words of their own with
VOTING_PROFANITY_WORDS and lets words of the lists through with
VOTING_PROFANITY_ALLOWED (both comma-separated): "drogas" is in the Spanish list,
and a class on drug policy needs it.
"""

from __future__ import annotations

import functools

from django.conf import settings
from glin_profanity import Filter

# What a masked word shows.
MASK = "***"


@functools.cache
def _profanity_filter() -> Filter:
    return Filter(
        {
            "languages": ["english", "spanish"],
            "custom_words": list(settings.VOTING_PROFANITY_WORDS),
            "ignore_words": list(settings.VOTING_PROFANITY_ALLOWED),
            "word_boundaries": True,
            "replace_with": MASK,
            "cache_results": False,
        }
    )


def profanity_masked(text: str) -> str:
    """The text with each word of the filter's lists masked."""
    result = _profanity_filter().check_profanity(text)
    return str(result["processed_text"]) if result["contains_profanity"] else text


def profanity_forget() -> None:
    """Read the settings' words again (after a change of them)."""
    _profanity_filter.cache_clear()
