"""`make up`'s set-up in one process: apply the migrations, collect the static files,
seed the demo poll when there is no poll. One Django start-up rather than three: each
`manage.py` run costs about 1.2 s of a 2-core machine before it does anything.

    python -m voting_site.prepare [-v 0]
"""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m voting_site.prepare")
    parser.add_argument("-v", "--verbosity", type=int, default=1)
    verbosity = parser.parse_args(argv).verbosity
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo", if_no_polls=True)


if __name__ == "__main__":
    main()
