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
        # Digits for letters, read as the letters they stand for.
        ("m1erda", MASK),
        ("wh0re", MASK),
        ("c0ck b1tch", f"{MASK} {MASK}"),
        ("n1gger", MASK),
        ("a55hole", MASK),
        ("d1ck", MASK),
        ("5h1t", MASK),
        ("p3nd3j0", MASK),
        # Words the lists lacked: a slur, and Latin American insults.
        ("fag", MASK),
        ("¡Pendejo!", f"¡{MASK}!"),
        ("qué boludo", f"qué {MASK}"),
        ("huevón", MASK),
        # Digits beside letters that make no such word stay as typed.
        ("class of 2026, web3, covid-19", "class of 2026, web3, covid-19"),
        ("mp3, R2D2, 4x4, b1g data, top 5 hits", "mp3, R2D2, 4x4, b1g data, top 5 hits"),
    ],
)
def test_profanity_is_masked_in_english_and_spanish_and_the_rest_kept(typed, shown):
    assert profanity_masked(typed) == shown


def test_an_organiser_adds_words_and_lets_others_through(settings):
    settings.VOTING_PROFANITY_WORDS = ["brocoli"]
    settings.VOTING_PROFANITY_ALLOWED = ["drogas"]

    assert profanity_masked("brocoli again") == f"{MASK} again"
    assert profanity_masked("una clase sobre drogas") == "una clase sobre drogas"


# The insults a Latin American classroom would type, by region; each is masked.
REGIONS = {
    "Mexico": ["pendejo", "chingada", "culero", "puto", "pinche", "verga"],
    "the Southern Cone": ["boludo", "pelotudo", "culiao", "conchetumare", "concha"],
    "the Andes": ["huevón", "weón", "cojudo", "malparido", "hijueputa"],
    "the Caribbean": ["coño", "mamaguevo", "singao", "carajo", "mamabicho"],
}


@pytest.mark.parametrize(
    ("region", "word"), [(region, word) for region, words in REGIONS.items() for word in words]
)
def test_latin_american_insults_are_masked(region, word):
    assert profanity_masked(f"qué {word} la clase") == f"qué {MASK} la clase", region
    assert profanity_masked(word.upper()) == MASK, region
