"""Results: the JSON API and the results page (server-rendered, then kept live over WebSocket)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from polls.models import Poll
from tally.selectors import results_for


@require_GET
def results_json(request: HttpRequest, slug: str) -> JsonResponse:
    poll = get_object_or_404(Poll, slug=slug)
    return JsonResponse(results_for(poll=poll))


@require_GET
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    poll = get_object_or_404(Poll, slug=slug)
    return render(request, "tally/results.html", {"poll": poll, "results": results_for(poll=poll)})
