"""The words a word cloud leaves out: English's and Spanish's function words only.

A cloud is for what people mean ("great", "clear", "useful", "new"), so the lists hold
only the words that carry none: articles, pronouns and determiners, prepositions,
conjunctions, the auxiliary and copular verbs, and a few adverbs of degree and negation.
A general stop list (the `stop-words` package's English one has 1,333 words) drops
"great", "interesting" and "new", exactly the words a cloud should show.

Source: chosen from the Snowball project's stop word lists for English and Spanish
(snowballstem.org, each language's "stop.txt"), kept to the function words above, with
the interrogatives' accented forms that a phone types ("qué", "cómo").
"""

from __future__ import annotations

_ENGLISH = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just let many me more most much my myself no nor not of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves

    i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd
    she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't
    hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot
    couldn't mustn't let's that's who's what's here's there's when's where's why's how's
"""

_SPANISH = """
    a al algo algunas algunos ante antes como con contra cual cuando de del desde donde
    durante e el él ella ellas ellos en entre era erais éramos eran eras eres es esa esas
    ese eso esos esta está estaba estaban estado estáis estamos están estar estas este
    esto estos estoy fue fuera fueron fui fuimos ha había habían han has hasta hay he la
    las le les lo los mas más me mi mí mis mucho muchos muy nada ni no nos nosotras
    nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco
    por porque que qué quien quién quienes se sea sean ser si sí sido sin sobre sois somos
    son soy su sus suya suyas suyo suyos también tanto te tenemos tener tengo ti tiene
    tienen todo todos tu tú tus tuya tuyas tuyo tuyos u un una uno unos unas vosotras
    vosotros vuestra vuestras vuestro vuestros y ya yo
    esta estas este estos cuál cuáles cómo dónde cuándo cuánto cuánta cuántos cuántas
    aquel aquella aquellas aquellos usted ustedes
"""

ENGLISH = frozenset(_ENGLISH.split())
SPANISH = frozenset(_SPANISH.split())
STOP_WORDS = ENGLISH | SPANISH
