"""What an accepted vote leaves in Redis, defined once for the web and the worker.

- The vote stream: one entry per accepted cast (`entry_fields` writes one, `Cast.parse`
  reads it back). The worker drains it (tally/ingest.py).
- The choices hash of a poll's round: each voter's latest choices, so the vote page can
  show them before the worker has counted them.
- The ingest flag: set by the vote that queues an ingest job.
- The voters from each network address, in a poll that caps them.

The order of casts is the order of their entries, whose IDs Redis gives: never a web
process's clock, which may differ between replicas. `cast_at` is kept for display.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

logger = logging.getLogger(__name__)

# The Redis stream every accepted vote is appended to; the worker drains it.
VOTE_STREAM = "votes"
# Set by the vote that queues an ingest job, cleared by the job as it starts:
# one job waiting is enough, however many votes arrive meanwhile. Its expiry
# heals a job that was never queued; the periodic job is the safety net.
INGEST_FLAG = "ingest:queued"
INGEST_FLAG_TTL = 10
INGEST_JOB = "tally.jobs.ingest_votes"
# Voters' latest choices per poll, so the vote page can show one before the
# worker has counted it. Refreshed by every vote; PostgreSQL has them after.
CHOICES_TTL = 7 * 24 * 60 * 60


def choices_key(poll_id: int, round: int) -> str:
    return f"poll:{poll_id}:{round}:choices"


# The voters of a poll's round from one network address, kept for a poll that caps them
# (Poll.voters_per_address); as long-lived as the choices.
def address_voters_key(poll_id: int, round: int, address: str) -> str:
    return f"poll:{poll_id}:{round}:address:{address}"


# A cast's choices as a stream entry and the choices hash carry them: option
# ids, comma-separated, in order (the order matters for a ranking).
def choices_encode(option_ids: Sequence[int]) -> str:
    return ",".join(str(option_id) for option_id in option_ids)


def choices_decode(text: str) -> tuple[int, ...]:
    return tuple(map(int, text.split(",")))


def entry_fields(
    *, poll_id: int, round: int, choices: Sequence[int], voter: str, cast_at: datetime
) -> dict[str, str]:
    """A stream entry's fields."""
    return {
        "poll": str(poll_id),
        "round": str(round),
        "choices": choices_encode(choices),
        "voter": voter,
        "cast_at": cast_at.isoformat(),
    }


_CHOICES = re.compile(rb"[0-9]{1,18}(?:,[0-9]{1,18})*")
_MAX_ID = 2**63 - 1
_MAX_ROUND = 2**31 - 1
_MAX_VOTER = 64


class Cast(NamedTuple):
    """One stream entry, its fields as the ingest statement takes them.

    `choices` and `cast_at` stay as queued (text): PostgreSQL reads them, and the
    drain, which parses every entry, does no more than check them.
    """

    entry_id: str  # Redis's "<milliseconds>-<sequence>": the order of casts
    poll_id: int
    round: int
    choices: str  # choices_encode's
    voter: str
    cast_at: str  # ISO 8601

    @classmethod
    def parse(cls, entry_id: str, fields: dict[bytes, bytes]) -> Cast | None:
        """The entry's cast; None, and a log line, for an entry no web process wrote."""
        try:
            # Entries queued before question kinds carried one option, before rounds, round 1.
            choices = fields.get(b"choices") or fields[b"option"]
            cast = cls(
                entry_id,
                int(fields[b"poll"]),
                int(fields.get(b"round", 1)),
                choices.decode(),
                fields[b"voter"].decode(),
                fields[b"cast_at"].decode(),
            )
            datetime.fromisoformat(cast.cast_at)
            if (
                _CHOICES.fullmatch(choices)
                and 0 < cast.poll_id <= _MAX_ID
                and 0 < cast.round <= _MAX_ROUND
                and 0 < len(cast.voter) <= _MAX_VOTER
            ):
                return cast
        except (KeyError, ValueError):
            pass
        logger.error("dropping malformed vote entry %s: %r", entry_id, fields)
        return None
