"""The voter cookie: a random token, signed, and the keyed hash that stands for it in storage."""

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
    request = HttpRequest()
    request.COOKIES = cookies
    return voter_token(request)


def new_voter_token() -> str:
    return secrets.token_urlsafe(32)


def remember_voter(response: HttpResponse, *, token: str, request: HttpRequest) -> None:
    """(Re)set the cookie, so it lasts a year from the voter's last visit."""
    response.set_signed_cookie(
        VOTER_COOKIE,
        token,
        salt=_SIGNING_SALT,
        max_age=VOTER_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def voter_key(token: str) -> str:
    """What storage keeps for a voter: an HMAC of the token under the secret key."""
    return salted_hmac(_KEY_SALT, token, algorithm="sha256").hexdigest()
