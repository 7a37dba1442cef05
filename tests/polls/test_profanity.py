import pytest

from polls.profanity import MASK, profanity_forget, profanity_masked


@pytest.fixture(autouse=True)
def _words_read_again():
    profanity_forget()
    yield
    profanity_forget()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("You are a fucking genius", f"You are a {MASK} genius"),
        ("Mierda, qué clase tan buena", f"{MASK}, qué clase tan buena"),
        ("¡Cabrón!", f"¡{MASK}!"),
        ("sh1t happens", f"{MASK} happens"),
        ("Scunthorpe United", "Scunthorpe United"),  # a word inside another is not one
        ("Great class, thanks", "Great class, thanks"),
    ],
)
def test_profanity_is_masked_in_english_and_spanish_and_the_rest_kept(typed, shown):
    assert profanity_masked(typed) == shown


def test_an_organiser_adds_words_and_lets_others_through(settings):
    settings.VOTING_PROFANITY_WORDS = ["brocoli"]
    settings.VOTING_PROFANITY_ALLOWED = ["drogas"]

    assert profanity_masked("brocoli again") == f"{MASK} again"
    assert profanity_masked("una clase sobre drogas") == "una clase sobre drogas"
