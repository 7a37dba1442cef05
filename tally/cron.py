"""Tally's periodic jobs (the site's cron root, voting_site/cron.py, loads them).

Votes queue an ingest job themselves; the one here every 10 seconds is the safety net
that drains whatever a lost job or a crashed worker left behind.
"""

from rq import cron

from tally.jobs import consumers_prune, votes_ingest

cron.register(votes_ingest, queue_name="default", interval=10)
cron.register(consumers_prune, queue_name="default", interval=3600)
