#!/usr/bin/env python3
"""Recount a closed poll's published log, with nothing but Python's standard library.

    python3 tools/verify.py cats-vs-dogs-log.json [--receipt K7QF-2M9X]... [--fingerprint 3F9A-1C2B]

The log is what /polls/<slug>/audit.json serves (docs/design.md, "The published log"). This
checks that:
- the chain holds: h0 = SHA-256 of the header, hᵢ = SHA-256(hᵢ₋₁ ‖ entryᵢ), each as JSON
  with sorted keys, no spaces, UTF-8; every entry's `hash` is its hᵢ and the last is the
  fingerprint (and the one the room saw, given with --fingerprint, its short form will do);
  a changed byte, a removed entry or two swapped ones break it, and it says where;
- each entry's `counts` follows the rules: a voter's latest cast counts, or their first
  where first votes are final;
- each published answer text is the one its hash stands for;
- each receipt given is in the log, and whether its cast counts, was replaced, or was
  erased by its voter.

Then it prints the tally of the casts that count (an entry marked `erased`, beside the
chain, counts no longer): votes per option (a ranking: Borda
points, n - k for the k-th of n), a rating's average, an open poll's terms. Exit status:
0 when everything checks, 1 when something does not (it says what), 2 when the file
cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from typing import Any

FORMAT = "voting-audit/1"
RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


class Broken(Exception):
    """The log does not check out; the message says where."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def receipt_read(typed: str) -> str | None:
    """A receipt as typed, in its written form (polls/receipts.py reads it alike)."""
    code = re.sub(r"[\s-]", "", typed).upper().translate(str.maketrans("OIL", "011"))
    written = f"{code[:4]}-{code[4:]}"
    return written if RECEIPT.fullmatch(written) else None


def chain_check(log: dict[str, Any]) -> str:
    """The fingerprint the entries make; Broken at the first entry that is not sealed."""
    header, entries = log["header"], log["entries"]
    if header.get("format") != FORMAT:
        raise Broken(f"not a log this tool reads: format {header.get('format')!r}, not {FORMAT!r}")
    digest = sha256(canonical(header))
    for place, entry in enumerate(entries, 1):
        chained = {key: value for key, value in entry.items() if key not in ("hash", "texts")}
        digest = sha256(digest + canonical(chained))
        if entry.get("n") != place:
            raise Broken(
                f"entry {place} of the file is numbered {entry.get('n')}: an entry was removed, "
                "added or moved there"
            )
        if digest.hex() != entry.get("hash"):
            raise Broken(f"entry {place} was changed (or the header was, if it is entry 1)")
    fingerprint = digest.hex()
    if fingerprint != log.get("fingerprint"):
        raise Broken("the entries do not make the fingerprint the log states")
    return fingerprint


def counts_check(log: dict[str, Any]) -> None:
    """Each entry counts exactly when the rules say it does."""
    final = log["header"]["final"]
    kept: dict[str, int] = {}
    for entry in log["entries"]:
        if not final or entry["voter"] not in kept:
            kept[entry["voter"]] = entry["n"]
    counting = set(kept.values())
    for entry in log["entries"]:
        if entry["counts"] != (entry["n"] in counting):
            rule = "first" if final else "latest"
            raise Broken(
                f"entry {entry['n']} says it {'counts' if entry['counts'] else 'does not count'}, "
                f"but each voter's {rule} cast is the one that counts"
            )


def texts_check(log: dict[str, Any]) -> None:
    for entry in log["entries"]:
        for place, text in enumerate(entry.get("texts") or []):
            if (
                text is not None
                and hashlib.sha256(text.encode()).hexdigest() != entry["answers"][place]
            ):
                raise Broken(
                    f"entry {entry['n']}'s answer {place + 1} is not the text it was cast as"
                )


# --- The count -------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")


