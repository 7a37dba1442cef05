"""Compiles the translations in locale/ (the .po files, kept in the repository) into the
.mo files that Django reads. polib does it in Python, so `make up` needs no GNU
gettext; a fuzzy or untranslated message is left out, and shows in English.

    python -m voting_site.translations
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def compile_all(locale: Path = LOCALE) -> list[Path]:
    """Compile every locale/<language>/LC_MESSAGES/<domain>.po; returns the .mo files."""
    compiled = []
    for po_path in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path.relative_to(LOCALE.parent)}")
