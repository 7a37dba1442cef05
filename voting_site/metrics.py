"""Prometheus metrics at /metrics, kept in Redis so that every process counts together.

The web processes and the worker run on any number of machines; a metric kept in
one process's memory would be a fraction of the truth. So counters and histograms
are Redis hash fields, moved in the same round trips as the work they measure
where one is made anyway (a vote's pipeline, a batch's acknowledgement), and
/metrics reads them back through prometheus_client's exposition. Gauges are read
when scraped: the stream's length and pending entries, and the viewers that each
web process reports every second.

/metrics answers loopback without a token; anyone else only with
`Authorization: Bearer <VOTING_METRICS_TOKEN>` (403 when none is set).
"""

from __future__ import annotations

import bisect
import contextlib
import hmac
import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from redis import Redis, RedisError

from voting_site.redis import async_redis_client, redis_client
from voting_site.responses import plain_text

logger = logging.getLogger(__name__)

# The queue the gauges read: (its stream, the consumer group that counts it). The app
# that owns the stream registers it (polls/apps.py), so the site's plumbing names no app.
QUEUE: dict[str, str] = {}


def queue_watched(*, stream: str, group: str) -> None:
    """Say which Redis stream `voting_queue_depth` and `voting_queue_pending` measure."""
    QUEUE.update(stream=stream, group=group)


COUNTERS = "metrics:counters"
ACCEPTED = "voting_votes_accepted_total"
COUNTED = "voting_votes_counted_total"
VIEWERS_PREFIX = "metrics:viewers:"
VIEWERS_TTL = 5  # a web process that stops reporting stops counting
# Histograms: seconds.
BUCKETS = {
    "voting_ingest_batch_seconds": (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    "voting_publish_lag_seconds": (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
}
HELP = {
    "voting_votes_accepted": "Votes accepted: queued in Redis.",
    "voting_votes_refused": "Votes refused, by reason.",
    "voting_votes_counted": "Votes the worker has written to PostgreSQL.",
    "voting_ingest_batch_seconds": "Time to apply one batch of votes in PostgreSQL.",
    "voting_publish_lag_seconds": "From a batch's commit to its results' send to the viewers.",
    "voting_queue_depth": "Votes in the stream, not yet counted.",
    "voting_queue_pending": "Votes read by a worker and not yet acknowledged.",
    "voting_viewers": "Open live-results sockets, over every web process.",
}


def refused_field(reason: str) -> str:
    return f"voting_votes_refused_total:{reason}"


async def count_refused(reason: str) -> None:
    """One refused vote (a bad form, a closed poll, a limit...): counted if Redis can."""
    try:
        await async_redis_client().hincrby(COUNTERS, refused_field(reason), 1)
    except RedisError:
        logger.warning("refused vote not counted in the metrics: Redis is unreachable")


def count_refused_sync(reason: str) -> None:
    """The same, from synchronous code."""
    try:
        redis_client().hincrby(COUNTERS, refused_field(reason), 1)
    except RedisError:
        logger.warning("refused vote not counted in the metrics: Redis is unreachable")


def histogram_fields(name: str, seconds: float) -> dict[str, float]:
    """The hash fields (and increments) that record one observation of `name`."""
    bounds = BUCKETS[name]
    bucket = bisect.bisect_left(bounds, seconds)
    le = str(bounds[bucket]) if bucket < len(bounds) else "+Inf"
    return {f"{name}:le:{le}": 1, f"{name}:count": 1, f"{name}:sum": seconds}


def observe(pipe: Any, name: str, seconds: float) -> None:
    """Add an observation to a Redis pipeline (sync or async)."""
    for field, amount in histogram_fields(name, seconds).items():
        if field.endswith(":sum"):
            pipe.hincrbyfloat(COUNTERS, field, amount)
        else:
            pipe.hincrby(COUNTERS, field, int(amount))


def process_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


async def viewers_report(count: int) -> None:
    """This web process's open sockets, refreshed every second by its heartbeat."""
    key = VIEWERS_PREFIX + process_name()
    with contextlib.suppress(RedisError):  # the heartbeat says the rest
        await async_redis_client().set(key, count, ex=VIEWERS_TTL)


def viewers_total(client: Redis) -> int:
    """Open live-results sockets over every web process, as their heartbeats last said."""
    keys = list(client.scan_iter(match=VIEWERS_PREFIX + "*", count=1000))
    return sum(int(n) for n in client.mget(keys) if n is not None) if keys else 0


class RedisCollector(Collector):
    def collect(self) -> Iterator[Any]:
        client = redis_client()
        stored: dict[bytes, bytes] = client.hgetall(COUNTERS)  # type: ignore[assignment]
        values = {field.decode(): value for field, value in stored.items()}
        yield self._counter("voting_votes_accepted", values.get(ACCEPTED))
        refused = CounterMetricFamily(
            "voting_votes_refused", HELP["voting_votes_refused"], labels=["reason"]
        )
        for field, value in sorted(values.items()):
            if field.startswith("voting_votes_refused_total:"):
                refused.add_metric([field.split(":", 1)[1]], float(value))
        yield refused
        yield self._counter("voting_votes_counted", values.get(COUNTED))
        for name, bounds in BUCKETS.items():
            cumulative, buckets = 0.0, []
            for le in [*map(str, bounds), "+Inf"]:
                cumulative += float(values.get(f"{name}:le:{le}", 0))
                buckets.append((le, cumulative))
            yield HistogramMetricFamily(
                name, HELP[name], buckets=buckets, sum_value=float(values.get(f"{name}:sum", 0))
            )
        depth = client.xlen(QUEUE["stream"]) if QUEUE else 0
        yield GaugeMetricFamily("voting_queue_depth", HELP["voting_queue_depth"], value=depth)
        try:
            pending = (
                int(client.xpending(QUEUE["stream"], QUEUE["group"])["pending"]) if QUEUE else 0
            )
        except RedisError:  # no consumer group yet
            pending = 0
        yield GaugeMetricFamily("voting_queue_pending", HELP["voting_queue_pending"], value=pending)
        viewers = viewers_total(client)
        yield GaugeMetricFamily("voting_viewers", HELP["voting_viewers"], value=viewers)

    def _counter(self, name: str, value: bytes | str | None) -> CounterMetricFamily:
        return CounterMetricFamily(name, HELP[name], value=float(value or 0))


_registry = CollectorRegistry(auto_describe=False)
_registry.register(RedisCollector())


def _allowed(request: HttpRequest) -> bool:
    token = settings.VOTING_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if request.META.get("VOTING_FORWARDED"):  # through a proxy: not this machine's own
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return plain_text(
            _("Metrics need a bearer token (VOTING_METRICS_TOKEN).") + "\n", status=403
        )
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
