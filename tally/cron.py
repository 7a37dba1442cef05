"""Periodic jobs, run by `python manage.py rqcron tally.cron`.

Votes queue an ingest job themselves; the one here every 10 seconds is the
safety net that drains whatever a lost job or a crashed worker left behind. A quiz's
questions are finished by a job queued for their deadlines; the safety net here
finishes any that one missed.
"""

from rq import cron

from events.jobs import questions_finish_due
from tally.jobs import consumers_prune, votes_ingest

cron.register(votes_ingest, queue_name="default", interval=10)
cron.register(questions_finish_due, queue_name="default", interval=10)
cron.register(consumers_prune, queue_name="default", interval=3600)
