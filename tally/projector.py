"""The projector and the presenter's remote: a poll's results as the room and the
presenter see them, with the controls they post, the join address and its QR code,
an open poll's moderation (on the remote), and the results as CSV.

The projector is public: the whole room reads it, so it shows what the audience may
see, and no more. The presenter's own view of the counts is the remote, on their phone.
Both are staff only (`polls.change_poll`), as the controls and the CSV are; the QR code
is anyone's.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from polls.kinds import kind_of
from polls.models import PROJECTOR_ROWS, Poll
from polls.presenter import csv_response, presents_poll, public_url
from polls.selectors import option_pictures
from polls.services import CONTROL_ACTIONS, control_record, poll_control
from tally.exports import results_rows
from tally.moderation import (
    MODERATION_ACTIONS,
    QUESTION_ACTIONS,
    answers_moderate,
    questions_moderate,
)
from tally.selectors import (
    average_at,
    moderation_queue,
    questions_queue,
    results_for,
    results_hidden,
)
from voting_site.numbers import whole_number
from voting_site.responses import plain_text, see_other

# The projector's keyboard shortcuts, one per control; and, held, the key that shows the
# presenter the counts while the room may not see them.
SHORTCUTS = {"open": "o", "close": "c", "reveal": "r", "hide": "h", "reset": "n"}
PEEK_KEY = "p"


def join_url(request: HttpRequest, poll: Poll) -> str:
    """The poll's absolute join URL."""
    return public_url(request, reverse("polls:join-code", kwargs={"code": poll.code}))


def code_shown(code: str) -> str:
    """The code as people read it off a screen: two groups of three."""
    return f"{code[:3]} {code[3:]}"


@require_GET
def qr_code(request: HttpRequest, slug: str) -> HttpResponse:
    """An SVG QR code of the poll's join URL: no fixed size, so it is crisp at any."""
    poll = get_object_or_404(Poll, slug=slug)
    return qr_svg(join_url(request, poll))


