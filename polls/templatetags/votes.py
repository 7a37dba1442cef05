"""`{% vote_form question %}`: a question's form, the same whichever page holds it.

The poll's own page and an event's page both show a question's form from one template
(polls/_vote.html and the kind's polls/_cast_*.html), given the whole of what
`polls.views.vote_context` makes for it: a page never lists the names the form reads,
so a kind's field (an open poll's text boxes, a Q&A's upvotes) cannot go missing on one
page and not the other.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("polls/_vote.html", takes_context=True)
def vote_form(context: template.Context, question: dict[str, Any]) -> dict[str, Any]:
    """The form of `question` (vote_context's dict, with the page's `action`, `next` and
    `asked`), with the page's CSRF token and request."""
    return {**question, "csrf_token": context.get("csrf_token"), "request": context.get("request")}