def _cleaned(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return "".join(
        ch for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
        and not (0xFDD0 <= ord(ch) <= 0xFDEF or ord(ch) & 0xFFFE == 0xFFFE)
    )  # fmt: skip


def answer_terms(text: str, rule: dict[str, Any]) -> set[str]:
    """The terms an answer gives a word cloud, as polls/text.py makes them."""
    words = [w.casefold().replace("\u2019", "'") for w in _WORD.findall(_cleaned(text))]
    stop = set(rule["stop_words"])
    terms = {word for word in words if word not in stop and len(word) > 1}
    if rule["mask"] in text:
        return terms
    if 1 < len(words) <= rule["phrase_words"]:
        terms.add(" ".join(words))
    elif len(words) == 1:
        terms.add(words[0])
    return terms


def tally(log: dict[str, Any]) -> dict[str, Any]:
    """The count of the casts that count."""
    header = log["header"]
    counting = [entry for entry in log["entries"] if _counted(entry)]
    options = [option["slug"] for option in header["options"]]
    counted: dict[str, Any] = {"voters": len(counting)}
    if header["kind"] == "open":
        terms: Counter[str] = Counter()
        for entry in counting:
            given: set[str] = set()
            for text in entry.get("texts") or []:
                if text is not None:
                    given |= answer_terms(text, header["terms"])
            terms.update(given)
        counted["terms"] = dict(sorted(terms.items(), key=lambda item: (-item[1], item[0])))
        return counted
    votes = Counter({slug: 0 for slug in options})
    for entry in counting:
        for place, slug in enumerate(entry["choices"], 1):
            votes[slug] += len(options) - place if header["kind"] == "ranking" else 1
    counted["options"] = {slug: votes[slug] for slug in options}
    if header["kind"] == "rating":
        scores = [int(entry["choices"][0]) for entry in counting if entry["choices"]]  # its slug
        counted["average"] = round(sum(scores) / len(scores), 2) if scores else None
    if any(entry["points"] for entry in log["entries"]):
        points: Counter[str] = Counter()
        for entry in counting:
            points[entry["voter"]] += entry["points"]
        counted["points"] = dict(points.most_common())
    return counted


def _counted(entry: dict[str, Any]) -> bool:
    """Whether an entry is in the count: it counts, and its voter has not erased it."""
    return bool(entry["counts"]) and not entry.get("erased")


def receipts_found(log: dict[str, Any], receipts: list[str]) -> dict[str, Any]:
    """Each receipt: the entry it is in, its choices, whether it counts; None if absent."""
    by_hash = {entry["receipt"]: entry for entry in log["entries"] if entry["receipt"]}
    found: dict[str, Any] = {}
    for receipt in receipts:
        entry = by_hash.get(hashlib.sha256(receipt.encode("ascii")).hexdigest())
        found[receipt] = entry and {
            "n": entry["n"],
            "choices": entry.get("choices", entry.get("texts")),
            "counts": entry["counts"],
            "erased": bool(entry.get("erased")),
        }
    return found


def leaderboard(logs: list[dict[str, Any]]) -> dict[str, int] | None:
    """A quiz's points per player over the logs of its questions (their pseudonyms are the
    quiz's), the most first; None unless the logs are of one quiz's questions."""
    quizzes = {log["header"].get("quiz") for log in logs}
    if len(quizzes) != 1 or None in quizzes:
        return None
    points: Counter[str] = Counter()
    for log in logs:
        for entry in log["entries"]:
            if _counted(entry):
                points[entry["voter"]] += entry["points"]
    return dict(points.most_common())


def log_read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        log = json.load(file)
    if not isinstance(log.get("header"), dict) or not isinstance(log.get("entries"), list):
        raise ValueError("no header and entries: not a poll's log")
    return log


def log_checked(log: dict[str, Any], seen: str | None) -> str:
    """Every check of one log; its fingerprint. Broken, saying where, if one fails."""
    try:
        fingerprint = chain_check(log)
        counts_check(log)
        texts_check(log)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise Broken(f"a malformed entry: {error!r}") from error
    if seen:
        wanted = seen.replace("-", "").replace(" ", "").lower()
        if len(wanted) < 8 or not fingerprint.startswith(wanted):
            raise Broken(f"the log's fingerprint {fingerprint} is not the one seen, {seen}")
    return fingerprint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "logs", nargs="+", metavar="LOG",
        help="a poll's log, as /polls/<slug>/audit.json serves it; a quiz's questions' logs "
        "together also give its leaderboard",
    )  # fmt: skip
    parser.add_argument("--receipt", action="append", default=[], help="a receipt to look for")
    parser.add_argument("--fingerprint", help="the one the room saw (its short form will do)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    if args.fingerprint and len(args.logs) > 1:
        parser.error("--fingerprint goes with one log")
    try:
        logs = [log_read(path) for path in args.logs]
    except (OSError, ValueError) as error:
        print(f"verify: cannot read a log: {error}", file=sys.stderr)
        return 2
    receipts = []
    for typed in args.receipt:
        receipt = receipt_read(typed)
        if receipt is None:
            print(f"verify: {typed!r} is not a receipt (eight letters and digits)", file=sys.stderr)
            return 2
        receipts.append(receipt)
    outcomes = []
    for path, log in zip(args.logs, logs, strict=True):
        try:
            fingerprint = log_checked(log, args.fingerprint)
        except Broken as error:
            where = f"{path}: " if len(logs) > 1 else ""
            print(json.dumps({"ok": False, "error": f"{where}{error}"}) if args.json
                  else f"FAILED: {where}{error}")  # fmt: skip
            return 1
        outcomes.append({"fingerprint": fingerprint, "tally": tally(log)})
    found: dict[str, Any] = {receipt: None for receipt in receipts}
    for log in logs:
        for receipt, entry in receipts_found(log, receipts).items():
            if entry is not None:
                found[receipt] = entry | {"poll": log["header"]["poll"]}
    missing = [receipt for receipt, entry in found.items() if entry is None]
    board = leaderboard(logs) if len(logs) > 1 else None
    if args.json:
        outcome: dict[str, Any] = {"ok": not missing, "receipts": found}
        outcome |= outcomes[0] if len(logs) == 1 else {"logs": outcomes}
        if board is not None:
            outcome["leaderboard"] = board
        print(json.dumps(outcome, ensure_ascii=False))
        return 1 if missing else 0
    for log, checked in zip(logs, outcomes, strict=True):
        _print_tally(log, checked)
    if board is not None:
        print("Leaderboard (points per player, by pseudonym):")
        for player, points in board.items():
            print(f"  {player}: {points}")
    for receipt, entry in found.items():
        if entry is None:
            print(f"{receipt}: NOT IN THE LOG")
        else:
            state = (
                "erased by its voter"
                if entry["erased"]
                else "counted"
                if entry["counts"]
                else "replaced by a later cast"
            )
            print(f"{receipt}: {entry['poll']}, entry {entry['n']}, {entry['choices']}, {state}")
    return 1 if missing else 0


def _print_tally(log: dict[str, Any], checked: dict[str, Any]) -> None:
    header, counted = log["header"], checked["tally"]
    print(f"{header['question']} ({header['kind']}, round {header['round']})")
    print(f"The chain holds: {len(log['entries'])} casts, fingerprint {checked['fingerprint']}")
    print(f"Voters counted: {counted['voters']}")
    labels = {option["slug"]: option["label"] for option in header["options"]}
    for slug, votes in counted.get("options", {}).items():
        print(f"  {labels[slug]}: {votes}")
    if "average" in counted:
        print(f"  average: {counted['average']}")
    for term, voters in list(counted.get("terms", {}).items())[:50]:
        print(f"  {term}: {voters}")


if __name__ == "__main__":
    sys.exit(main())
