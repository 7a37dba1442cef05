"""The one Redis client of a process, for the hit counter and the vote stream."""

from __future__ import annotations

import functools

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_client() -> redis.Redis:
    """The shared client for `settings.REDIS_URL` (its pool reconnects by itself)."""
    return _client_for(settings.REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    # With Redis gone, a request should fail fast with a 503, not hang: short
    # timeouts, and one immediate retry (enough for a connection Redis dropped).
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 1)
    )
