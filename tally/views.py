"""Results: the JSON API and the results page (server-rendered, then kept live over WebSocket).

Both honour the poll's results visibility: while the results are hidden from a
requester, no count leaves the server.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polls import voters
from polls.models import Poll
from polls.selectors import voted_if_it_matters
from tally.selectors import Results, average_at, results_for, results_hidden


def _results_seen_by(request: HttpRequest, poll: Poll) -> Results:
    voter = voters.voter_in(request.COOKIES, poll_id=poll.pk, requires_invite=poll.requires_invite)
    has_voted = voted_if_it_matters(poll=poll, voter=voter)
    results = results_for(poll=poll)
    return results if poll.results_visible(has_voted=has_voted) else results_hidden(results)


@require_GET
def results_json(request: HttpRequest, slug: str) -> JsonResponse:
    poll = get_object_or_404(Poll, slug=slug)
    return JsonResponse(_results_seen_by(request, poll))


@require_GET
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    poll = get_object_or_404(Poll, slug=slug)
    notices: dict[Poll.Visibility | None, str] = {
        Poll.Visibility.VOTED: _("The results appear here once you have voted."),
        Poll.Visibility.CLOSED: _("The results appear here when voting closes."),
    }
    rule = None if poll.results_shown is False else Poll.Visibility(poll.results_visibility)
    hidden_notice = notices.get(rule, _("The results appear here when the presenter shows them."))
    results = _results_seen_by(request, poll)
    context = {
        "poll": poll,
        "results": results,
        "average_at": average_at(poll, results),
        "hidden_notice": hidden_notice,
    }
    return render(request, "tally/results.html", context)
