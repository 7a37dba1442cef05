"""An event's pages: the audience's one page for the whole event, the presenter's
projector, remote and controls, and the report after the session.

The audience page holds every question's form (each the poll's own, posting to the
poll's URL and coming back here); a move shows another, live over the event's
socket, with no request of the page's own: ten thousand phones must not stampede.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from redis import RedisError

from events.exports import (
    event_entries_rows,
    event_results_rows,
    quiz_players_rows,
    quiz_questions_rows,
)
from events.gradebook import gradebook_rows, gradebook_sheets
from events.models import NAME_MAX_LENGTH, NICKNAME_MAX_LENGTH, Event
from events.participants import participant_signed_in, participant_token, signed_in_user
from events.publish import scores_publish
from events.selectors import (
    LEADERBOARD_SIZE,
    PLAYERS_SHOWN,
    event_state,
    last_finished,
    player_of,
    right_answer,
    standings,
)
from events.services import (
    MOVES,
    EventError,
    PlayerError,
    event_clock,
    event_move,
    player_join,
    player_playing,
    player_remove,
    players_remove,
)
from polls import voters
from polls.exports import csv_stream
from polls.models import Poll
from polls.presenter import public_url
from polls.selectors import ballot_for, option_pictures
from polls.services import control_record
from polls.spreadsheets import xlsx_response
from polls.views import asked_now, new_voter_refused, vote_context
from tally.charts import chart
from tally.projector import code_shown, projector_context, qr_svg, remote_context
from tally.selectors import average_at, results_for, results_seen_by
from voting_site.clients import client_network, request_address
from voting_site.limits import retry_after
from voting_site.middleware import staff_only, with_user
from voting_site.numbers import whole_number
from voting_site.responses import plain_text, see_other, too_many

logger = logging.getLogger(__name__)


def event_named(slug: str) -> Event | None:
    return Event.objects.filter(slug=slug).first()


# A view of the presenters of one event: its owner, its hosts, superusers (events/rules.py).
presents_event = staff_only(event_named, "events.present_event")


def _moves(event: Event) -> list[tuple[str, str, str]]:
    """The presenter's moves, their buttons' words, and the key each shows (→ and ← are
    what presentation clickers send, as Page Down and Page Up; a digit goes to a question)."""
    moves = [
        ("previous", _("Back"), "←"),
        ("next", _("Next"), "→"),
        ("lobby", _("Lobby"), "L"),
        ("end", _("End"), ""),
    ]
    if event.is_quiz:
        moves.insert(2, ("leaderboard", _("Leaderboard"), "B"))
    return moves


def _clock_changes() -> list[tuple[str, str]]:
    """The presenter's changes to a quiz question's clock, and their buttons' words."""
    return [
        ("10", _("+10 s")),
        ("30", _("+30 s")),
        ("untimed", _("No time limit")),
        ("end", _("End now")),
    ]


