"""The answers every app gives alike: plain text, 303 after a POST, 429 at a limit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render


def plain_text(body: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    if status == 503:
        response["Retry-After"] = "5"
    return response


def see_other(url: str) -> HttpResponseRedirect:
    """The answer to a successful POST: 303, so a reload does not post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def too_many(request: HttpRequest, *, retry_after: int, message: str) -> HttpResponse:
    """429: a limit was reached; nothing was done, and it may be tried again later."""
    context = {"message": message, "retry_after": retry_after}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
