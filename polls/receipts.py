"""A vote's receipt: eight characters a voter can read aloud, note down and type back.

Random (40 bits from `secrets`), never derived from the voter's cookie, so a receipt says
nothing about who holds it. Written in Crockford's base 32, `K7QF-2M9X`: digits and
capitals without I, L, O and U, so that none is taken for another; typed back, case,
spaces and dashes do not matter and O, I and L read as 0, 1 and 1.

The published log (tally/audit.py) holds each receipt's SHA-256 of its written form, never
the receipt: only its holder can point at their entry. tools/verify.py does the same
reading and hashing with Python's standard library alone, and the verify page with the
browser's.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


_SHIFTS = (35, 30, 25, 20, 15, 10, 5, 0)  # a character per 5 bits, the highest first


def receipt_new() -> str:
    """A fresh receipt, `XXXX-XXXX`: 40 random bits from one read of the system's source
    (a vote makes one; drawing each character alone cost a read each, 7 times the time)."""
    bits = int.from_bytes(secrets.token_bytes(5), "big")
    code = "".join([ALPHABET[(bits >> shift) & 31] for shift in _SHIFTS])
    return f"{code[:4]}-{code[4:]}"


def receipt_read(typed: str) -> str | None:
    """A receipt as a voter typed it, in its written form; None if it cannot be one."""
    code = re.sub(r"[\s-]", "", typed).upper().translate(_TYPED_AS)
    written = f"{code[:4]}-{code[4:]}"
    return written if RECEIPT.fullmatch(written) else None


def receipt_hash(receipt: str) -> str:
    """What the published log holds of a receipt: the SHA-256 of its written form, in hex;
    "" for none (a poll without receipts)."""
    return hashlib.sha256(receipt.encode("ascii")).hexdigest() if receipt else ""
