#!/usr/bin/env python
"""Django's command-line utility; runs the embedded servers a command needs."""

import contextlib
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from voting_site import embedded

    with contextlib.ExitStack() as stack:
        # With no DATABASE_URL / REDIS_URL, a command works on the embedded servers,
        # started for it if `make up` is not running them already.
        try:
            stack.enter_context(embedded.serving())
        except ImproperlyConfigured as error:  # a bad setting: a message, not a traceback
            sys.exit(f"Configuration error: {error}")
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