@require_http_methods(["GET", "POST"])
async def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The audience's page: the lobby, the question the presenter shows (each voter's
    own, in a survey), or the end; the voter's votes and the results they may see. In a
    quiz, or an event whose participants are named, first a name (a POST of `nickname`
    here); where they sign in, first the institution's sign-in. Then the player's score."""
    event = await Event.objects.filter(slug=slug).afirst()
    if event is None:
        raise Http404(_("There is no event by that name."))
    token = voters.voter_token(request)
    if token is None and (refused := await new_voter_refused(request)):
        return refused
    if event.participation == Event.Participation.SIGNED_IN:
        user = await signed_in_user(request)
        if user is not None:
            await sync_to_async(participant_signed_in)(event=event, user=user)
            token = participant_token(user.pk)
    voter = voters.voter_key(token) if token else None
    nickname_error = ""
    if request.method == "POST":
        if not (event.is_quiz or event.participation == Event.Participation.NAMED):
            return plain_text(_("This event asks for no name.") + "\n", status=400)
        joined = await _join(request, event, voter)
        if isinstance(joined, HttpResponse):
            return joined
        nickname_error = joined
    polls = await sync_to_async(event.polls)()
    state = await sync_to_async(event_state)(event, polls)
    survey = event.pace == Event.Pace.AUDIENCE
    shown = _survey_position(request, len(polls)) if survey else state["position"]
    # A survey's page is one question at a time, then all of them at its end. A quiz's
    # holds the question asked and no other (a move to the next reloads it): the others'
    # options and right answers stay on the server until they are asked.
    numbers = range(1, len(polls) + 1)
    if (survey and shown is not None) or (event.is_quiz and state["stage"] != Event.Stage.ENDED):
        numbers = range(shown, shown + 1) if shown is not None else range(0)
    questions = [
        await _question(request, event, polls[number - 1], number, voter, survey, len(polls))
        for number in numbers
    ]
    # The end shows every question's results as far as this voter may see them, and no
    # question's form: a move back to one reloads the page.
    ended = shown is None if survey else state["stage"] == Event.Stage.ENDED
    finals = questions if ended else []
    context = {
        "event": event,
        "state": state,
        "survey": survey,
        "shown": shown,
        "count": len(polls),
        "polls": polls if ended or not event.is_quiz else [],  # the end's links
        "questions": [] if finals else questions,
        "finals": finals,
        "code": code_shown(event.code),
    }
    if event.is_quiz or event.identifies:
        context |= await sync_to_async(_player_context)(event, voter)
        named = event.participation == Event.Participation.NAMED
        context |= {
            "nickname_error": nickname_error,
            "nickname_max": NAME_MAX_LENGTH if named else NICKNAME_MAX_LENGTH,
            "named": named,
            "signs_in": event.participation == Event.Participation.SIGNED_IN,
            "institution": settings.VOTING_OIDC_NAME,
        }
        if nickname_error:
            context["typed"] = request.POST.get("nickname", "")[: NAME_MAX_LENGTH * 2]
    status = 400 if nickname_error else 200
    response = render(request, "events/event_detail.html", context, status=status)
    voters.remember_voter(response, token=token or voters.new_voter_token(), request=request)
    return response


async def _join(request: HttpRequest, event: Event, voter: str | None) -> HttpResponse | str:
    """A name posted: 303 back to the page once taken, else the error to show."""
    if voter is None:
        return _("Your browser did not send its voter cookie. Cookies must be enabled "
                 "to take part; please try again.")  # fmt: skip
    if wait := await retry_after("entries", voter, settings.VOTING_RATE_ENTRIES):
        message = _("You have tried too many names just now.")
        return too_many(request, retry_after=wait, message=message)
    if await sync_to_async(player_of)(event, voter) is None:  # a new player, not a new name
        network = client_network(request_address(request))
        if wait := await retry_after("joins", f"{event.pk}:{network}", settings.VOTING_RATE_JOINS):
            message = _("Too many people have joined from your network just now.")
            return too_many(request, retry_after=wait, message=message)
    try:
        await sync_to_async(player_join)(
            event=event, voter=voter, nickname=request.POST.get("nickname", "")[:200]
        )
    except PlayerError as error:
        return str(error)
    return see_other(event.get_absolute_url())


def _player_context(event: Event, voter: str | None) -> dict[str, Any]:
    """The page's participant: their name (None: asked for one) and, in a quiz, standing."""
    player = player_of(event, voter)
    if player is None or player.removed:
        return {
            "quiz": event.is_quiz,
            "player": None,
            "removed": player is not None,
            "joining": True,
        }
    with contextlib.suppress(RedisError):  # should Redis have lost it, a player plays again
        player_playing(event_id=event.pk, voter=player.voter)
    if not event.is_quiz:
        return {"quiz": False, "player": player}
    last = last_finished(event)
    rows = standings(event, last)
    mine = next((row for row in rows if row.voter == voter), None)
    return {
        "quiz": True,
        "player": player,
        "standing": mine,
        "players_count": len(rows),
        "result_shown": last is not None and not last.is_open and not event.ended,
        "right_answer": right_answer(last),
        "ranked": last is not None or event.ended,
        "podium": rows[:3] if event.ended else [],
    }


