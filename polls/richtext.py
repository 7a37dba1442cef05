r"""What a presenter types, shown as they meant it: a small Markdown subset (bold, italic,
inline code, line breaks, lists, http(s) links) and mathematics between `$…$` or
`$$…$$`, rendered on the server to MathML, which browsers draw with no script.

markdown-it-py parses (raw HTML is text to it), nh3 sanitises what it made, and the
formulas, from latex2mathml, are let through only if every element and attribute is
MathML's and the source parsed (latex2mathml passes `\text{<b>…}` and `\href` through
as they are, and makes `\frac{a` an <mfrac> of one): a formula that does not is shown
as its source. Text the
audience types (answers, Q&A) never comes here: it is text.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET
from typing import Any

import nh3
from defusedxml.ElementTree import fromstring
from latex2mathml.converter import convert
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

MATHML = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", MATHML)

# The MathML Core elements a formula may hold, and how many children the ones that take
# a fixed number need: `\frac{a` gives an <mfrac> of one.
MATH_ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation", "merror",
}  # fmt: skip
ARITY = {"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2,
         "msubsup": 3, "munderover": 3}  # fmt: skip
MATH_ATTRIBUTES = {
    "display", "displaystyle", "scriptlevel", "mathvariant", "stretchy", "fence",
    "separator", "lspace", "rspace", "width", "height", "depth", "accent", "accentunder",
    "largeop", "movablelimits", "symmetric", "minsize", "maxsize", "form", "linethickness",
    "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
    "frame", "notation", "encoding",
}  # fmt: skip

# What of HTML survives the Markdown: its subset's own elements, links with a safe scheme.
HTML_TAGS = {"p", "br", "strong", "em", "code", "a", "ul", "ol", "li"}
# A formula's place while nh3 reads the HTML around it (private-use characters: nothing
# a presenter types, and text to the sanitiser).
SLOT = "\ue000{}\ue001"
SLOTS = re.compile("\ue000(\\d+)\ue001")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("zero", {"breaks": True, "html": False})
    md.enable(["emphasis", "backticks", "newline", "link", "autolink", "escape", "entity", "list"])
    # $5 and $10 are prices, not a formula: a digit next to a dollar sign ends it.
    md.use(dollarmath_plugin, allow_digits=False, allow_labels=False, double_inline=True)
    for rule, display in (("math_inline", False), ("math_inline_double", True),
                          ("math_block", True)):  # fmt: skip
        md.add_render_rule(rule, _slot_rule(display))
    return md


def _slot_rule(display: bool) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        env.setdefault("formulas", []).append((tokens[idx].content, display))
        return SLOT.format(len(env["formulas"]) - 1)

    return render


MARKDOWN = _markdown()


@functools.lru_cache(maxsize=2048)
def mathml(latex: str, display: bool = False) -> str | None:
    """The formula as MathML, its source as `alttext`; None if it does not parse."""
    latex = latex.strip()
    if not latex or not _balanced(latex):
        return None
    try:
        root = fromstring(convert(latex, display="block" if display else "inline"))
    except Exception:  # latex2mathml's own errors, or output that is not XML
        return None
    for element in root.iter():
        name = element.tag.removeprefix(f"{{{MATHML}}}")
        if name not in MATH_ELEMENTS or set(element.attrib) - MATH_ATTRIBUTES:
            return None
        if name in ARITY and len(element) != ARITY[name]:
            return None
        if name == "mi" and (element.text or "").startswith("\\"):
            return None  # a command latex2mathml does not know
    root.set("alttext", latex)
    return ET.tostring(root, encoding="unicode")


def _balanced(latex: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", latex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _unslotted(text: str) -> str:
    """The text without the characters that mark a formula's place (SLOT)."""
    return text.replace("\ue000", "").replace("\ue001", "")


def _clean(markup: str, formulas: list[tuple[str, bool]]) -> str:
    """nh3's sanitising of the Markdown's HTML, then each formula in its place."""
    safe = nh3.clean(
        markup,
        tags=HTML_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )

    def formula(match: re.Match[str]) -> str:
        latex, display = formulas[int(match.group(1))]
        made = mathml(latex, display)
        if made is not None:
            return made
        dollars = "$$" if display else "$"
        return html.escape(f"{dollars}{latex}{dollars}", quote=False)

    return SLOTS.sub(formula, safe)


@functools.lru_cache(maxsize=4096)
def rich_inline(text: str) -> str:
    """A question's or an option's text, for a heading or a button: inline Markdown and
    formulas, lines broken where the text breaks them (no paragraphs, no lists)."""
    env: dict[str, Any] = {}
    markup = MARKDOWN.renderInline(_unslotted(text), env)
    return _clean(markup, env.get("formulas", []))


@functools.lru_cache(maxsize=2048)
def rich_question(text: str) -> tuple[str, str]:
    """A question as a heading and what follows it: its first paragraph inline (for the
    page's <h1>), then the rest as blocks (a list of what to compare, a second paragraph),
    empty for a question of one paragraph."""
    env: dict[str, Any] = {}
    tokens = MARKDOWN.parse(_unslotted(text), env)
    renderer, options = MARKDOWN.renderer, MARKDOWN.options
    if len(tokens) >= 3 and tokens[0].type == "paragraph_open":
        heading = renderer.render(tokens[1].children or [], options, env)
        more = renderer.render(tokens[3:], options, env)
    else:  # a question that opens with a list: its lines in the heading, as typed
        return rich_inline(text), ""
    formulas = env.get("formulas", [])
    return _clean(heading, formulas), _clean(more, formulas).strip()


@functools.lru_cache(maxsize=1024)
def rich_block(text: str) -> str:
    """A slide's text, or what follows a question's first line: paragraphs and lists too."""
    env: dict[str, Any] = {}
    markup = MARKDOWN.render(_unslotted(text), env)
    return _clean(markup, env.get("formulas", []))
