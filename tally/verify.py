"""A closed poll's published log (tally/audit.py) as JSON and CSV, and the page where a
voter checks their receipts against it with the browser's own hashing.

The log is public once the poll is closed, its log sealed, and its results visible to
the requester: whoever may see the count may recount it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polls import voters
from polls.kinds import kind_of
from polls.models import Poll
from polls.presenter import csv_response
from polls.selectors import receipts_logged
from tally.audit import Log, log_of, log_seal, seal_of, short
from tally.selectors import results_seen_by


def _published(request: HttpRequest, poll: Poll) -> Log | HttpResponse:
    """The poll's sealed log, or the answer that says why there is none yet."""
    if not kind_of(poll.kind).has_log:
        return _refusal(
            404, _("This poll keeps no log of votes: a Q&A's questions and a slide are not votes.")
        )
    if poll.state_at() != Poll.State.CLOSED:
        return _refusal(409, _("The log is published once voting closes."))
    if not results_seen_by(cookies=request.COOKIES, poll=poll)["visible"]:
        return _refusal(403, _("The log is published with the results, which are hidden for now."))
    if seal_of(poll) is None and not log_seal(poll_id=poll.pk):
        response = _refusal(
            503, _("The last votes are being counted: the log follows in a moment.")
        )
        response["Retry-After"] = "1"
        return response
    return log_of(poll)


def _refusal(status: int, message: str) -> HttpResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def audit_json(request: HttpRequest, slug: str) -> HttpResponse:
    poll = get_object_or_404(Poll, slug=slug)
    log = _published(request, poll)
    if isinstance(log, HttpResponse):
        return log
    response = JsonResponse(log.as_json(), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{poll.slug}-log.json"'
    return response


@require_GET
def audit_csv(request: HttpRequest, slug: str) -> HttpResponseBase:
    poll = get_object_or_404(Poll, slug=slug)
    log = _published(request, poll)
    if isinstance(log, HttpResponse):
        return log
    return csv_response(_rows(log), filename=f"{poll.slug}-log.csv")


def _rows(log: Log) -> Iterator[list[Any]]:
    """The log as a table: the header and the fingerprint first, then an entry a row."""
    yield ["format", log.header["format"]]
    yield ["header", json.dumps(log.header, sort_keys=True, ensure_ascii=False)]
    yield ["fingerprint", log.fingerprint]
    yield []
    yield ["n", "entry", "voter", "receipt", "choices", "points", "counts", "hash", "texts"]
    for entry in log.entries:
        yield [
            entry["n"],
            entry["entry"],
            entry["voter"],
            entry["receipt"],
            " ".join(entry.get("choices", entry.get("answers", []))),
            entry["points"],
            "yes" if entry["counts"] else "no",
            entry["hash"],
            json.dumps(entry["texts"], ensure_ascii=False) if "texts" in entry else "",
        ]


@require_GET
def verify_page(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Check my vote": the page's script fetches the log, recomputes its chain and finds
    the voter's receipts in it; the server only hands it the receipts it gave."""
    poll = get_object_or_404(Poll, slug=slug)
    voter = voters.voter_in(request.COOKIES, poll_id=poll.pk, requires_invite=poll.requires_invite)
    receipts: list[str] = []
    if voter:
        receipts = list(receipts_logged(poll_id=poll.pk, round_number=poll.round, voter=voter))
    seal = seal_of(poll)
    context = {
        "poll": poll,
        "receipts": receipts,
        "fingerprint": seal.fingerprint if seal is not None else "",
        "short": short(seal.fingerprint) if seal is not None else "",
        "closed": poll.state_at() == Poll.State.CLOSED,
    }
    return render(request, "tally/verify.html", context)
