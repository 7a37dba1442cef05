"""`{{ poll.question|rich }}` and `{{ option.label|rich }}`: a presenter's text with its
Markdown and formulas (polls/richtext.py), safe to put in the page; `|rich_block` for
a slide's paragraphs and lists."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from polls.richtext import rich_block as block
from polls.richtext import rich_inline

register = template.Library()


@register.filter
def rich(text: str) -> SafeString:
    return mark_safe(rich_inline(str(text)))  # noqa: S308 (markdown-it's and nh3's output)


@register.filter
def rich_block(text: str) -> SafeString:
    return mark_safe(block(str(text)))  # noqa: S308 (markdown-it's and nh3's output)
