"""An event's pages: the audience's one page for the whole event, the presenter's
projector, remote and controls, and the report after the session.

The audience page holds every question's form (each the poll's own, posting to the
poll's URL and coming back here); a move shows another, live over the event's
socket, with no request of the page's own: ten thousand phones must not stampede.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from events.exports import event_entries_rows, event_results_rows
from events.models import Event
from events.selectors import event_state
from events.services import MOVES, EventError, event_move
from polls import voters
from polls.exports import csv_stream
from polls.models import Poll
from polls.presenter import code_shown, public_url, qr_svg
from polls.selectors import ballot_for
from polls.views import new_voter_refused, vote_context
from tally.charts import chart
from tally.projector import projector_context, remote_context
from tally.selectors import average_at, results_for, results_seen_by
from voting_site.middleware import staff_only
from voting_site.responses import plain_text, see_other


def _moves() -> list[tuple[str, str, str]]:
    """The presenter's moves, their buttons' words, and the key each shows (→ and ← are
    what presentation clickers send, as Page Down and Page Up; a digit goes to a question)."""
    return [
        ("previous", _("Back"), "←"),
        ("next", _("Next"), "→"),
        ("lobby", _("Lobby"), "L"),
        ("end", _("End"), ""),
    ]


@require_GET
async def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The audience's page: the lobby, the question the presenter shows (each voter's
    own, in a survey), or the end; the voter's votes and the results they may see."""
    event = await Event.objects.filter(slug=slug).afirst()
    if event is None:
        raise Http404(_("There is no event by that name."))
    token = voters.voter_token(request)
    if token is None and (refused := await new_voter_refused(request)):
        return refused
    voter = voters.voter_key(token) if token else None
    polls = await sync_to_async(event.polls)()
    state = event_state(event, polls)
    survey = event.pace == Event.Pace.AUDIENCE
    shown = _survey_position(request, len(polls)) if survey else state["position"]
    questions = []
    for number, poll in enumerate(polls, start=1):
        if survey and shown is not None and number != shown:
            continue  # a survey's page is one question at a time, then all of them at its end
        questions.append(await _question(request, event, poll, number, voter, survey, len(polls)))
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
        "polls": polls,
        "questions": [] if finals else questions,
        "finals": finals,
        "code": code_shown(event.code),
    }
    response = render(request, "events/event_detail.html", context)
    voters.remember_voter(response, token=token or voters.new_voter_token(), request=request)
    return response


def _survey_position(request: HttpRequest, count: int) -> int | None:
    """The question a survey's voter is on (`?q=`, from 1); None once past the last."""
    asked = request.GET.get("q", "1")
    if asked == "done":
        return None
    number = int(asked) if asked.isdigit() else 1
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
    }


@require_GET
def qr_code(request: HttpRequest, slug: str) -> HttpResponse:
    """An SVG QR code of the event's join URL."""
    event = get_object_or_404(Event, slug=slug)
    return qr_svg(public_url(request, reverse("polls:join-code", kwargs={"code": event.code})))


@require_POST
@staff_only
def control(request: HttpRequest, slug: str) -> HttpResponse:
    """next, previous, goto (with `position`), lobby or end; then 303 back."""
    event = get_object_or_404(Event, slug=slug)
    action = request.POST.get("action", "")
    position = request.POST.get("position", "")
    if action not in MOVES:
        message = _("Unknown move %(action)r: use one of %(moves)s.")
        return plain_text(
            message % {"action": action, "moves": ", ".join(MOVES)} + "\n", status=400
        )
    try:
        event_move(
            event=event, action=action, position=int(position) if position.isdigit() else None
        )
    except EventError as error:
        return plain_text(f"{error}\n", status=400)
    back = request.POST.get("next", "")
    if not back.startswith(f"/events/{event.slug}/"):
        back = reverse("events:present", kwargs={"slug": event.slug})
    return see_other(back)


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
        "moves": _moves(),
    }


@require_GET
@staff_only
def present(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's projector: the lobby or the end with the code and QR large, or the
    question shown as its poll's projector shows it, the event's code in a corner. It
    reloads itself when the presenter moves (one page, not ten thousand)."""
    event = get_object_or_404(Event, slug=slug)
    polls = event.polls()
    context = _event_context(request, event, polls)
    state = context["event_state"]
    if state["poll"] is not None:
        poll = polls[state["position"] - 1]
        context |= projector_context(request, poll)
        return render(request, "polls/present.html", context)
    return render(request, "events/present.html", context)


@require_GET
@staff_only
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
@staff_only
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """After the session: every question's final results, as charts drawn on the server
    (SVG: no JavaScript, and printable to PDF from the browser)."""
    event = get_object_or_404(Event, slug=slug)
    questions = [
        {"number": n, "poll": poll, "chart": chart(results_for(poll=poll))}
        for n, poll in enumerate(event.polls(), start=1)
    ]
    return render(request, "events/report.html", {"event": event, "questions": questions})


@require_GET
@staff_only
def results_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every question's results, per round, as CSV."""
    event = get_object_or_404(Event, slug=slug)
    return _csv(event_results_rows(event), f"{event.slug}-results.csv")


@require_GET
@staff_only
def entries_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every open answer and Q&A question of the event's questions, as CSV."""
    event = get_object_or_404(Event, slug=slug)
    return _csv(event_entries_rows(event), f"{event.slug}-entries.csv")


def _csv(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
