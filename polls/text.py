"""Text typed by strangers (an open answer, a question for the Q&A): cleaned before it is
queued, and read as the terms a word cloud counts.

`text_cleaned` keeps what a person typed and drops what only hides or reorders it:
Unicode is normalised (NFC, so "é" typed two ways is one "é"), runs of whitespace
become one space, and control and format characters go (bidirectional overrides and
isolates, zero-width spaces and joiners, the byte-order mark), which could otherwise
make an answer read backwards or two answers look alike, and noncharacters go (U+FFFF,
which no XML document may hold). It does not escape markup:
text is text, and the templates and scripts that show it escape it.

`answer_terms` is what an answer adds to a word cloud: its words, case-folded, with
punctuation stripped, accents kept, and English and Spanish function words dropped
(polls/stop_words.py: articles, pronouns, prepositions; never "great" or "clear");
an answer of up to `PHRASE_WORDS` words also counts as one whole phrase, as people
mean "machine learning". Each term counts once per answer, so a cloud counts voters,
not repetitions. A word the profanity filter masked is a word too: "una ***" is no
one-word answer "una".
"""

from __future__ import annotations

import re
import unicodedata

from polls.profanity import MASK
from polls.stop_words import STOP_WORDS

# An answer of this many words or fewer also counts as one phrase.
PHRASE_WORDS = 3

# Control (Cc), format (Cf: bidi controls, zero-width characters, the BOM), surrogate
# (Cs) and private-use (Co) characters. Unassigned ones (Cn) stay: they may be emoji
# newer than this Python's Unicode tables.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
# The apostrophe phones type, read as ASCII's.
_TYPOGRAPHIC_APOSTROPHE = "\u2019"
# A word: letters and digits, with an apostrophe or hyphen inside (don't, e-mail).
_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")


def text_cleaned(text: str) -> str:
    """The text as typed, without what only hides or reorders it, on one line."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in _REMOVED_CATEGORIES and not _noncharacter(ch)
    )


def _noncharacter(ch: str) -> bool:
    """One of Unicode's 66 noncharacters (U+FDD0 to U+FDEF, and the last two of each
    plane, U+FFFE and U+FFFF among them): never text, and U+FFFE and U+FFFF are not even
    XML's, so an SVG chart holding one would not open."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def answer_words(text: str) -> list[str]:
    """The answer's words, case-folded, in order (with the stop words)."""
    words = _WORD.findall(text_cleaned(text))
    return [word.casefold().replace(_TYPOGRAPHIC_APOSTROPHE, "'") for word in words]


def answer_key(text: str) -> str:
    """An answer as moderation compares it: its words, case-folded, one space apart, so
    "Bad!" and "bad" are one answer ("?!" alone is itself)."""
    return " ".join(answer_words(text)) or text_cleaned(text).casefold()


def answer_terms(text: str) -> frozenset[str]:
    """The terms an answer adds to a word cloud, each once."""
    words = answer_words(text)
    # A word of one letter carries nothing alone ("b" of a "<b>" typed as text).
    terms = {word for word in words if word not in STOP_WORDS and len(word) > 1}
    if MASK in text:
        return frozenset(terms)  # the phrase, or the one word left, would be half of it
    if 1 < len(words) <= PHRASE_WORDS:
        terms.add(" ".join(words))
    elif len(words) == 1:
        terms.add(words[0])  # a one-word answer counts, even a stop word ("no")
    return frozenset(terms)
