"""The Redis clients of a process: one for sync code, one per event loop for async code,
and the channel layer's connection settings.

Each retries a command once, at once, on a connection error: a pooled connection
that died with a Redis restarted (its container removed and started again) is
found dead only when next used, and the retry makes a new one. (django-rq makes a
new connection for each queue it hands out; an RQ worker connects again, with a
backoff, when its connection fails.)
"""

from __future__ import annotations

import asyncio
import functools
import weakref

import redis
import redis.asyncio
from django.conf import settings
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript, Script
from redis.connection import parse_url
from redis.retry import Retry

# With Redis gone, a request should fail fast with a 503, not hang: short
# timeouts, and one immediate retry (enough for a connection Redis dropped).
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5
# The core channel layer waits for messages in a 5 s BZPOPMIN; redis-py 8 gives up
# reading after 5 s by default, which dropped every idle viewer's socket every 5 s
# (django/channels_redis#422). Its reads may take a little longer.
CHANNEL_LAYER_READ_TIMEOUT = 10


def channel_layer_config(url: str) -> dict[str, object]:
    """The channel layer's settings (CHANNEL_LAYERS' `CONFIG`) on the Redis at `url`.

    Its connection settings, as `hosts`: channels-redis makes its own pools from them,
    which otherwise never retry. Its names start with the Redis database's number:
    Pub/Sub channels belong to the server, not to a database, so two sites on one
    server, each in its own database, would otherwise hear each other's messages.
    """
    host = {
        "address": url,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": CHANNEL_LAYER_READ_TIMEOUT,
        "retry": redis.asyncio.retry.Retry(NoBackoff(), 1),
    }
    return {"hosts": [host], "prefix": f"asgi-db{parse_url(url).get('db', 0)}"}


def redis_client() -> redis.Redis:
    """The shared client for `settings.REDIS_URL` (its pool reconnects by itself)."""
    return _client_for(settings.REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        retry=Retry(NoBackoff(), 1),
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=READ_TIMEOUT,
    )


_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, redis.asyncio.Redis]
] = weakref.WeakKeyDictionary()


def async_redis_client() -> redis.asyncio.Redis:
    """The client of the running event loop (an asyncio pool cannot be shared between loops)."""
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    url = settings.REDIS_URL
    if url not in clients:
        clients[url] = redis.asyncio.Redis.from_url(
            url,
            retry=redis.asyncio.retry.Retry(NoBackoff(), 1),
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=READ_TIMEOUT,
        )
    return clients[url]


_async_scripts: weakref.WeakKeyDictionary[redis.asyncio.Redis, dict[str, AsyncScript]] = (
    weakref.WeakKeyDictionary()
)


def async_redis_script(source: str) -> AsyncScript:
    """A Lua script for the running loop's client, registered once (not on every call)."""
    client = async_redis_client()
    scripts = _async_scripts.setdefault(client, {})
    if source not in scripts:
        scripts[source] = client.register_script(source)
    return scripts[source]


def redis_script(source: str) -> Script:
    """A Lua script for the shared client, registered once (not on every call)."""
    return _script_for(settings.REDIS_URL, source)


@functools.cache
def _script_for(url: str, source: str) -> Script:
    return _client_for(url).register_script(source)
