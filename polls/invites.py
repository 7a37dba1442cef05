"""Invite codes: made by staff, entered once by a voter, then standing for that voter."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from polls.models import Invite, Poll, invite_code_new, join_code_clean

MAX_INVITES_AT_ONCE = 10_000


def invites_make(*, poll: Poll, count: int) -> list[Invite]:
    """`count` new, unused codes for the poll (1 to MAX_INVITES_AT_ONCE)."""
    if not 1 <= count <= MAX_INVITES_AT_ONCE:
        raise ValueError(f"make 1 to {MAX_INVITES_AT_ONCE:,} invite codes at once, not {count}")
    codes: set[str] = set()
    with transaction.atomic():
        while len(codes) < count:
            wanted = {invite_code_new() for _ in range(count - len(codes))}
            taken = set(Invite.objects.filter(code__in=wanted).values_list("code", flat=True))
            codes |= wanted - taken
        return Invite.objects.bulk_create(Invite(poll=poll, code=code) for code in sorted(codes))


class InviteRefused(Exception):
    """A code that lets nobody in: unknown to the poll, or used already. Which of the two
    is not said: it would tell someone guessing codes that they found one."""


def invite_redeem(*, poll_id: int, code: str) -> str:
    """Use the code (typed in any case, with spaces or dashes) for the poll; returns the
    code as stored. Each code is used once: of two browsers racing, one wins."""
    code = join_code_clean(code)
    used = Invite.objects.filter(poll_id=poll_id, code=code, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not used:
        raise InviteRefused
    return code
