"""The events' periodic job (the site's cron root, voting_site/cron.py, loads it): a quiz's
questions are finished by a job queued for their deadlines; the safety net here
finishes any that one missed (lost, or queued by a web process whose clock is off)."""

from rq import cron

from events.jobs import questions_finish_due

cron.register(questions_finish_due, queue_name="default", interval=10)
