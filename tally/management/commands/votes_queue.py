"""Show how many votes wait to be counted, and which workers hold some."""

from __future__ import annotations

from typing import Any

import redis
from django.core.management.base import BaseCommand

from polls.queue import VOTE_STREAM
from tally.stream import INGEST_GROUP
from voting_site.redis import redis_client


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        client = redis_client()
        # Counted entries are deleted, so the stream's length is the queue's depth.
        waiting = client.xlen(VOTE_STREAM)
        self.stdout.write(f"{waiting} vote(s) waiting to be counted.")
        try:
            consumers: Any = client.xinfo_consumers(VOTE_STREAM, INGEST_GROUP)
        except redis.ResponseError:
            return  # no worker has read the stream yet
        for consumer in consumers:
            if consumer["pending"]:
                self.stdout.write(
                    f"  {consumer['pending']} held by worker {consumer['name'].decode()}, "
                    f"idle {consumer['idle'] / 1000:.0f} s"
                )
