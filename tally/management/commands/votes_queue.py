"""Show how many votes wait to be counted, and which workers hold some."""

from __future__ import annotations

from typing import Any

import redis
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from polls.stream import INGEST_GROUP, VOTE_STREAM
from voting_site.redis import redis_client


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        client = redis_client()
        # Counted entries are deleted, so the stream's length is the queue's depth.
        waiting = client.xlen(VOTE_STREAM)
        self.stdout.write(
            ngettext(
                "%(n)d vote waiting to be counted.", "%(n)d votes waiting to be counted.", waiting
            )
            % {"n": waiting}
        )
        try:
            consumers: Any = client.xinfo_consumers(VOTE_STREAM, INGEST_GROUP)
        except redis.ResponseError:
            return  # no worker has read the stream yet
        for consumer in consumers:
            if consumer["pending"]:
                self.stdout.write(
                    "  "
                    + _("%(n)d held by worker %(worker)s, idle %(idle).0f s")
                    % {
                        "n": consumer["pending"],
                        "worker": consumer["name"].decode(),
                        "idle": consumer["idle"] / 1000,
                    }
                )
