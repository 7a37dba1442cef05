import pytest

from polls.text import answer_terms, text_cleaned


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("e\u0301xito", "éxito"),  # NFC: an accent typed as its own character joins its letter
        ("one\ttwo\n\nthree  four", "one two three four"),
        ("good \u202eevil\u202c", "good evil"),  # a right-to-left override would reverse it
        ("\u2067isolated\u2069", "isolated"),
        ("zero\u200bwidth\u200d\ufeff", "zerowidth"),
        ("bell\x07 and escape\x1b[31m", "bell and escape[31m"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text, escaped where shown
        ('=HYPERLINK("x")', '=HYPERLINK("x")'),  # neutralised where exported
        ("🎉 fiesta", "🎉 fiesta"),
        ("why\uffff not\ufffe\ufdd0\U0001fffe", "why not"),  # noncharacters: none is text
        ("new \U0001fae8 emoji", "new \U0001fae8 emoji"),  # unassigned here, not dropped
    ],
)
def test_text_from_strangers_keeps_what_they_typed_and_drops_what_hides_it(typed, kept):
    assert text_cleaned(typed) == kept


@pytest.mark.parametrize(
    ("answer", "terms"),
    [
        ("Machine learning!", {"machine", "learning", "machine learning"}),
        ("MACHINE Learning", {"machine", "learning", "machine learning"}),
        ("Great", {"great"}),
        ("no", {"no"}),  # a one-word answer counts, even one the stop words hold
        ("The weather", {"weather", "the weather"}),  # English stop words out of the words
        ("¡Qué día más épico!", {"día", "épico"}),  # Spanish ones, accents kept, no phrase
        ("el día", {"día", "el día"}),
        ("dia", {"dia"}),  # not "día": an accent makes another word
        ("don\u2019t panic", {"panic", "don't panic"}),  # the apostrophe a phone types, as ASCII's
        ("e-mail, e-mail, e-mail", {"e-mail", "e-mail e-mail e-mail"}),
        ("...", set()),
        # What a cloud is for stays in longer answers: no general stop list drops it.
        ("Great class", {"great", "class", "great class"}),
        ("interesting and useful", {"interesting", "useful", "interesting and useful"}),
        ("una ***", set()),  # a masked word leaves no one-word answer "una"
        ("clase *** buena", {"clase", "buena"}),
        ("<b>inspiring</b> and fun", {"inspiring", "fun"}),  # no "b" of the markup alone
        ("x", {"x"}),  # but a one-letter answer is an answer
    ],
)
def test_an_answers_terms_in_english_and_spanish(answer, terms):
    assert answer_terms(answer) == terms


def test_great_three_ways_counts_three_times():
    answers = ["Great class", "great", "GREAT!"]

    assert sum("great" in answer_terms(answer) for answer in answers) == 3
