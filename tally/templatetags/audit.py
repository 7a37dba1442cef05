"""The published log's fingerprint as the room reads it (tally/audit.py's `short`)."""

from __future__ import annotations

from django import template

from tally.audit import short

register = template.Library()


@register.filter
def fingerprint_short(fingerprint: str | None) -> str:
    return short(fingerprint) if fingerprint else ""
