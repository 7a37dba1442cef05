"""Vote over real HTTP as many distinct browsers, and report votes/s and latency."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from polls.simulator import SimulationError, parse_split, simulate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--poll", required=True, help="the poll's slug")
        parser.add_argument("--votes", type=int, default=100, help="how many voters (default 100)")
        parser.add_argument(
            "--concurrency", type=int, default=10, help="voters at once (default 10)"
        )
        parser.add_argument(
            "--split", default="", help="weights, e.g. cats=2,dogs=1 (default: even)"
        )
        parser.add_argument(
            "--rate", type=float, help="votes per second at most (default: as fast as it goes)"
        )
        parser.add_argument(
            "--url",
            default=f"http://127.0.0.1:{settings.PORT}",
            help="the site (default: make up's)",
        )
        parser.add_argument("--seed", type=int, help="random seed for the order of the choices")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["votes"] < 1 or options["concurrency"] < 1:
            raise CommandError(_("--votes and --concurrency must be at least 1"))
        try:
            split = parse_split(options["split"]) if options["split"] else None
            with tqdm(total=options["votes"], unit="vote", disable=None) as progress:
                report = asyncio.run(
                    simulate(
                        url=options["url"],
                        poll=options["poll"],
                        votes=options["votes"],
                        concurrency=options["concurrency"],
                        split=split,
                        rate=options["rate"],
                        seed=options["seed"],
                        on_vote=progress.update,
                    )
                )
        except SimulationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(report.summary())
