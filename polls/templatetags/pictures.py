"""A question's and an option's image on a page: `{% question_image poll %}` (a Poll or a
Ballot), `{% choice_image option.image %}` on a ballot's button and `{% option_image
option_pictures option.slug %}` beside a bar or on a projector's list of options. A page
without images gets nothing, not an empty frame."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from polls.selectors import ImageShown, image_shown

register = template.Library()


def _shown(thing: Any) -> ImageShown | None:
    image = getattr(thing, "image", None)
    if image is None or isinstance(image, ImageShown):
        return image
    return image_shown(image, thing.image_alt)


@register.simple_tag
def question_image(thing: Any, css: str = "question-image") -> SafeString:
    """The question's image, large where the page is wide and the phone's copy where it
    is not; its size given, so the page does not jump as it loads."""
    shown = _shown(thing)
    if shown is None:
        return SafeString("")
    return format_html(
        '<figure class="{}"><img src="{}" srcset="{} 800w, {} 1920w" '
        'sizes="(max-width: 800px) 100vw, 50vw" width="{}" height="{}" alt="{}" '
        'decoding="async" loading="lazy"></figure>',
        css, shown.large, shown.small, shown.large, shown.width, shown.height, shown.alt,
    )  # fmt: skip


@register.simple_tag
def option_image(pictures: dict[str, ImageShown] | None, slug: str) -> SafeString:
    """An option's image (the phone's copy) beside its bar or on the projector's list, from
    the page's `option_pictures` (polls/selectors.py: option_pictures, or a ballot's)."""
    return choice_image((pictures or {}).get(slug))


def choice_image(shown: ImageShown | None) -> SafeString:
    """An option's image on its button (the vote page's ballot carries it)."""
    if shown is None:
        return SafeString("")
    return format_html(
        '<img class="option-image" src="{}" width="{}" height="{}" alt="{}" '
        'decoding="async" loading="lazy">',
        shown.small, shown.width, shown.height, shown.alt,
    )  # fmt: skip


register.simple_tag(choice_image)
