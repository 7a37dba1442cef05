"""Results: the JSON API and the results page (server-rendered, then kept live over WebSocket).

Both honour the poll's results visibility: while the results are hidden from a
requester, no count leaves the server.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polls.models import Poll
from polls.selectors import option_pictures
from tally.charts import chart
from tally.selectors import average_at, results_for, results_seen_by
from voting_site.middleware import with_user


@require_GET
def results_json(request: HttpRequest, slug: str) -> JsonResponse:
    poll = get_object_or_404(Poll, slug=slug)
    return JsonResponse(results_seen_by(cookies=request.COOKIES, poll=poll))


@require_GET
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    poll = get_object_or_404(Poll, slug=slug)
    notices: dict[Poll.Visibility | None, str] = {
        Poll.Visibility.VOTED: _("The results appear here once you have voted."),
        Poll.Visibility.CLOSED: _("The results appear here when voting closes."),
    }
    rule = None if poll.results_shown is False else Poll.Visibility(poll.results_visibility)
    hidden_notice = notices.get(rule, _("The results appear here when the presenter shows them."))
    results = results_seen_by(cookies=request.COOKIES, poll=poll)
    context = {
        "poll": poll,
        "results": results,
        "average_at": average_at(poll, results),
        "hidden_notice": hidden_notice,
        "option_pictures": option_pictures(poll),
    }
    return render(request, "tally/results.html", context)


@require_GET
@with_user
def results_svg(request: HttpRequest, slug: str) -> HttpResponse:
    """The poll's results as an SVG chart, to paste into slides: for its presenters always,
    for anyone else while the results are visible to them."""
    poll = get_object_or_404(Poll, slug=slug)
    if request.user.has_perm("polls.present_poll", poll):
        results = results_for(poll=poll)
    else:
        results = results_seen_by(cookies=request.COOKIES, poll=poll)
        if not results["visible"]:
            raise PermissionDenied
    drawn = chart(results, option_pictures(poll))
    response = render(request, "tally/chart.svg", drawn, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
