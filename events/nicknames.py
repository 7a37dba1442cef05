"""A quiz's nicknames: what may be one, and when two are the same.

A nickname is shown on the public leaderboard, so two that look alike must not both be
taken: "Ada" with a Cyrillic A, in fullwidth letters, or followed by an invisible
character would each read "Ada". Two nicknames are the same when their
skeletons are (Unicode TR39's idea): compatibility forms folded (NFKC), case folded,
invisible characters dropped, and each character that Unicode lists as confusable
with others replaced by one of them (the data of `confusable_homoglyphs`, Unicode's
confusables.txt).

A nickname made to look like nothing is refused: Hangul and Braille fillers, the
combining grapheme joiner, or a combining mark with no letter to sit on.
"""

from __future__ import annotations

import functools
import unicodedata

# Characters that show as nothing yet are no format character (text_cleaned drops those).
INVISIBLE_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
# Default-ignorable characters a skeleton drops: variation selectors (an emoji's "\ufe0f"
# is kept in the nickname, but "Ada\ufe0f" is Ada) and Mongolian free variation selectors.
_IGNORED_RANGES = ((0xFE00, 0xFE0F), (0x180B, 0x180F), (0xE0100, 0xE01EF))


def nickname_invisible(nickname: str) -> bool:
    """Whether the nickname hides something: a filler that shows as nothing, or a
    combining mark at its start or after a space."""
    if any(ch in INVISIBLE_FILLERS for ch in nickname):
        return True
    before = " "
    for ch in nickname:
        if unicodedata.category(ch).startswith("M") and before.isspace():
            return True
        before = ch
    return False


def nickname_skeleton(nickname: str) -> str:
    """What the nickname looks like: the same for two that a reader cannot tell apart."""
    folded = unicodedata.normalize("NFKC", nickname).casefold()
    kept = (ch for ch in unicodedata.normalize("NFD", folded) if not _ignored(ch))
    return unicodedata.normalize("NFC", "".join(_prototype(ch) for ch in kept))


def _ignored(ch: str) -> bool:
    code = ord(ch)
    return ch in INVISIBLE_FILLERS or any(low <= code <= high for low, high in _IGNORED_RANGES)


@functools.cache
def _prototype(ch: str) -> str:
    """One character for all those confusable with `ch`: an ASCII one if any is, else
    the lowest, case-folded (a look-alike of "A" is a look-alike of "a" here)."""
    found = _confusables().get(ch)
    if not found:
        return ch
    candidates = [ch, *(homoglyph["c"] for homoglyph in found if len(homoglyph["c"]) == 1)]
    best = min(candidates, key=lambda c: (not c.isascii(), ord(c)))
    return best.casefold()


@functools.cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    """Unicode's confusables, read once, on the first nickname (a megabyte of JSON)."""
    from confusable_homoglyphs.confusables import confusables_data

    return confusables_data
