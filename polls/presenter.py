"""The presenter's views: the projector view, the remote, the controls, the QR code, the
CSV exports and the invite codes.

All but the QR code are staff only (`polls.change_poll`). The projector is public: the
whole room reads it, so it shows what the audience may see, and no more. The
presenter's own view of the counts is the remote, on their phone.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from polls.exports import csv_stream, invites_rows, results_rows, votes_rows
from polls.kinds import kind_of
from polls.models import Poll, invite_code_shown
from polls.services import CONTROL_ACTIONS, poll_control
from tally.selectors import average_at, results_for, results_hidden
from voting_site.middleware import staff_only
from voting_site.responses import plain_text, see_other

# The projector's keyboard shortcuts, one per control; and, held, the key that shows the
# presenter the counts while the room may not see them.
SHORTCUTS = {"open": "o", "close": "c", "reveal": "r", "hide": "h", "reset": "n"}
PEEK_KEY = "p"


def public_url(request: HttpRequest, path: str) -> str:
    """An absolute URL for phones: on VOTING_PUBLIC_URL when set (the address they can
    reach), else on the address the request came to."""
    if settings.VOTING_PUBLIC_URL:
        return settings.VOTING_PUBLIC_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


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


# The projector fits this many options on one screen, in two columns past half of them;
# a poll with more scrolls its list (the admin says so).
PROJECTOR_ROWS = 6
PROJECTOR_OPTIONS = 2 * PROJECTOR_ROWS


@require_GET
@staff_only
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
    }


@require_GET
@staff_only
def remote(request: HttpRequest, slug: str) -> HttpResponse:
    """The presenter's remote, for their phone: the counts always (the room sees them only
    once shown), the poll's state and the controls."""
    poll = get_object_or_404(Poll, slug=slug)
    return render(request, "polls/remote.html", remote_context(poll))


def remote_context(poll: Poll) -> dict[str, Any]:
    """What the remote shows of a poll: its counts, its state and its controls."""
    results = results_for(poll=poll)
    return {
        "poll": poll,
        "results": results,
        "average_at": average_at(poll, results),
        "voters_see_results": poll.results_visible(has_voted=False),
        "code": code_shown(poll.code),
        "controls": _controls(poll),
    }


def _shortcuts() -> list[dict[str, str]]:
    """The projector's keys beyond the controls' own."""
    return [
        {"key": PEEK_KEY, "label": _("hold to see the counts while they are hidden")},
        {"key": "?", "label": _("show or hide these keys")},
    ]


def _controls(poll: Poll) -> list[dict[str, str]]:
    labels = {
        "open": _("Open voting"),
        "close": _("Close voting"),
        "reveal": _("Show results"),
        "hide": _("Hide results"),
        "reset": _("New round"),
    }
    return [{"action": a, "label": labels[a], "key": SHORTCUTS[a]} for a in CONTROL_ACTIONS]


@require_POST
@staff_only
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
    back = request.POST.get("next") or request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("polls:present", kwargs={"slug": poll.slug})
    return see_other(back)


@require_GET
@staff_only
def results_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Each round's results, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return _csv_response(results_rows(poll), filename=f"{poll.slug}-results.csv")


@require_GET
@staff_only
def votes_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every counted vote, without voter keys, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return _csv_response(votes_rows(poll), filename=f"{poll.slug}-votes.csv")


@require_GET
@staff_only
def invites_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The poll's invite codes, used and unused, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return _csv_response(invites_rows(poll), filename=f"{poll.slug}-invites.csv")


@require_GET
@staff_only
def invites_print(request: HttpRequest, slug: str) -> HttpResponse:
    """The poll's unused invite codes as slips to print, cut and hand out."""
    poll = get_object_or_404(Poll, slug=slug)
    codes = poll.invites.filter(used_at__isnull=True).values_list("code", flat=True)
    context = {
        "poll": poll,
        "codes": [invite_code_shown(code) for code in codes],
        "vote_url": public_url(request, poll.get_absolute_url()),
    }
    return render(request, "polls/invites_print.html", context)


def _csv_response(rows: Iterator[list[Any]], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
