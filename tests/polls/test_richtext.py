"""A presenter's text as they meant it (polls/richtext.py): a small Markdown subset and
formulas as MathML; everything else is text."""

from __future__ import annotations

import pytest
from django.test import Client

from polls.richtext import mathml, rich_block, rich_inline
from polls.services import poll_create


def test_a_formula_is_mathml_with_its_source_for_screen_readers():
    made = rich_inline(r"What is $\frac{a}{b}$?")
    assert made.startswith("What is <math ") and made.endswith("</math>?")
    assert 'alttext="\\frac{a}{b}"' in made and "<mfrac>" in made
    assert 'display="block"' in rich_inline(r"$$\int_0^1 x^2\,dx$$")


@pytest.mark.parametrize(
    "source",
    [
        r"$\frac{a$",  # unbalanced
        r"$\frac{a}$",  # a fraction of one part
        r"$\nosuchcommand x$",  # a command latex2mathml does not know
        r"$\text{<img src=x onerror=alert(1)>}$",  # markup inside the formula
        r"$\href{javascript:alert(1)}{x}$",  # a link in MathML
    ],
)
def test_a_formula_that_does_not_parse_is_its_source_as_text(source):
    made = rich_inline(source)
    assert "<math" not in made and "<img" not in made and "href" not in made.replace("\\href", "")
    assert made.startswith("$") and made.endswith("$")


def test_markdown_is_a_small_subset_and_html_is_text():
    assert (
        rich_inline("**bold** *it* `x<y`")
        == "<strong>bold</strong> <em>it</em> <code>x&lt;y</code>"
    )
    assert rich_inline("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert rich_inline("<b onclick=x>hi</b>") == "&lt;b onclick=x&gt;hi&lt;/b&gt;"
    assert rich_inline("one\ntwo") == "one<br>\ntwo"
    assert rich_inline("Costs $5 and $10") == "Costs $5 and $10"  # prices, not a formula
    assert rich_inline("# Not a heading") == "# Not a heading"
    link = rich_inline("[site](https://example.org) [bad](javascript:alert(1))")
    assert link.startswith('<a href="https://example.org" target="_blank" rel="noopener')
    assert "javascript:" not in link.replace("(javascript:alert(1))", "")
    assert "<ul>\n<li>a</li>" in rich_block("Pick:\n- a\n- b")


def test_mathml_is_remembered_and_bounded():
    assert mathml("x^2") is mathml("x^2")
    assert mathml.cache_info().maxsize is not None


@pytest.mark.django_db
def test_the_vote_page_shows_formulas_and_keeps_typed_markup_as_text(redis_db):
    options = [("half", r"$\frac{1}{2}$"), ("script", "<script>alert(1)</script>")]
    poll_create(question=r"Which is $\frac{a}{b}$ when **a = 1**?", options=options, slug="maths")
    page = Client().get("/polls/maths/").content.decode()

    assert '<h1 dir="auto">Which is <math ' in page and 'alttext="\\frac{a}{b}"' in page
    assert "<strong>a = 1</strong>" in page
    assert 'alttext="\\frac{1}{2}"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page


def test_a_question_is_its_first_paragraph_for_the_heading_and_the_rest_below():
    from polls.richtext import rich_question

    heading, more = rich_question("Which grows faster?\n- $x^2$\n- $2^x$")
    assert heading == "Which grows faster?"
    assert more.startswith("<ul>\n<li><math ") and more.count("<li>") == 2
    assert rich_question("One line, **bold**") == ("One line, <strong>bold</strong>", "")
    assert rich_question("- a list first")[0] == "- a list first"  # never an empty heading


@pytest.mark.django_db
def test_the_vote_page_puts_a_questions_list_below_its_heading(redis_db):
    poll_create(question="Which grows faster?\n- $x^2$\n- $2^x$", slug="growth",
                options=[("a", "The first"), ("b", "The second")])  # fmt: skip
    page = Client().get("/polls/growth/").content.decode()

    assert (
        '<h1 dir="auto">Which grows faster?</h1><div class="question-more" dir="auto"><ul>' in page
    )
