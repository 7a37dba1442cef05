"""RQ jobs: thin, they call a service. Run by `python manage.py rqworker default`."""

from __future__ import annotations

import os
import socket

import django_rq
from rq import get_current_job

from tally.ingest import votes_ingest
from tally.publish import poll_publish
from tally.stream import consumers_prune


def consumer_name() -> str:
    """The stream consumer: the RQ worker's name, so its next job finds what its last one left."""
    job = get_current_job()
    if job is not None and job.worker_name:
        return job.worker_name
    return f"{socket.gethostname()}-{os.getpid()}"


def prune_consumers() -> int:
    """Forget stream consumers of workers long gone (each worker that ever ran is one)."""
    return len(consumers_prune())


def ingest_votes() -> int:
    """Drain the vote stream into PostgreSQL; hand over to a successor if time ran out."""
    processed, more = votes_ingest(consumer=consumer_name())
    if more:
        django_rq.get_queue("default").enqueue(ingest_votes)
    return processed


def publish_poll(poll_id: int) -> None:
    """Tell the poll's open pages its state: queued for the moment it opens or closes."""
    poll_publish(poll_id=poll_id)
