"""Whole numbers read from what people send: ASCII digits only.

`str.isdigit()` is true of "²" and "①", which `int()` refuses (a 500), and of "١٢",
which it reads: every number the site reads from a request, a form, a command or a
setting is read here instead.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")  # below 2**63: a PostgreSQL bigint


def whole_number(text: str | None) -> int | None:
    """The number `text` writes in ASCII digits (at most 18 of them), else None."""
    return int(text) if text is not None and _DIGITS.fullmatch(text) else None
