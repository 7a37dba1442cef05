"""The worker process's RQ worker: RQ's SimpleWorker (each job in the worker's own
process: voting_site/settings.py says why), whose command listener wakes every second.

RQ's worker listens for commands (stop, kill a job) in a thread that waits up to 60 s
for a message. Told to stop, or done in burst mode, it unsubscribes and closes that
thread's connection; the wake-up the unsubscribe should bring does not always come
(rq/rq#1613), and the process then took up to 60 s to exit. Waking every second
bounds that to a second, for one small Redis read a second while idle.
"""

from __future__ import annotations

from rq.worker import SimpleWorker

# How long the command listener waits for a message before it looks again (seconds).
LISTENER_WAKES_EVERY = 1


class Worker(SimpleWorker):
    def subscribe(self) -> None:
        """Subscribe to this worker's command channel (as RQ does, but for the wait)."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=LISTENER_WAKES_EVERY,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )
