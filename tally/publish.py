"""Results and poll state sent to every open page, through the channel layer.

The worker reaches browsers only this way; each web process's sockets
(tally/consumers.py) pass the messages on.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from polls.models import Poll
from tally.selectors import Results, results_for
from voting_site.metrics import observe, viewers_total

# Viewers get at most one update per poll per this many seconds, whatever the vote rate;
PUBLISH_INTERVAL = 0.025
# and with many watching, fewer: the web tier is sent at most this many messages a
# second in all, so that every viewer still gets every update within a second
# (`make bench` figure 4: 10,000 viewers). The viewers are counted every second.
SENDS_PER_SECOND = 10_000
VIEWERS_RECOUNT = 1.0


def poll_group(poll_id: int) -> str:
    """The channel-layer group of a poll's viewers."""
    return f"poll.{poll_id}"


def results_message(results: Results) -> dict[str, Any]:
    """The channel-layer message of a results snapshot, its JSON encoded once.

    A web process hands the same text to each of its viewers, instead of encoding
    it again per socket; the version travels beside it, for the consumer to drop
    an older snapshot.
    """
    text = json.dumps({"type": "results", **results}, separators=(",", ":"))
    return {"type": "results.update", "version": results["version"], "text": text}


def poll_message(poll: Poll) -> dict[str, Any]:
    """The channel-layer message of a poll's state: what each socket needs to work out
    whether its viewer sees the results, and the results for those who do."""
    results = results_for(poll=poll)
    return {
        **results_message(results),
        "type": "poll.update",
        "state": results["state"],
        "round": results["round"],
        "visibility": poll.results_visibility,
        "shown": poll.results_shown,
    }


def results_publish(*, poll_id: int) -> Results | None:
    """Send the poll's current results to everyone watching it."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        return None
    results = results_for(poll=poll)
    _to_viewers(poll_id, results_message(results))
    return results


def poll_publish(*, poll_id: int) -> None:
    """Tell everyone watching the poll its state (open, closed, results shown or not).

    Each socket works out for its own viewer whether the results are visible; the
    current results travel along, for the sockets that may show them.
    """
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is not None:
        _to_viewers(poll_id, poll_message(poll))


def results_stale(*, poll_ids: set[int]) -> None:
    """Tell these polls' viewers that counting is paused: their numbers may be behind."""
    for poll_id in poll_ids:
        _to_viewers(poll_id, {"type": "results.stale"})


def _to_viewers(poll_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS is not configured"
    async_to_sync(layer.group_send)(poll_group(poll_id), message)


class ResultsPublisher:
    """Publishes changed polls, each at most once per PUBLISH_INTERVAL across all workers.

    A change inside the interval is held back, not dropped: the state at the end
    of the interval goes out (snapshots, so the latest state is all that matters).
    """

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.waiting: set[int] = set()
        self.committed: dict[int, float] = {}  # the first change not yet sent, per poll
        self.viewers = 0
        self.viewers_counted = -VIEWERS_RECOUNT

    def changed(self, poll_ids: set[int], *, committed_at: float) -> None:
        """These polls' results changed in a transaction committed at `committed_at`
        (time.monotonic())."""
        for poll_id in poll_ids:
            self.committed.setdefault(poll_id, committed_at)
        self.waiting |= poll_ids
        for poll_id in list(self.waiting):
            if self._claim(poll_id):
                self._send(poll_id)

    def flush(self) -> None:
        """Send what is held back, waiting out the interval where needed."""
        for poll_id in sorted(self.waiting):
            while not self._claim(poll_id):
                time.sleep(max(self.client.pttl(self._key(poll_id)), 1) / 1000)
            self._send(poll_id)

    def _key(self, poll_id: int) -> str:
        return f"results:published:{poll_id}"

    def interval(self) -> float:
        """Seconds between two updates of a poll: PUBLISH_INTERVAL, or longer with many
        viewers (over every poll: each costs the web tier a send)."""
        now = time.monotonic()
        if now - self.viewers_counted >= VIEWERS_RECOUNT:
            with contextlib.suppress(redis.RedisError):
                self.viewers = viewers_total(self.client)
            self.viewers_counted = now
        return max(PUBLISH_INTERVAL, self.viewers / SENDS_PER_SECOND)

    def _claim(self, poll_id: int) -> bool:
        interval_ms = int(self.interval() * 1000)
        return bool(self.client.set(self._key(poll_id), 1, nx=True, px=interval_ms))

    def _send(self, poll_id: int) -> None:
        self.waiting.discard(poll_id)
        results_publish(poll_id=poll_id)
        committed_at = self.committed.pop(poll_id, None)
        if committed_at is not None:
            lag = time.monotonic() - committed_at
            with contextlib.suppress(redis.RedisError), self.client.pipeline() as pipe:
                observe(pipe, "voting_publish_lag_seconds", lag)
                pipe.execute()
