"""Who takes part in an event (Event.participation): a browser, as in any poll
(anonymous); a person who types their name on joining (named, through
events/services.py's player_join); or a person signed in through the institution's
identity provider (signed in, here).

A signed-in participant's voter key is made from their account, not their browser:
their cookie carries a token derived from the account under the site's secret, so
every device they sign in from votes as one participant, with one row in the
gradebook and one quiz score. The vote path needs nothing new: it reads the cookie as
it always does, and the vote script takes the event's votes from its participants
alone (polls/stream.py's players key).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import aget_user
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from events.models import PARTICIPANT_NAME_MAX_LENGTH, Event, Player
from events.services import player_playing
from polls.voters import voter_key

_PARTICIPANT_SALT = "events.participant-token"


def participant_token(user_pk: int) -> str:
    """The voter token of a signed-in person: the same on every device, and no one's but
    theirs without the site's secret key."""
    return salted_hmac(_PARTICIPANT_SALT, str(user_pk), algorithm="sha256").hexdigest()


def participant_voter(user_pk: int) -> str:
    """The voter key a signed-in person votes as, whichever device (votes hold it)."""
    return voter_key(participant_token(user_pk))


async def signed_in_user(request: HttpRequest) -> Any:
    """The account signed in on this browser, or None. The event's page reads the
    session itself: sessions run on the admin's pages only (AdminOnlyMiddleware), not on
    every audience request."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user = await aget_user(request)
    return user if user.is_authenticated else None


def display_name(user: Any) -> str:
    """What the gradebook and leaderboard call a signed-in person: the name the provider
    gave, else their address."""
    name = f"{user.first_name} {user.last_name}".strip() or user.email or user.username
    return str(name)[:PARTICIPANT_NAME_MAX_LENGTH]


def participant_signed_in(*, event: Event, user: Any) -> Player:
    """The signed-in person's participant in the event: joined on their first visit,
    their name and address as the provider gives them now (written only when they
    change: a quiz's phones load the page on every question). One taken off by the
    presenter stays off."""
    voter = participant_voter(user.pk)
    now = {"user_id": user.pk, "email": user.email, "nickname": display_name(user)}
    player = Player.objects.filter(event=event, voter=voter).first()
    if player is None:
        try:
            with transaction.atomic():
                # The look of an account's name is the account: two people may share a name.
                player = Player.objects.create(
                    event=event, voter=voter, nickname_key=f"@{user.pk}", **now
                )
        except IntegrityError:  # their other device joined them meanwhile
            player = Player.objects.get(event=event, voter=voter)
    elif any(getattr(player, field) != value for field, value in now.items()):
        for field, value in now.items():
            setattr(player, field, value)
        player.save(update_fields=list(now))
    if not player.removed:
        player_playing(event_id=event.pk, voter=voter)
    return player
