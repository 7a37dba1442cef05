"""`{{ option.label|rich }}`: a presenter's text with its Markdown and formulas
(polls/richtext.py), safe to put in the page; a question's `|rich_title` in its heading
and `|rich_more` after it (its lists and further paragraphs); `|rich_block` for a
slide's text."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from polls.richtext import rich_block as block
from polls.richtext import rich_inline, rich_question

register = template.Library()


@register.filter
def rich(text: str) -> SafeString:
    return mark_safe(rich_inline(str(text)))  # noqa: S308 (markdown-it's and nh3's output)


@register.filter
def rich_title(text: str) -> SafeString:
    """A question's first paragraph, for its heading."""
    return mark_safe(rich_question(str(text))[0])  # noqa: S308 (markdown-it's and nh3's output)


@register.filter
def rich_more(text: str) -> SafeString:
    """What follows a question's first paragraph (lists, paragraphs), or nothing."""
    more = rich_question(str(text))[1]
    if not more:
        return SafeString("")
    return mark_safe(f'<div class="question-more" dir="auto">{more}</div>')  # noqa: S308


@register.filter
def rich_block(text: str) -> SafeString:
    return mark_safe(block(str(text)))  # noqa: S308 (markdown-it's and nh3's output)
