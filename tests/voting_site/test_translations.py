"""Every page in English and in Spanish: the Spanish catalogue is complete, it matches
the code's strings, and no template shows text that is not marked for translation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.base import Lexer, TokenType

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUES = sorted((BASE_DIR / "locale").glob("*/LC_MESSAGES/*.po"))
TEMPLATES = sorted((BASE_DIR / "templates").rglob("*.html"))
# What a visitor reads: text between tags, and these attributes' values.
READABLE_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
TAG = re.compile(r"<[^>]*>", re.DOTALL)
# A word has a small letter: punctuation, numbers and sample codes (ABCD-2345) are not text.
WORD = re.compile(r"[^\W\d_]*[^\W\d_A-Z][^\W\d_]*")
ATTRIBUTES_ONLY = re.compile(r'^(\s*[\w-]+="[^"]*")+\s*$')  # a block that fills in a tag
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.DOTALL)
OPAQUE = "\x00"


def test_there_are_spanish_catalogues_for_the_pages_and_the_scripts():
    assert BASE_DIR / "locale/es/LC_MESSAGES/django.po" in CATALOGUES
    assert BASE_DIR / "locale/es/LC_MESSAGES/djangojs.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalogue = polib.pofile(str(path))

    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy


NO_GETTEXT = "no GNU gettext (xgettext): apt-get install gettext"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason=NO_GETTEXT)
def test_the_catalogue_holds_exactly_the_strings_the_code_marks(tmp_path, settings, monkeypatch):
    """`make messages` would change nothing: no marked string is missing from the
    catalogue, and it keeps none that the code no longer has."""
    # makemessages writes to the catalogues beside the sources it reads, found from the
    # current folder: a copy of the catalogues, beside links to the sources.
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale")
    for source in ("voting_site", "polls", "tally", "events", "accounts", "templates", "static"):
        (tmp_path / source).symlink_to(BASE_DIR / source)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    for domain in ("django", "djangojs"):  # the pages and views; the scripts
        call_command(
            "makemessages", locale=["es"], domain=domain, no_obsolete=True, verbosity=0,
            symlinks=True, ignore_patterns=["staticfiles/*"],
        )  # fmt: skip

    for path in CATALOGUES:
        fresh = polib.pofile(str(tmp_path / path.relative_to(BASE_DIR)))
        kept = polib.pofile(str(path))
        assert {e.msgid for e in fresh} == {e.msgid for e in kept}, "run `make messages`"


def readable_text(source: str) -> list[str]:
    """The words of a template that a visitor reads and no translation tag covers."""
    parts = []  # the template with every tag and variable made an opaque mark
    inside_translation = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            inside_translation = name in ("blocktranslate", "blocktrans") or (
                inside_translation and name not in ("endblocktranslate", "endblocktrans")
            )
            parts.append(OPAQUE)
        elif token.token_type == TokenType.VAR:
            parts.append(OPAQUE)
        elif token.token_type == TokenType.TEXT and not inside_translation:
            parts.append(token.contents)
    html = SCRIPT_OR_STYLE.sub(" ", "".join(parts))
    found = [value for value in READABLE_ATTRIBUTES.findall(html) if WORD.search(value)]
    lines = TAG.sub("\n", html).replace(OPAQUE, " ").splitlines()
    return found + [
        line.strip() for line in lines if WORD.search(line) and not ATTRIBUTES_ONLY.match(line)
    ]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_no_template_shows_text_not_marked_for_translation(path):
    assert readable_text(path.read_text()) == []


def test_the_check_finds_unmarked_text():
    source = (
        '{% load i18n %}<h1>Not found</h1><p title="Help">{% translate "Fine" %} · 42%</p>'
        "{% blocktranslate %}Also fine{% endblocktranslate %}"
    )

    assert readable_text(source) == ["Help", "Not found"]
    assert readable_text('<a href="{% url "x" %}" class="{{ c }}">{{ name }}</a>') == []


def test_no_stylesheet_writes_words_a_translation_cannot_reach():
    """Text from CSS `content:` is read and spoken, yet no catalogue holds it."""
    stylesheets = sorted((BASE_DIR / "static").rglob("*.css"))
    words = [
        f"{sheet.name}: {text}"
        for sheet in stylesheets
        for text in re.findall(r'content:\s*"([^"]*)"', sheet.read_text())
        if WORD.search(text)
    ]

    assert stylesheets and words == []


# Spain's words and forms, where the pages speak neutral Latin American Spanish
# (docs/glossary.es.md): a phone is a celular, live is en vivo, a code
# is ingresado, a form vence, one verifica; the simple past, not the present perfect.
NOT_OURS = {
    "móvil": r"\bm[óo]vil(es)?\b",
    "en directo": r"\ben directo\b",
    "ordenador": r"\bordenador(es)?\b",
    "fichero": r"\bficheros?\b",
    "introducir": r"\bintroduc\w*",
    "caducar": r"\bcaduc\w*",
    "comprobar": r"\bcomprueb\w*|\bcomprob\w*",
    "media (average)": r"\bmedia\b",
    "recuento (but in recount)": r"\brecuentos?\b",
    "present perfect": r"\b(he|has|ha|hemos|han) \w+(ado|ido|to|cho)\b",
    "vosotros": r"\b(vosotros|habéis|podéis|tenéis)\b",
}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_the_spanish_is_latin_americas(path):
    catalogue = polib.pofile(str(path))
    found = []
    for entry in catalogue:
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for name, pattern in NOT_OURS.items():
            if any(re.search(pattern, text, re.IGNORECASE) for text in texts):
                found.append(f"{name}: {entry.msgid!r}")
    assert found == []
