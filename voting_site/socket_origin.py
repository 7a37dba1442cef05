"""WebSocket handshakes from this site's own pages only: scheme, host and port.

A browser opens a socket to any site, with that site's cookies, from any page; the
Origin header says which page. Channels' AllowedHostsOriginValidator compares only
the origin's host with ALLOWED_HOSTS, so a page of another port or scheme on the
same host (http://localhost:1, say) was let in, and with a presenter's session it
read the counts of a hidden poll. This is the check Django makes of a form's
Origin (CsrfViewMiddleware): the origin is the handshake's own scheme, host and
port, or one of CSRF_TRUSTED_ORIGINS. Behind a trusted proxy, its
X-Forwarded-Proto says the scheme, as for a page.
"""

from __future__ import annotations

import io
from typing import Any

from channels.security.websocket import WebsocketDenier
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from voting_site.clients import forwarded_resolve

Scope = dict[str, Any]


def same_origin(scope: Scope) -> bool:
    """Whether a WebSocket handshake comes from a page of this site, as Django would judge
    a form's Origin."""
    as_page = {
        **scope,
        "type": "http",
        "method": "GET",
        "scheme": "https" if scope.get("scheme") == "wss" else "http",
    }
    request = ASGIRequest(as_page, io.BytesIO())
    if "HTTP_ORIGIN" not in request.META:
        return False  # browsers always send one: a script that hides it is not a page of ours
    forwarded_resolve(request.META)
    check: Any = CsrfViewMiddleware(_never_called)  # its settings, read afresh
    return bool(check._origin_verified(request))


def _never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only the CSRF middleware's origin check is used")


class SameOriginValidator:
    """ASGI middleware: a socket from another origin is refused (403) before it opens."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not same_origin(scope):
            await WebsocketDenier()(scope, receive, send)
            return
        await self.app(scope, receive, send)
