"""Every Redis client of the project survives a restarted Redis: a pooled connection that
died with the old server (its container removed, a new one at the address) is found
dead only when next used, and is retried once, on a new connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import django_rq
import pytest
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from voting_site.redis import async_redis_client, channel_layer_config, redis_client


def used_across_a_restart(link, use: Callable[[], object]) -> None:
    use()  # a pooled connection, made and kept
    link.vanish()
    link.restore()
    use()  # raises, unless the dead connection is retried


def test_the_sync_client(settings, redis_link, redis_db):
    settings.REDIS_URL = redis_link.url
    used_across_a_restart(redis_link, lambda: redis_client().incr("hits"))


def test_rqs_queue_as_the_web_process_enqueues(settings, redis_link, redis_db):
    # django-rq connects afresh for each queue it hands out; the worker keeps its
    # connection, and RQ's worker loop connects again, with a backoff, when it fails.
    settings.RQ_QUEUES = {"default": {"URL": redis_link.url}}
    used_across_a_restart(redis_link, lambda: django_rq.get_queue("default").count)


@pytest.mark.parametrize("layer_class", [RedisChannelLayer, RedisPubSubChannelLayer])
def test_the_async_client_and_the_channel_layers(settings, redis_link, redis_db, layer_class):
    settings.REDIS_URL = redis_link.url

    async def scenario() -> None:
        layer = layer_class(**channel_layer_config(redis_link.url))
        channel = await layer.new_channel()
        uses: list[Callable[[], Awaitable[object]]] = [
            lambda: async_redis_client().incr("hits"),
            lambda: layer.group_add("poll.1", channel),
            lambda: layer.group_send("poll.1", {"type": "results.update"}),
        ]
        for use in uses:
            await use()
        redis_link.vanish()
        redis_link.restore()
        for use in uses:
            await use()
        await layer.flush()

    asyncio.run(asyncio.wait_for(scenario(), 30))
