"""Periodic jobs, run by `python manage.py rqcron tally.cron`.

Votes queue an ingest job themselves; the one here every 10 seconds is the
safety net that drains whatever a lost job or a crashed worker left behind.
"""

from rq import cron

from tally.jobs import ingest_votes, prune_consumers

cron.register(ingest_votes, queue_name="default", interval=10)
cron.register(prune_consumers, queue_name="default", interval=3600)
