"""The profanity filter on text from strangers: a word in its lists is masked, and the
entry kept (dropping it would silence a person for one word).

The lists are glin-profanity's English and Spanish dictionaries, with the words they
lack below (Latin American Spanish among them), matched on whole words, case- and
accent-insensitive, with letters spaced out or swapped for symbols ("f u c k", "$hit")
found by its leetspeak detection; a word that mixes letters and digits is read again
with each digit as the letter it stands for ("5h1t", "m1erda"). An organiser adds words
of their own with VOTING_PROFANITY_WORDS and lets words of the lists through with
VOTING_PROFANITY_ALLOWED (both comma-separated): "drogas" is in the Spanish list,
and a class on drug policy needs it.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from glin_profanity import Filter

# What a masked word shows.
MASK = "***"

# Words the lists lack: English slurs, and the insults of Latin America's classrooms,
# by region (tests/polls/test_profanity.py types each).
MORE_WORDS = (
    "fag", "whore",
    # Mexico and Central America
    "pendejo", "pendeja", "chingada", "chingado", "chingar", "culero", "culera", "puto",
    # The Southern Cone
    "boludo", "boluda", "pelotudo", "pelotuda", "culiao", "culiado", "conchetumare",
    "conchatumadre", "pajero",
    # The Andes
    "huevón", "huevon", "güevón", "guevón", "weón", "weon", "cojudo", "cojuda", "malparido",
    "malparida", "hijueputa",
    # The Caribbean
    "coño", "mamaguevo", "singao", "singado", "carajo", "mamabicho",
    # Spain's, typed anywhere
    "gilipollas",
)  # fmt: skip
# The letters digits stand for in a word that mixes them ("5h1t", "a55hole").
_DIGIT_LETTERS = str.maketrans("01345789", "oieastbg")
_WORD_WITH_DIGITS = re.compile(r"\w*[^\W\d_]\w*\d\w*|\w*\d\w*[^\W\d_]\w*")


@functools.cache
def _profanity_filter() -> Filter:
    return Filter(
        {
            "languages": ["english", "spanish"],
            "custom_words": [*MORE_WORDS, *settings.VOTING_PROFANITY_WORDS],
            "ignore_words": list(settings.VOTING_PROFANITY_ALLOWED),
            "word_boundaries": True,
            "replace_with": MASK,
            "detect_leetspeak": True,
            "cache_results": False,
        }
    )


def profanity_masked(text: str) -> str:
    """The text with each word of the filter's lists masked."""
    text = _WORD_WITH_DIGITS.sub(_digits_read, text)
    result = _profanity_filter().check_profanity(text)
    return str(result["processed_text"]) if result["contains_profanity"] else text


def _digits_read(word: re.Match[str]) -> str:
    """A word of letters and digits, masked if it is a listed word with its digits read
    as letters."""
    read = word.group().translate(_DIGIT_LETTERS)
    return MASK if _profanity_filter().check_profanity(read)["contains_profanity"] else word.group()


def profanity_forget() -> None:
    """Read the settings' words again (after a change of them)."""
    _profanity_filter.cache_clear()
