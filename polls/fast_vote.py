"""The vote POST, answered on the event loop when it succeeds; Django answers the rest.

A vote is the one request that comes in bursts. Through Django's request cycle
under ASGI it waits on thread hand-offs (the request signals, every sync
middleware hook), which cost far more than the vote itself (docs/performance.md,
figure 1). `FastVote` sits in front of Django and answers a vote POST itself
when it is a plain success:

- the same checks, by the same code: the request hooks of Django's middleware as
  configured (the host, CSRF as `CsrfViewMiddleware` checks it), the signed voter
  cookie, the vote form's rules, and `vote_cast`, which counts the vote limit in the same
  Redis call that queues the vote;
- the same answer: the view's 303 to the poll page, with the headers that Django's
  middleware adds to it, worked out once (the same for every vote).

Anything else goes to Django, body and all, as if this were not here: a new
voter, an invitation-only or final poll, a poll not open, bad input, a refused
CSRF token, a limit used up, a server down. So every refusal is answered, and
counted, in one place: the view.
"""

from __future__ import annotations

import functools
import io
import logging
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.encoding import iri_to_uri
from django.utils.module_loading import import_string
from redis import RedisError

from polls import voters
from polls.forms import cast_given, text_sent
from polls.kinds import kind_of
from polls.models import Poll
from polls.selectors import SLUG_MAX_LENGTH, ballot_for
from polls.services import AddressFull, NotPlaying, PollClosed, TimeUp, vote_cast
from polls.views import after_vote
from voting_site.clients import client_network, forwarded_resolve, request_address
from voting_site.limits import Limited, retry_after
from voting_site.responses import see_other

logger = logging.getLogger(__name__)

Message = dict[str, Any]
Headers = list[tuple[bytes, bytes]]
VOTE_VIEW = "polls:detail"


class FastVote:
    """ASGI middleware: a successful vote POST answered here; every other request passed on."""

    def __init__(self, django: ASGIHandler) -> None:
        self.django = django
        self.hooks = MiddlewareHooks()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        view = None
        if scope["type"] == "http" and scope["method"] == "POST":
            view = _vote_view(scope["path"].removeprefix(scope.get("root_path", "")))
        if view is None:
            await self.django(scope, receive, send)
            return
        body: list[Message] = []  # BodyLimit, outside, keeps it small
        while not body or body[-1].get("more_body"):
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.append(message)
        headers = await self.answer(scope, b"".join(m.get("body", b"") for m in body), view)
        if headers is not None:
            await send({"type": "http.response.start", "status": 303, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        await self.django(scope, replay, send)

    async def answer(
        self, scope: dict[str, Any], body: bytes, view: ResolverMatch
    ) -> Headers | None:
        """The headers of the view's 303 for a vote that succeeds; None, with nothing done,
        for any other request."""
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
            forwarded_resolve(request.META)
            if not self.hooks.pass_request(request, view):
                return None
            token = voters.voter_token(request)
            ballot = await ballot_for(slug=view.kwargs["slug"])
            if (
                token is None  # a new voter: the view counts them per address
                or ballot is None
                or ballot.requires_invite
                or not ballot.voters_may_change
                or kind_of(ballot.kind).takes_questions  # questions and upvotes: the view's
                or ballot.state() != Poll.State.OPEN
            ):
                return None
            voter = voters.voter_key(token)  # once: an HMAC
            if text_sent(ballot, request.POST) and await retry_after(
                "entries", voter, settings.VOTING_RATE_ENTRIES, count=False
            ):
                return None  # the view refuses it, before reading a word of it
            given = cast_given(ballot, request.POST)
        except Exception:  # bad input, or whatever it is: Django answers it, as it always has
            logger.debug("vote passed to Django", exc_info=True)
            return None
        try:
            await vote_cast(
                ballot=ballot,
                choices=given.choices,
                answers=given.answers,
                voter=voter,
                address=client_network(request_address(request)),
            )
        except (Limited, AddressFull, NotPlaying, PollClosed, TimeUp, RedisError):
            return None  # nothing queued: the view says why
        return self.hooks.see_other(request)


# A vote's path: /polls/<slug>/ with a slug no longer than a poll's can be.
_VOTE_PATH_MAX_LENGTH = len("/polls//") + SLUG_MAX_LENGTH


def _vote_view(path: str) -> ResolverMatch | None:
    """The URL's match if it is the vote view's, else None."""
    if len(path) > _VOTE_PATH_MAX_LENGTH:
        return None  # not a vote, and not worth keeping in the cache below
    return _vote_view_of(path)


@functools.lru_cache(maxsize=256)
def _vote_view_of(path: str) -> ResolverMatch | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match if match.view_name == VOTE_VIEW else None


class _Refused(Exception):
    """Django's CSRF check refused the request: Django's own pass will answer it."""


class MiddlewareHooks:
    """The hooks of the middleware in MIDDLEWARE that has them (security headers, CSP,
    language, host and CSRF checks, X-Frame-Options), called as Django calls them. They only read
    the request and set headers, so they run on the loop."""

    def __init__(self) -> None:
        middleware = []
        for path in settings.MIDDLEWARE:
            kind = import_string(path)
            if not hasattr(kind, "process_response"):
                continue
            if issubclass(kind, CsrfViewMiddleware):
                kind = type(kind.__name__, (kind,), {"_reject": _refuse})
            middleware.append(kind(_never_called))
        # Django's order: requests and views first to last, responses last to first.
        self.request_hooks = [
            m.process_request for m in middleware if hasattr(m, "process_request")
        ]
        self.view_hooks = [m.process_view for m in middleware if hasattr(m, "process_view")]
        self.response_hooks = [m.process_response for m in reversed(middleware)]
        self.finished: dict[tuple[bool, str], Headers] = {}

    def pass_request(self, request: HttpRequest, view: ResolverMatch) -> bool:
        """Whether every request and view hook lets the request through to the view, and
        none has anything to add to its answer (a CSRF cookie to replace)."""
        try:
            if any(hook(request) is not None for hook in self.request_hooks):
                return False
            if any(hook(request, view.func, view.args, view.kwargs) for hook in self.view_hooks):
                return False
        except _Refused:
            return False
        return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")

    def see_other(self, request: HttpRequest) -> Headers:
        """The headers of the view's 303 back to the page (or to the page the form names),
        as the response hooks finish it. They depend only on whether the request came over
        HTTPS and on its language: worked out once for each, then only the address
        changes."""
        kind = (request.is_secure(), getattr(request, "LANGUAGE_CODE", ""))
        if kind not in self.finished:
            response: HttpResponseBase = see_other(request.path)
            for hook in self.response_hooks:
                response = hook(request, response)
            assert not response.cookies, "a vote's answer sets no cookie"
            self.finished[kind] = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in response.items()
            ]
        # As HttpResponseRedirect sets it.
        location = iri_to_uri(after_vote(request)).encode("latin-1")
        return [
            (name, location if name == b"Location" else value)
            for name, value in self.finished[kind]
        ]


def _refuse(middleware: CsrfViewMiddleware, request: HttpRequest, reason: str) -> None:
    raise _Refused(reason)


def _never_called(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("the fast vote path calls middleware hooks only")
