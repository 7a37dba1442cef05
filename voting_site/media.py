"""The uploaded images, served by the app when they are kept on its own disk (with object
storage, their URLs lead there instead): each name is its content's hash, so a browser
or a proxy may keep one for a year without asking again."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

# What is served from the media folder: the pictures (polls/pictures.py), and nothing
# else that might one day be kept there.
SERVED_FOLDERS = ("pictures/",)
SERVED_TYPES = {".webp": "image/webp"}


@require_GET
def media_file(request: HttpRequest, name: str) -> FileResponse:
    suffix = name[name.rfind(".") :] if "." in name else ""
    if not name.startswith(SERVED_FOLDERS) or suffix not in SERVED_TYPES or ".." in name:
        raise Http404
    try:
        opened = default_storage.open(name)
    except (FileNotFoundError, OSError, ValueError):  # ValueError: a name outside the folder
        raise Http404 from None
    response = FileResponse(opened, content_type=SERVED_TYPES[suffix])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
