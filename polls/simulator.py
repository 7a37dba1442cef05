"""Votes over real HTTP as distinct browsers: the course's seed-data service, done properly.

Each simulated voter is a browser of its own: it opens the vote page (getting its
voter and CSRF cookies), reads the CSRF token from the form, and posts its vote. On
an open poll, its vote is an answer: one of the `split`'s words, or of ANSWERS.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from django.utils.translation import gettext

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VOTE_FORM = re.compile(r'data-kind="(\w+)" data-least="(\d+)" data-most="(\d+)"')
OPTION_INPUT = re.compile(r'name="(option|score)" value="([^"]+)"')
RANKED_OPTION = re.compile(r'<option value="([^"]+)"')
# What simulated voters answer an open poll, unless told otherwise.
ANSWERS = ["inspiring", "clear", "fun", "machine learning", "too fast", "genial", "práctico"]


@dataclass(frozen=True)
class FormSeen:
    """A vote page's form as a browser sees it: the kind, the field, the options, the limits."""

    kind: str
    field: str
    options: list[str]
    least: int
    most: int

    def cast(self, first: str, rng: random.Random) -> list[str]:
        """A cast that puts `first` first: enough others after it to be valid."""
        others = [option for option in self.options if option != first]
        rng.shuffle(others)
        wanted = {"multiple": self.least, "ranking": self.most}.get(self.kind, 1)
        return [first, *others[: wanted - 1]]


class SimulationError(Exception):
    """The simulation cannot start: the message says why."""


