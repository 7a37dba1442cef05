"""`python manage.py createpresenter USERNAME [--email E] [--noinput]`: an account that may
make polls and events and run its own (events/presenters.py). The password is asked
twice, or read from PRESENTER_PASSWORD with --noinput (as createsuperuser reads
DJANGO_SUPERUSER_PASSWORD); an account of that name is made a presenter as it is."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.presenters import presenter_make


class Command(BaseCommand):
    help = "Make a presenter: an account that may make polls and events and run its own."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="ask nothing: the password from PRESENTER_PASSWORD (none: no password sign-in)",
        )

    def handle(self, *args: Any, username: str, email: str, interactive: bool, **_o: Any) -> None:
        password = os.environ.get("PRESENTER_PASSWORD") if not interactive else self._ask()
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages), returncode=2) from None
        user, made = presenter_make(username=username, email=email, password=password)
        said = _("Made presenter %(name)s.") if made else _("%(name)s is now a presenter.")
        self.stdout.write(said % {"name": user.username})

    def _ask(self) -> str:
        password = getpass.getpass(_("Password: "))
        if password != getpass.getpass(_("Password (again): ")):
            raise CommandError(_("The two passwords differ."), returncode=2)
        return password
