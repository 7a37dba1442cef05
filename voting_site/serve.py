"""The web server, as every deployment runs it: `python -m voting_site.serve`.

uvicorn serves `voting_site.asgi:application`, WEB_CONCURRENCY processes (2 by
default, the measured best on two cores: docs/performance.md). `make up`'s
launcher, the image (and so Compose, Swarm and Kubernetes), the tests and the
benchmarks all start it here, so each limit below holds wherever it runs:

- Proxy headers: uvicorn believes none. By default it would take X-Forwarded-For
  from 127.0.0.1 as the client's address, whatever DJANGO_TRUSTED_PROXIES says, and
  a client could then name any address to the abuse limits and the sign-in
  lockout. The project believes them only from the proxies that setting names
  (voting_site/clients.py).
- WebSocket messages: at most WS_MAX_SIZE bytes. Clients have nothing to send on
  the live sockets (tally/consumers.py closes on any message); a larger one is
  refused by uvicorn before it is buffered.
- Slow clients: a request's head must arrive within HEAD_TIMEOUT seconds of the
  connection (or of the previous answer), and its body within BODY_TIMEOUT
  seconds of its head (WEB_HEAD_TIMEOUT, WEB_BODY_TIMEOUT: 10 and 20); otherwise
  the connection is closed. uvicorn has no such
  deadline of its own: a client sending one byte a second held a connection for
  as long as it liked. A reverse proxy in front covers the rest (docs/docker.md).
- No per-message compression (it cost more CPU than it saved: docs/performance.md),
  no access log.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

APPLICATION = "voting_site.asgi:application"
WS_MAX_SIZE = 1024
# Seconds; a phone on a poor network sends a request's head (under a kilobyte) and a
# vote's body in one or two packets.
HEAD_TIMEOUT = float(os.environ.get("WEB_HEAD_TIMEOUT", "10"))
BODY_TIMEOUT = float(os.environ.get("WEB_BODY_TIMEOUT", "20"))


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), with a deadline for reading each request."""

    reading_deadline: asyncio.TimerHandle | None = None

    def _read_within(self, seconds: float | None) -> None:
        """Close the connection unless what is being read arrives within `seconds`
        (None: nothing is being waited for)."""
        if self.reading_deadline is not None:
            self.reading_deadline.cancel()
            self.reading_deadline = None
        if seconds is not None:
            self.reading_deadline = self.loop.call_later(seconds, self._too_slow)

    def _too_slow(self) -> None:
        self.reading_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._read_within(HEAD_TIMEOUT)

    def on_headers_complete(self) -> None:
        self._read_within(BODY_TIMEOUT)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._read_within(None)
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._read_within(HEAD_TIMEOUT)  # the next request's head, if it comes

    def handle_websocket_upgrade(self) -> None:
        self._read_within(None)  # the socket's protocol takes the connection over
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._read_within(None)
        super().connection_lost(exc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m voting_site.serve", description="The web server, as deployed."
    )
    parser.add_argument("--host", default=os.environ.get("BIND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--log-level", default="info")
    arguments = parser.parse_args(argv)
    uvicorn.run(
        APPLICATION,
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        # By name: each worker process imports it (uvicorn's workers are spawned).
        http="voting_site.serve:DeadlineHttpProtocol",
        proxy_headers=False,
        ws_max_size=WS_MAX_SIZE,
        ws_per_message_deflate=False,
        access_log=False,
        log_level=arguments.log_level,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
