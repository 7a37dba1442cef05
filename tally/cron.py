"""The safety net, run by `python manage.py rqcron tally.cron`: an ingest job every few seconds.

Votes queue an ingest job themselves; this one drains whatever a lost job, a
crashed worker or a Redis restart left behind.
"""

from rq import cron

from tally.jobs import ingest_votes

cron.register(ingest_votes, queue_name="default", interval=10)