def _survey_position(request: HttpRequest, count: int) -> int | None:
    """The question a survey's voter is on (`?q=`, from 1); None once past the last."""
    asked = request.GET.get("q", "1")
    if asked == "done":
        return None
    number = whole_number(asked) or 1
    return min(max(number, 1), max(count, 1)) if count else None


async def _question(
    request: HttpRequest,
    event: Event,
    poll: Poll,
    number: int,
    voter: str | None,
    survey: bool,
    count: int,
) -> dict[str, Any]:
    ballot = await ballot_for(slug=poll.slug)
    assert ballot is not None
    results = await sync_to_async(results_seen_by)(cookies=request.COOKIES, poll=poll)
    after = event.get_absolute_url()
    if survey:
        after += f"?q={number + 1}" if number < count else "?q=done"
    return {
        **await vote_context(ballot, voter),
        "number": number,
        "poll": poll,
        "results": results,
        "average_at": average_at(poll, results),
        "action": poll.get_absolute_url(),
        "next": after,
        "asked": asked_now(request),
    }


@require_GET
def qr_code(request: HttpRequest, slug: str) -> HttpResponse:
    """An SVG QR code of the event's join URL."""
    event = get_object_or_404(Event, slug=slug)
    return qr_svg(public_url(request, reverse("polls:join-code", kwargs={"code": event.code})))


@require_POST
@presents_event
def control(request: HttpRequest, slug: str) -> HttpResponse:
    """next, previous, goto (with `position`), lobby or end; then 303 back. Once the event
    has ended, a move opens it again on every phone: it takes `confirm=1`, and without it
    the presenter is asked first (409, with a page that confirms)."""
    event = get_object_or_404(Event, slug=slug)
    action = request.POST.get("action", "")
    position = request.POST.get("position", "")
    if action not in MOVES:
        message = _("Unknown move %(action)r: use one of %(moves)s.")
        return plain_text(
            message % {"action": action, "moves": ", ".join(MOVES)} + "\n", status=400
        )
    if event.ended and action != "end" and request.POST.get("confirm") != "1":
        context = {"event": event, "action": action, "position": position,
                   "back": _back(request, event)}  # fmt: skip
        return render(request, "events/reopen.html", context, status=409)
    try:
        event_move(event=event, action=action, position=whole_number(position))
        control_record(by=request.user, thing=event, action=action, detail=position[:8])
    except EventError as error:
        return plain_text(f"{error}\n", status=400)
    except RedisError as error:  # a quiz's clock is kept in Redis
        return _redis_down(error)
    return see_other(_back(request, event))


@require_POST
@presents_event
def clock(request: HttpRequest, slug: str) -> HttpResponse:
    """The shown quiz question's clock: `change` end, untimed, or a number of seconds to
    add; then 303 back."""
    event = get_object_or_404(Event, slug=slug)
    change = request.POST.get("change", "")
    try:
        seconds = whole_number(change)
        event_clock(event=event, change=change if seconds is None else seconds)
        control_record(by=request.user, thing=event, action="clock", detail=change[:8])
    except EventError as error:
        return plain_text(f"{error}\n", status=400)
    except RedisError as error:
        return _redis_down(error)
    return see_other(_back(request, event))


@require_POST
@presents_event
def player_remove_view(request: HttpRequest, slug: str, player_id: int) -> HttpResponse:
    """Take a player off the leaderboard (their phone asks for a new nickname); 303 back."""
    event = get_object_or_404(Event, slug=slug)
    nickname = event.players.filter(pk=player_id).values_list("nickname", flat=True).first()
    if not player_remove(event=event, player_id=player_id):
        raise Http404(_("There is no such player."))
    control_record(by=request.user, thing=event, action="player-remove", detail=nickname or "")
    scores_publish(event_id=event.pk)
    return see_other(_back(request, event))


# How far back "remove everyone who joined just now" may reach.
RECENT_JOINS_MOST_SECONDS = 3600


