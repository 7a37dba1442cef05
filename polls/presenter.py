"""The presenter's tools that need no counts: the controls, the join address and its QR
code, the votes and the invite codes (CSV, and slips to print). The projector and the
remote, which show results, are tally's (tally/projector.py).

All but the QR code are staff only (`polls.change_poll`).
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

from polls.exports import csv_stream, invites_rows, votes_rows
from polls.models import Poll, invite_code_shown
from polls.services import CONTROL_ACTIONS, poll_control
from voting_site.middleware import staff_only
from voting_site.responses import plain_text, see_other


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
        back = reverse("tally:present", kwargs={"slug": poll.slug})
    return see_other(back)


@require_GET
@staff_only
def votes_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every counted vote, without voter keys, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return csv_response(votes_rows(poll), filename=f"{poll.slug}-votes.csv")


@require_GET
@staff_only
def invites_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The poll's invite codes, used and unused, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return csv_response(invites_rows(poll), filename=f"{poll.slug}-invites.csv")


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


def csv_response(rows: Iterator[list[Any]], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
