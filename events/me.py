"""A participant's own page, `/events/<slug>/me/`, in an event whose participants are
named or signed in: what the event keeps about them, its download as JSON, and, where
the owner allows, its erasure (events/erasure.py)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.erasure import erasure_start, participant_data
from events.jobs import erasure_queue
from events.models import Event, Player
from events.participants import participant_voter
from events.retention import retention_days_of
from polls import voters
from voting_site.middleware import with_user
from voting_site.responses import see_other


def _voter(request: HttpRequest, event: Event) -> str | None:
    """Who asks: a signed-in person's participant key, else the browser's."""
    if event.participation == Event.Participation.SIGNED_IN and request.user.is_authenticated:
        return participant_voter(request.user.pk)
    token = voters.voter_token(request)
    return voters.voter_key(token) if token else None


def _participant(request: HttpRequest, slug: str) -> tuple[Event, str | None, Player | None]:
    event = get_object_or_404(Event, slug=slug)
    if not event.identifies:
        raise Http404  # an anonymous event keeps no one's name
    voter = _voter(request, event)
    player = Player.objects.filter(event=event, voter=voter).first() if voter else None
    return event, voter, player


@require_GET
@never_cache
@with_user
def my_data(request: HttpRequest, slug: str) -> HttpResponse:
    event, _voter_key, player = _participant(request, slug)
    context = _context(event, player) | {"erased": request.GET.get("erased") == "1"}
    return render(request, "events/me.html", context)


def _context(event: Event, player: Player | None) -> dict[str, Any]:
    return {
        "event": event,
        "player": player,
        "data": participant_data(event, player) if player else None,
        "days": retention_days_of(event),
    }


@require_GET
@never_cache
@with_user
def my_data_json(request: HttpRequest, slug: str) -> JsonResponse:
    event, _voter_key, player = _participant(request, slug)
    if player is None:
        raise Http404
    response = JsonResponse(participant_data(event, player), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-me.json"'
    return response


@require_POST
@with_user
def my_data_erase(request: HttpRequest, slug: str) -> HttpResponse:
    event, voter, player = _participant(request, slug)
    if not event.participants_may_erase:
        context = _context(event, player) | {"refused": True}
        return render(request, "events/me.html", context, status=403)
    if request.POST.get("confirm") != "on":  # the box the page asks to tick
        context = _context(event, player) | {"unconfirmed": True}
        return render(request, "events/me.html", context, status=400)
    if voter is not None and (since_ms := erasure_start(event=event, voter=voter)) is not None:
        erasure_queue(event.pk, voter, since_ms)
    return see_other(request.path.removesuffix("erase/") + "?erased=1")
