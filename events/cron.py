"""The events' periodic jobs (the site's cron root, voting_site/cron.py, loads them): a
quiz's questions are finished by a job queued for their deadlines; the safety net here
finishes any that one missed (lost, or queued by a web process whose clock is off).
Once a day, what links answers to people is removed where it is kept long enough."""

from rq import cron

from events.jobs import questions_finish_due, retention_purge

cron.register(questions_finish_due, queue_name="default", interval=10)
cron.register(retention_purge, queue_name="default", interval=24 * 3600)