@require_POST
@presents_event
def players_remove_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Take many players off at once: `joined_within` (those who joined in the last so many
    seconds), or `without_answers`; then 303 back, the count in the page's note."""
    event = get_object_or_404(Event, slug=slug)
    seconds = whole_number(request.POST.get("joined_within"))
    if seconds is not None and 1 <= seconds <= RECENT_JOINS_MOST_SECONDS:
        removed = players_remove(event=event, joined_within=seconds)
    elif request.POST.get("without_answers") == "1":
        removed = players_remove(event=event, without_answers=True)
    else:
        message = _("Send joined_within, from 1 to %(n)d seconds, or without_answers=1.")
        return plain_text(message % {"n": RECENT_JOINS_MOST_SECONDS} + "\n", status=400)
    logger.info("event %s: %d players removed at once", event.slug, removed)
    control_record(by=request.user, thing=event, action="players-remove", detail=str(removed))
    scores_publish(event_id=event.pk)
    return see_other(_back(request, event))


def _redis_down(error: RedisError) -> HttpResponse:
    logger.warning("an event's move or clock not done: Redis is unreachable: %s", error)
    message = _("Sorry, that was not done: the queue is unreachable. Try again in a moment.")
    return plain_text(message + "\n", status=503)


def _back(request: HttpRequest, event: Event) -> str:
    """Where a presenter's POST leads: the event's page it names (`next`), else the projector."""
    back = request.POST.get("next", "")
    if not back.startswith(f"/events/{event.slug}/"):
        back = reverse("events:present", kwargs={"slug": event.slug})
    return back


# The most rows the leaderboard's API gives at once.
LEADERBOARD_MOST = 1000


@require_GET
@with_user
def leaderboard_json(request: HttpRequest, slug: str) -> JsonResponse:
    """A quiz's best players, `[{"nickname", "points", "place"}]`, best first: the top 10,
    or `?limit=` up to 1,000. Public once the presenter has shown the leaderboard; staff
    may read it at any time."""
    event = get_object_or_404(Event, slug=slug)
    if not event.is_quiz:
        return JsonResponse({"error": _("This event is not a quiz.")}, status=404)
    if not (event.leaderboard_shown or request.user.has_perm("events.present_event", event)):
        message = _("The presenter has not shown the leaderboard yet.")
        return JsonResponse({"error": message}, status=403)
    limit = whole_number(request.GET.get("limit", str(LEADERBOARD_SIZE)))
    if limit is None or not 1 <= limit <= LEADERBOARD_MOST:
        message = _("limit is a number from 1 to %(n)d.") % {"n": LEADERBOARD_MOST}
        return JsonResponse({"error": message}, status=400)
    rows = standings(event)[:limit]
    return JsonResponse([row.public() for row in rows], safe=False)


@require_GET
def me_json(request: HttpRequest, slug: str) -> JsonResponse:
    """This browser's player in a quiz: `{"nickname", "points", "place", "of"}`."""
    event = get_object_or_404(Event, slug=slug)
    token = voters.voter_token(request)
    rows = standings(event) if event.is_quiz and token else []
    voter = voters.voter_key(token) if token else None
    mine = next((row for row in rows if row.voter == voter), None)
    if mine is None:
        return JsonResponse({"error": _("This browser has not joined this quiz.")}, status=404)
    return JsonResponse(mine.public() | {"of": len(rows)})


def _event_context(request: HttpRequest, event: Event, polls: list[Poll]) -> dict[str, Any]:
    """What the projector and the remote show of the event: where it stands, its code, and
    the controls that move it."""
    url = public_url(request, reverse("polls:join-code", kwargs={"code": event.code}))
    address, _slash, _path = url.partition("://")[2].partition("/")
    return {
        "event": event,
        "event_state": event_state(event, polls),
        "event_code": code_shown(event.code),
        "event_join_url": url,
        "event_join_address": address,
        "event_join_path": url[url.index(address) + len(address) :],
        "event_questions": polls,
        "moves": _moves(event),
        "clock_changes": _clock_changes() if event.is_quiz else [],
    }