def qr_svg(url: str) -> HttpResponse:
    """An SVG QR code of a join URL: no fixed size, so it is crisp at any."""
    svg = io.BytesIO()
    segno.make(url, error="m").save(
        svg, kind="svg", border=2, omitsize=True, xmldecl=False, title=_("QR code to join")
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=300"
    return response


@require_POST
@presents_poll
def control(request: HttpRequest, slug: str) -> HttpResponse:
    """Open, close, reveal, hide or reset; then 303 back to the page the button was on."""
    poll = get_object_or_404(Poll, slug=slug)
    action = request.POST.get("action", "")
    if action not in CONTROL_ACTIONS:
        message = _("Unknown action %(action)r: use one of %(actions)s.")
        return plain_text(
            message % {"action": action, "actions": ", ".join(CONTROL_ACTIONS)} + "\n", status=400
        )
    poll_control(poll=poll, action=action)
    control_record(by=request.user, thing=poll, action=action)
    back = request.POST.get("next") or request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("tally:present", kwargs={"slug": poll.slug})
    return see_other(back)


@require_GET
@presents_poll
def present(request: HttpRequest, slug: str) -> HttpResponse:
    """The projector view: the question, the join code and QR, the results as the audience
    may see them, and the controls (shown while the mouse moves or a control has focus).

    While the results are hidden from voters, no count is on the page: the room sees
    the question and how many have voted. The counts come over the presenter's socket
    and show only while the presenter holds the peek key.
    """
    poll = get_object_or_404(Poll, slug=slug)
    return render(request, "polls/present.html", projector_context(request, poll))


def projector_context(request: HttpRequest, poll: Poll) -> dict[str, Any]:
    """What the projector shows of a poll (an event's projector shows its question so)."""
    url = join_url(request, poll)
    address, _slash, _path = url.partition("://")[2].partition("/")
    results = results_for(poll=poll)
    public = poll.results_visible(has_voted=False)
    shown = results if public else {**results_hidden(results), "voters": results["voters"]}
    options = len(results["options"])
    return {
        "poll": poll,
        "results": shown,
        "average_at": average_at(poll, shown),
        "voters_see_results": public,
        "two_columns": not kind_of(poll.kind).scaled and options > PROJECTOR_ROWS,
        # --rows sizes the bars (no smaller than for 12 options); --half lays out two columns.
        "rows": min(PROJECTOR_ROWS, options if options <= PROJECTOR_ROWS else -(-options // 2)),
        "half": -(-options // 2),
        "join_url": url,
        # Shown without the scheme, and broken (if at all) before the path.
        "join_address": address,
        "join_path": url[url.index(address) + len(address) :],
        "code": code_shown(poll.code),
        "controls": _controls(poll),
        "shortcuts": _shortcuts(),
        "option_pictures": option_pictures(poll),
    }


@require_GET
@presents_poll
def remote(request: HttpRequest, slug: str) -> HttpResponse:
    """The presenter's remote, for their phone: the counts always (the room sees them only
    once shown), the poll's state and the controls."""
    poll = get_object_or_404(Poll, slug=slug)
    return render(request, "polls/remote.html", remote_context(poll))


def remote_context(poll: Poll) -> dict[str, Any]:
    """What the remote shows of a poll: its counts, its state, its controls and, for open
    answers, the moderation queue."""
    results = results_for(poll=poll)
    return {
        "poll": poll,
        "queue": _queue(poll),
        "back": reverse("tally:remote", kwargs={"slug": poll.slug}),  # after a moderation
        "results": results,
        "average_at": average_at(poll, results),
        "voters_see_results": poll.results_visible(has_voted=False),
        "code": code_shown(poll.code),
        "controls": _controls(poll),
        "option_pictures": option_pictures(poll),
    }


@require_GET
@presents_poll
def moderation(request: HttpRequest, slug: str) -> HttpResponse:
    """The remote's moderation queue alone: the remote's script reloads it every few seconds
    (`back`: the remote it is part of, the poll's or the event's)."""
    poll = get_object_or_404(Poll, slug=slug)
    context = {"poll": poll, "queue": _queue(poll), "back": _back(request.GET, poll)}
    return render(request, "tally/_moderation.html", context)


def _back(data: Any, poll: Poll) -> str:
    """The remote a moderation came from (`back` or `next`: a path of this site's polls or
    events), else the poll's own remote."""
    wanted = data.get("next") or data.get("back") or ""
    if wanted.startswith(("/polls/", "/events/")) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts=None
    ):
        return wanted
    return reverse("tally:remote", kwargs={"slug": poll.slug})


def _queue(poll: Poll) -> dict[str, Any] | None:
    """What the remote's moderation lists: an open poll's answers, a Q&A's questions."""
    kind = kind_of(poll.kind)
    if kind.takes_questions:
        return questions_queue(poll)
    return moderation_queue(poll) if kind.takes_text else None


@require_POST
@presents_poll
def moderate(request: HttpRequest, slug: str) -> HttpResponse:
    """Show (approve) or hide one of the poll's answers (`answer`); or show, hide, pin,
    unpin, mark being answered or answered one of its questions (`question`); then 303
    back to the remote it came from (`next`: the poll's, or the event's)."""
    poll = get_object_or_404(Poll, slug=slug)
    action = request.POST.get("action", "")
    answer, question = request.POST.get("answer", ""), request.POST.get("question", "")
    answer_id, question_id = whole_number(answer), whole_number(question)
    if answer_id is not None and action in MODERATION_ACTIONS:
        answers = dict(poll.answers.filter(pk=answer_id).values_list("pk", "text"))
        answers_moderate(answer_ids=list(answers), action=action)
        for text in answers.values():
            control_record(by=request.user, thing=poll, action=f"answer-{action}", detail=text)
    elif question_id is not None and action in QUESTION_ACTIONS:
        questions = dict(poll.questions.filter(pk=question_id).values_list("pk", "text"))
        questions_moderate(question_ids=list(questions), action=action)
        for text in questions.values():
            control_record(by=request.user, thing=poll, action=f"question-{action}", detail=text)
    else:
        message = _("Send an answer's or a question's number and an action, one of %(actions)s.")
        actions = dict.fromkeys([*MODERATION_ACTIONS, *QUESTION_ACTIONS])
        return plain_text(message % {"actions": ", ".join(actions)} + "\n", status=400)
    return see_other(_back(request.POST, poll) + "#moderation")


def _shortcuts() -> list[dict[str, str]]:
    """The projector's keys beyond the controls' own."""
    return [
        {"key": PEEK_KEY, "label": _("hold to see the counts while they are hidden")},
        {"key": "?", "label": _("show or hide these keys")},
    ]


def _controls(poll: Poll) -> list[dict[str, str]]:
    """The poll's buttons: none for a kind that takes no votes (a slide)."""
    if not kind_of(poll.kind).takes_votes:
        return []
    labels = {
        "open": _("Open voting"),
        "close": _("Close voting"),
        "reveal": _("Show results"),
        "hide": _("Hide results"),
        "reset": _("New round"),
    }
    return [{"action": a, "label": labels[a], "key": SHORTCUTS[a]} for a in CONTROL_ACTIONS]


@require_GET
@presents_poll
def results_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Each round's results, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return csv_response(results_rows(poll), filename=f"{poll.slug}-results.csv")
