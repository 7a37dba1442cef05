"""Who a voter is: the voter cookie (a random token, signed) or, in an invitation-only
poll, the invite code the browser entered (its own signed cookie); storage keeps
only a keyed hash of either."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

VOTER_COOKIE = "voter_id"
VOTER_COOKIE_AGE = 365 * 24 * 60 * 60
_SIGNING_SALT = "polls.voter-cookie"
_KEY_SALT = "polls.voter-key"


def voter_token(request: HttpRequest) -> str | None:
    """The token of a validly signed cookie; None when it is missing, forged or tampered with."""
    return request.get_signed_cookie(VOTER_COOKIE, default=None, salt=_SIGNING_SALT)


def voter_token_from_cookies(cookies: dict[str, str]) -> str | None:
    """The same, from parsed cookies (a WebSocket's handshake has no HttpRequest)."""
    return _signed(cookies, VOTER_COOKIE, salt=_SIGNING_SALT)


def _signed(cookies: dict[str, str], name: str, *, salt: str) -> str | None:
    """A validly signed cookie's value, from parsed cookies."""
    request = HttpRequest()
    request.COOKIES = cookies
    return request.get_signed_cookie(name, default=None, salt=salt)


def new_voter_token() -> str:
    return secrets.token_urlsafe(32)


def remember_voter(response: HttpResponse, *, token: str, request: HttpRequest) -> None:
    """(Re)set the cookie, so it lasts a year from the voter's last visit."""
    _remember(response, VOTER_COOKIE, token, salt=_SIGNING_SALT, request=request)


def _remember(
    response: HttpResponse, name: str, value: str, *, salt: str, request: HttpRequest
) -> None:
    response.set_signed_cookie(
        name,
        value,
        salt=salt,
        max_age=VOTER_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def voter_key(token: str) -> str:
    """What storage keeps for a voter: an HMAC of the token under the secret key."""
    return salted_hmac(_KEY_SALT, token, algorithm="sha256").hexdigest()


_INVITE_SALT = "polls.invite-cookie"


def invite_cookie(poll_id: int) -> str:
    return f"invite_{poll_id}"


def invite_code(cookies: dict[str, str], poll_id: int) -> str | None:
    """The invite code this browser entered for the poll, from its validly signed cookie."""
    return _signed(cookies, invite_cookie(poll_id), salt=_INVITE_SALT)


def remember_invite(
    response: HttpResponse, *, poll_id: int, code: str, request: HttpRequest
) -> None:
    """Keep the invite code this browser entered: from now on it votes as the code."""
    _remember(response, invite_cookie(poll_id), code, salt=_INVITE_SALT, request=request)


def invite_voter(code: str) -> str:
    """The voter an invite code stands for, whichever browser entered it."""
    return voter_key(f"invite:{code}")


def voter_in(cookies: dict[str, str], *, poll_id: int, requires_invite: bool) -> str | None:
    """The voter these cookies stand for in a poll: its invite's, in an invitation-only
    poll, else the voter cookie's; None when the browser has none."""
    if requires_invite:
        code = invite_code(cookies, poll_id)
        return invite_voter(code) if code else None
    token = voter_token_from_cookies(cookies)
    return voter_key(token) if token else None