@require_GET
@presents_event
def present(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's projector: the lobby or the end with the code and QR large, or the
    question shown as its poll's projector shows it, the event's code in a corner. It
    reloads itself when the presenter moves (one page, not ten thousand)."""
    event = get_object_or_404(Event, slug=slug)
    polls = event.polls()
    context = _event_context(request, event, polls)
    state = context["event_state"]
    if event.is_quiz:
        context |= _quiz_projector_context(event, state)
        if state["stage"] == Event.Stage.LEADERBOARD:
            return render(request, "events/leaderboard.html", context)
    if state["poll"] is not None:
        poll = polls[state["position"] - 1]
        context |= projector_context(request, poll) | {"shapes": event.scores(poll)}
        return render(request, "polls/present.html", context)
    return render(request, "events/present.html", context)


def _quiz_projector_context(event: Event, state: dict[str, Any]) -> dict[str, Any]:
    """What a quiz's projector shows besides the question: the players in the lobby, the
    top ten on the leaderboard (with how many places each moved up), the podium."""
    rows = standings(event, last_finished(event))
    board = [{"row": row, "moved": row.place_before - row.place} for row in rows[:LEADERBOARD_SIZE]]
    return {
        "quiz": True,
        # People named or signed in are not shown to the room as they join: only how many.
        "players": rows[:PLAYERS_SHOWN]
        if state["stage"] == Event.Stage.LOBBY and not event.identifies
        else [],
        "players_count": len(rows),
        "board": board,
        "podium": rows[:3] if state["stage"] == Event.Stage.ENDED else [],
    }


@require_GET
@presents_event
def remote(request: HttpRequest, slug: str) -> HttpResponse:
    """The presenter's phone: the moves, and the question shown with its live counts."""
    event = get_object_or_404(Event, slug=slug)
    polls = event.polls()
    context = _event_context(request, event, polls)
    state = context["event_state"]
    if state["poll"] is not None:
        context |= remote_context(polls[state["position"] - 1])
    return render(request, "events/remote.html", context)


@require_GET
@presents_event
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """After the session: every question's final results, as charts drawn on the server
    (SVG: no JavaScript, and printable to PDF from the browser), their right answers
    marked; a quiz's leaderboard first."""
    event = get_object_or_404(Event, slug=slug)
    questions = [
        {"number": n, "poll": poll, "chart": chart(results_for(poll=poll), option_pictures(poll))}
        for n, poll in enumerate(event.polls(), start=1)
    ]
    board = standings(event)[:LEADERBOARD_SIZE] if event.is_quiz else []
    context = {"event": event, "questions": questions, "board": board}
    return render(request, "events/report.html", context)


# An event's exports by name, each as CSV (streamed) or as a spreadsheet (`fmt` xlsx):
# `results`, every question's results, per round; `entries`, every open answer and Q&A
# question; a quiz's `players`, best first, with each question's points, and
# `questions`, how many answered and how many were right.
EXPORTS = {
    "results": event_results_rows,
    "entries": event_entries_rows,
    "players": quiz_players_rows,
    "questions": quiz_questions_rows,
}


@require_GET
@presents_event
def export(request: HttpRequest, slug: str, name: str, fmt: str) -> HttpResponseBase:
    """One of the event's EXPORTS, as CSV or as a spreadsheet."""
    event = get_object_or_404(Event, slug=slug)
    rows = EXPORTS[name](event)
    filename = f"{event.slug}-{name}"
    if fmt == "xlsx":
        return xlsx_response(rows, filename)
    return _csv(rows, f"{filename}.csv")


@require_GET
@presents_event
def gradebook(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """Who answered what (events/gradebook.py), where the participants are named or signed
    in; 404 where they are anonymous."""
    event = get_object_or_404(Event, slug=slug)
    if not event.identifies:
        raise Http404(_("This event's participants are anonymous: it has no gradebook."))
    filename = f"{event.slug}-gradebook"
    if fmt == "xlsx":
        book, *questions = gradebook_sheets(event)
        return xlsx_response(book[1], filename, sheets=questions)
    return _csv(gradebook_rows(event), f"{filename}.csv")


def _csv(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