@dataclass
class Report:
    votes: int
    seconds: float
    accepted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, of accepted POSTs
    chosen: Counter[str] = field(default_factory=Counter)  # accepted votes per option

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile of accepted-vote latency, in seconds."""
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]

    def summary(self) -> str:
        refused = ", ".join(
            gettext("%(count)d answered %(status)s") % {"count": count, "status": status}
            for status, count in sorted(self.statuses.items())
        )
        lines = [
            gettext("Accepted %(accepted)d of %(votes)d votes in %(seconds).2f s: "
                    "%(rate).0f votes/s.")
            % {"accepted": self.accepted, "votes": self.votes, "seconds": self.seconds,
               "rate": self.rate},
            gettext("Latency of an accepted vote: p50 %(p50).1f ms, p95 %(p95).1f ms, "
                    "p99 %(p99).1f ms.")
            % {"p50": self.percentile(50) * 1000, "p95": self.percentile(95) * 1000,
               "p99": self.percentile(99) * 1000},
            gettext("Per option: %(counts)s")
            % {"counts": ", ".join(f"{slug} {n}" for slug, n in sorted(self.chosen.items()))},
        ]  # fmt: skip
        if refused:
            lines.append(gettext("Not accepted: %(refused)s.") % {"refused": refused})
        return "\n".join(lines)


def parse_split(text: str) -> dict[str, float]:
    """'cats=2,dogs=1' -> {'cats': 2.0, 'dogs': 1.0}."""
    weights: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        slug, _, weight = part.partition("=")
        try:
            weights[slug.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise SimulationError(
                gettext("--split: %(part)r is not option=weight") % {"part": part}
            ) from None
        if weights[slug.strip()] < 0:
            raise SimulationError(
                gettext("--split: %(part)r has a negative weight") % {"part": part}
            )
    if not weights or sum(weights.values()) <= 0:
        raise SimulationError(gettext("--split needs at least one option with a positive weight"))
    return weights


def assign(votes: int, weights: dict[str, float], rng: random.Random) -> list[str]:
    """Exactly proportional choices (largest remainder), in random order."""
    total = sum(weights.values())
    shares = {slug: votes * weight / total for slug, weight in weights.items()}
    counts = {slug: int(share) for slug, share in shares.items()}
    by_remainder = sorted(shares, key=lambda slug: shares[slug] - counts[slug], reverse=True)
    for slug in by_remainder[: votes - sum(counts.values())]:
        counts[slug] += 1
    choices = [slug for slug, count in counts.items() for _ in range(count)]
    rng.shuffle(choices)
    return choices


async def simulate(
    *,
    url: str,
    poll: str,
    votes: int,
    concurrency: int,
    split: dict[str, float] | None = None,
    rate: float | None = None,
    seed: int | None = None,
    on_vote: Callable[[], None] | None = None,
) -> Report:
    """Cast `votes` votes as as many browsers, `concurrency` at once, at most `rate` a second."""
    page_url = f"{url.rstrip('/')}/polls/{poll}/"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    transport = httpx.AsyncHTTPTransport(limits=limits)  # shared: browsers differ in cookies only
    try:
        form = await _form_seen(page_url, transport)
        options = form.options or list(split or ANSWERS)  # an open poll takes any text
        weights = split or dict.fromkeys(options, 1.0)
        unknown = sorted(set(weights) - set(options))
        if unknown:
            raise SimulationError(
                gettext("%(poll)s has no option %(unknown)s; it has %(options)s")
                % {"poll": poll, "unknown": ", ".join(unknown), "options": ", ".join(options)}
            )
        rng = random.Random(seed)  # noqa: S311 (an order, not a secret)
        choices = assign(votes, weights, rng)
        report = Report(votes=votes, seconds=0.0)
        slots = asyncio.Semaphore(concurrency)
        started = time.monotonic()

        async def voter(index: int, option: str) -> None:
            if rate:
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            async with slots:
                cast = form.cast(option, rng)
                status = await _vote(page_url, form.field, cast, transport, report)
            if status != "303":
                report.statuses[status] += 1
            if on_vote:
                on_vote()

        await asyncio.gather(*(voter(i, option) for i, option in enumerate(choices)))
        report.seconds = time.monotonic() - started
        return report
    finally:
        await transport.aclose()


async def _form_seen(page_url: str, transport: httpx.AsyncHTTPTransport) -> FormSeen:
    try:
        async with httpx.AsyncClient(transport=_Unclosed(transport), timeout=10) as client:
            page = await client.get(page_url)
    except httpx.HTTPError as error:
        raise SimulationError(
            gettext("cannot reach %(url)s: %(error)s") % {"url": page_url, "error": error}
        ) from None
    if page.status_code != 200:
        raise SimulationError(
            gettext("%(url)s answered %(status)d") % {"url": page_url, "status": page.status_code}
        )
    form = VOTE_FORM.search(page.text)
    if form is None or "disabled data-vote-button" in page.text:
        raise SimulationError(
            gettext("%(url)s shows no vote form: is the poll open?") % {"url": page_url}
        )
    kind, least, most = form[1], int(form[2]), int(form[3])
    fields = page.text[form.end() : page.text.find("</form>", form.end())]  # not the header's
    if kind == "ranking":
        field, options = "option", list(dict.fromkeys(RANKED_OPTION.findall(fields)))
    elif kind == "open":
        field, options = "answer", []
    else:
        inputs = OPTION_INPUT.findall(fields)
        field, options = inputs[0][0], [value for _, value in inputs]
    return FormSeen(kind=kind, field=field, options=options, least=least, most=most)


async def _vote(
    page_url: str, field: str, cast: list[str], transport: httpx.AsyncHTTPTransport, report: Report
) -> str:
    """One browser: open the page, vote, and say how it went ("303" when accepted)."""
    async with httpx.AsyncClient(transport=_Unclosed(transport), timeout=30) as browser:
        try:
            page = await browser.get(page_url)
            token = CSRF_INPUT.search(page.text)
            if page.status_code != 200 or token is None:
                return f"page {page.status_code}"
            sent = time.monotonic()
            answer = await browser.post(
                page_url, data={"csrfmiddlewaretoken": token.group(1), field: cast}
            )
        except httpx.HTTPError as error:
            return type(error).__name__
    if answer.status_code != 303:
        return str(answer.status_code)
    report.accepted += 1
    report.latencies.append(time.monotonic() - sent)
    report.chosen[cast[0]] += 1
    return "303"


class _Unclosed(httpx.AsyncBaseTransport):
    """Lends the shared transport to one browser without letting it close it."""

    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport.handle_async_request(request)
