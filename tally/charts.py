"""A poll's results as a chart drawn on the server (SVG): for slides, and for the event's
report, which prints to PDF from the browser with no JavaScript."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import ngettext

from polls.kinds import kind_of
from polls.selectors import ImageShown
from tally.selectors import Results

WIDTH = 720
TRACK = WIDTH - 48
ROW = 64
TOP = 100
# The question's lines: about this many characters fit the width at its size (26), and
# each line more moves the rest down.
TITLE_CHARACTERS = 46
TITLE_LINE = 32


def chart(results: Results, pictures: Mapping[str, ImageShown] | None = None) -> dict[str, Any]:
    """What templates/tally/chart.svg draws: a row per option (a ranking's best first; a
    rating's, a row per score; an open poll's top terms, a Q&A's top questions), its bar's
    length and its figure, whether it is a right answer (once the poll is closed), and a
    summary line. A question too long for one line is wrapped, never cut (in print too).

    An option's image (`pictures`, by slug) is a thumbnail before its label: drawn where
    the chart is part of a page or opened itself, left out (the label stays) where an
    SVG may not load another file, in an <img> or a slide."""
    kind = kind_of(results["kind"])
    options = kind.charted(results)
    voters = results["voters"] or 0
    if kind.takes_questions:  # a Q&A counts its questions
        summary = ngettext("%(n)s question", "%(n)s questions", voters)
    else:
        summary = ngettext("%(n)s voter", "%(n)s voters", voters)
    summary %= {"n": number_format(voters)}
    if (figure := kind.summary(results)) is not None:
        summary += " · " + figure
    title = textwrap.wrap(results["question"], TITLE_CHARACTERS) or [""]
    below = (len(title) - 1) * TITLE_LINE
    rows = []
    for index, option in enumerate(options):
        share = option.get("percent") or 0
        picture = (pictures or {}).get(option.get("slug", ""))
        rows.append(
            {
                "y": TOP + below + index * ROW,
                "label": option["label"],
                "figure": kind.figure(option),
                "fill": round(TRACK * share / 100, 1),
                "correct": option.get("correct") is True,
                "image": picture.small if picture is not None else "",
            }
        )
    return {
        "results": results,
        "title": [{"text": line, "y": 42 + n * TITLE_LINE} for n, line in enumerate(title)],
        "summary_y": 74 + below,
        "rows": rows,
        "summary": summary,
        "width": WIDTH,
        "track": TRACK,
        "height": TOP + below + len(rows) * ROW + 16,
    }
