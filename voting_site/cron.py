"""The periodic jobs, run by `python manage.py rqcron voting_site.cron`: each app registers
its own (tally/cron.py: the vote stream's safety net and the consumers' pruning;
events/cron.py: overdue quiz questions), and this root loads them, as urls.py and
asgi.py load the apps' routes."""

from events import cron as events_cron  # noqa: F401 (registers its jobs)
from tally import cron as tally_cron  # noqa: F401 (registers its jobs)
