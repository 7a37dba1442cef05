"""RQ jobs: thin, they call a service. Run by `python manage.py rqworker default`.

The worker runs them in its own process (RQ_WORKER_CLASS, tally/worker.py's by
default: no fork per job), so each job, like a request, starts and ends by
dropping a database connection that has gone bad or old.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import django_rq
from django.db import close_old_connections
from rq import get_current_job

from tally import audit, ingest, publish, stream

Job = TypeVar("Job", bound=Callable[..., Any])


def fresh_connections(job: Job) -> Job:
    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return job(*args, **kwargs)
        finally:
            close_old_connections()

    return run  # type: ignore[return-value]


def consumer_name() -> str:
    """The stream consumer: the RQ worker's name, so its next job finds what its last one left."""
    job = get_current_job()
    if job is not None and job.worker_name:
        return job.worker_name
    return f"{socket.gethostname()}-{os.getpid()}"


# Each job is named after the service it calls.


@fresh_connections
def consumers_prune() -> int:
    """Forget stream consumers of workers long gone (each worker that ever ran is one)."""
    return len(stream.consumers_prune())


@fresh_connections
def votes_ingest() -> int:
    """Drain the vote stream into PostgreSQL; hand over to a successor if time ran out."""
    processed, more = ingest.votes_ingest(consumer=consumer_name())
    if more:
        django_rq.get_queue("default").enqueue(votes_ingest)
    return processed


@fresh_connections
def poll_publish(poll_id: int) -> None:
    """Tell the poll's open pages its state: queued for the moment it opens or closes."""
    publish.poll_publish(poll_id=poll_id)


# A closed poll's log is sealed once the casts taken before the close are counted; until
# then the job comes back this often.
SEAL_RETRY = timedelta(seconds=1)


@fresh_connections
def log_seal(poll_id: int) -> bool | None:
    """Seal a closed poll's log (tally/audit.py) and tell its pages the fingerprint; while
    casts are still being counted, try again in a moment."""
    sealed = audit.log_seal(poll_id=poll_id)
    if sealed is False:
        django_rq.get_queue("default").enqueue_in(SEAL_RETRY, log_seal, poll_id)
    elif sealed:
        publish.poll_publish(poll_id=poll_id)
    return sealed
