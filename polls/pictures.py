"""Images a presenter uploads, made safe to serve: each is decoded and written again with
Pillow, so nothing of the file but its pixels survives (no EXIF, no GPS, no scripts, no
colour profile but sRGB's), turned as its camera meant it, at most 1920 px on its long
side plus a phone's copy of 800 px, in WebP (every browser the project supports shows
it), under names made of its content's hash.

Refused, with a message a presenter can act on and nothing stored: what Pillow cannot
read as JPEG, PNG, WebP or GIF whatever its name (SVG and HTML among them), more pixels
than MAX_PIXELS (a decompression bomb), a truncated file, a file over
VOTING_IMAGE_MAX_MB. An animated image keeps its first frame.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from polls.models import Picture

FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# The large copy's and the phone's copy's long side, in pixels.
PICTURE_SIZES = (1920, 800)
# More pixels than a 50-megapixel camera's is not a photograph but a bomb: Pillow would
# need gigabytes to decode it.
MAX_PIXELS = 50_000_000
WEBP_QUALITY = 82


class PictureError(ValueError):
    """An upload that is not an image this project takes; the message says why."""


@dataclass(frozen=True)
class Processed:
    """An image made ready to store: its two copies' bytes, its size, its hash."""

    large: bytes
    small: bytes
    width: int
    height: int
    sha256: str


def picture_read(upload: Any) -> Processed:
    """The upload decoded and written again, or PictureError."""
    limit = settings.VOTING_IMAGE_MAX_MB * 1024 * 1024
    size = getattr(upload, "size", None)  # an upload's; a file read here is bounded by its reader
    if size is not None and size > limit:
        raise PictureError(
            _("This image is larger than %(n)d MB: make it smaller and try again.")
            % {"n": settings.VOTING_IMAGE_MAX_MB}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in FORMATS:
                raise PictureError(_("Upload a JPEG, PNG, WebP or GIF image."))
            if image.width * image.height > MAX_PIXELS:
                raise PictureError(
                    _("This image has too many pixels (at most %(n)d million).")
                    % {"n": MAX_PIXELS // 1_000_000}
                )
            image.seek(0)  # an animation's first frame
            image.load()  # every pixel: a truncated file fails here
            pixels = _in_srgb(ImageOps.exif_transpose(image))
    except PictureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(_("Upload a JPEG, PNG, WebP or GIF image.")) from None
    except (OSError, SyntaxError, ValueError):  # Pillow's word for a damaged file
        raise PictureError(_("This image is damaged or incomplete: export it again.")) from None
    return picture_made(pixels)


def picture_made(pixels: Image.Image) -> Processed:
    """Pixels (sRGB, no metadata) as a picture's two copies: a page of a PDF deck
    rendered on the worker comes here too."""
    large = _webp(pixels, PICTURE_SIZES[0])
    width, height = _fitted(pixels, PICTURE_SIZES[0])
    return Processed(
        large=large,
        small=_webp(pixels, PICTURE_SIZES[1]),
        width=width,
        height=height,
        sha256=hashlib.sha256(large).hexdigest(),
    )


def _in_srgb(image: Image.Image) -> Image.Image:
    """Its pixels alone, in sRGB: a colour profile converted, not carried."""
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.createProfile("sRGB")
            image = ImageCms.profileToProfile(image, source, srgb, outputMode=mode) or image
        except ImageCms.PyCMSError:
            pass  # a profile it cannot read: the pixels as they are
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    return clean


def _fitted(image: Image.Image, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(image.size))
    return max(1, round(image.width * scale)), max(1, round(image.height * scale))


def _webp(image: Image.Image, side: int) -> bytes:
    copy = image.resize(_fitted(image, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def picture_store(processed: Processed) -> Picture:
    """The picture saved through the storage API (the same content: the same picture)."""
    found = Picture.objects.filter(sha256=processed.sha256).first()
    if found is not None:
        return found
    name = f"pictures/{processed.sha256[:2]}/{processed.sha256}"
    large = default_storage.save(f"{name}-{PICTURE_SIZES[0]}.webp", ContentFile(processed.large))
    small = default_storage.save(f"{name}-{PICTURE_SIZES[1]}.webp", ContentFile(processed.small))
    picture, _made = Picture.objects.get_or_create(
        sha256=processed.sha256,
        defaults={"large": large, "small": small, "width": processed.width,
                  "height": processed.height},
    )  # fmt: skip
    return picture
