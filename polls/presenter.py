"""The presenter's exports that need no counts: the votes and the invite codes (CSV, and
slips to print); and the absolute address phones reach (`public_url`). The projector,
the remote, their controls and the QR code are tally's (tally/projector.py).

Staff only (`polls.change_poll`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from polls.exports import csv_stream, invites_rows, votes_rows
from polls.models import Poll, invite_code_shown
from voting_site.middleware import staff_only


def poll_named(slug: str) -> Poll | None:
    return Poll.objects.filter(slug=slug).first()


# A view of the presenters of one poll: its owner, its hosts, superusers (polls/rules.py).
presents_poll = staff_only(poll_named, "polls.present_poll")


def public_url(request: HttpRequest, path: str) -> str:
    """An absolute URL for phones: on VOTING_PUBLIC_URL when set (the address they can
    reach), else on the address the request came to."""
    if settings.VOTING_PUBLIC_URL:
        return settings.VOTING_PUBLIC_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@require_GET
@presents_poll
def votes_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every counted vote, without voter keys, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return csv_response(votes_rows(poll), filename=f"{poll.slug}-votes.csv")


@require_GET
@presents_poll
def invites_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The poll's invite codes, used and unused, as CSV."""
    poll = get_object_or_404(Poll, slug=slug)
    return csv_response(invites_rows(poll), filename=f"{poll.slug}-invites.csv")


@require_GET
@presents_poll
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
