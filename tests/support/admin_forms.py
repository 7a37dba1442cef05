"""What the admin's forms post, as a browser fills them in."""

from __future__ import annotations

# What the admin's add form posts for the fields left as they are.
POLL_DEFAULTS = {
    "kind": "single",
    "min_choices": "1",
    "scale_min": "1",
    "scale_max": "5",
    "voters_may_change": "on",
    "receipts": "on",
    "results_visibility": "always",
    "max_length": "100",
    "answers_per_voter": "1",
    "moderation": "none",
    "masks_profanity": "on",
    "seconds": "20",
}


def add_form(question: str, slug: str, options: list[tuple[str, str]], **fields: str) -> dict:
    """What the admin's add form posts for a poll and its options."""
    form = {
        "question": question,
        "slug": slug,
        "is_open": "on",
        **POLL_DEFAULTS,
        "options-TOTAL_FORMS": str(len(options)),
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "2",
        "options-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (option_slug, label) in enumerate(options):
        form |= {
            f"options-{i}-slug": option_slug,
            f"options-{i}-label": label,
            f"options-{i}-position": str(i),
        }
    return form
