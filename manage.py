#!/usr/bin/env python
"""Django's command-line utility; runs the embedded servers a command needs."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from voting_site import embedded

    try:
        settings.DATA_DIR  # noqa: B018 (loads the settings: a bad variable is a message, not a traceback)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    # With no DATABASE_URL / REDIS_URL, a command works on the embedded servers,
    # started for it if `make up` is not running them already.
    with embedded.serving():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
