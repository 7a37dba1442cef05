from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Join codes: read aloud and typed on phones, so no characters that look alike
# (no 0/O, 1/I/L).
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 6


# The longest open answer a poll may take, and the most answers per voter.
ANSWER_MAX_LENGTH = 280
ANSWERS_PER_VOTER_MAX = 10
# A quiz question's time limit, in seconds.
QUIZ_SECONDS_MIN, QUIZ_SECONDS_MAX = 5, 240
# The projector fits this many options on one screen, in two columns past half of them;
# a poll with more scrolls its list (the admin says so).
PROJECTOR_ROWS = 6
PROJECTOR_OPTIONS = 2 * PROJECTOR_ROWS
# The demo poll `make up` seeds, which its home page links.
DEMO_SLUG = "cats-vs-dogs"
# The longest name an asker may give with a question.
QUESTION_NAME_MAX_LENGTH = 40


# The models whose rows hold join codes, all in one code space: /j/<code> leads to any
# of them. Polls are the first; an app with others adds its model (the events app does).
JOIN_CODE_HOLDERS: list[type[models.Model]] = []


def join_code_new() -> str:
    """A random join code that nothing has yet (31**6, about 887 million, to choose from)."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        holders = JOIN_CODE_HOLDERS or [Poll]
        if not any(holder._default_manager.filter(code=code).exists() for holder in holders):
            return code


def join_code_clean(text: str) -> str:
    """A code as people type it (any case, spaces, dashes) in the form it is stored."""
    return re.sub(r"[\s-]+", "", text).upper()


class Picture(models.Model):
    """An image a presenter uploaded, as it is served: decoded and written again
    (polls/pictures.py), at most PICTURE_SIZES' first on its long side and a phone's copy,
    under names made of its content's hash. Questions and options point at one."""

    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    large = models.FileField(_("image"), max_length=200)
    small = models.FileField(_("phone's copy"), max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")

    def __str__(self) -> str:
        return self.large.name or self.sha256


def picture_field() -> models.ForeignKey:
    """A question's or an option's image, if it has one; a picture outlives its users
    (another may share it), and a user outlives its picture."""
    return models.ForeignKey(
        Picture,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("image"),
    )


def alt_field() -> models.CharField:
    return models.CharField(
        _("image's description"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it: required with an image."),
    )


class Poll(models.Model):
    """A question with two or more options, or open answers, or a Q&A; open or not."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        SCHEDULED = "scheduled", _("not open yet")
        CLOSED = "closed", _("closed")

    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("several choices")
        RATING = "rating", _("a score on a scale")
        RANKING = "ranking", _("options in order of preference")
        OPEN = "open", _("open answers")
        QUESTIONS = "questions", _("audience questions (Q&A)")
        SLIDE = "slide", _("a content slide (no votes)")

    class Moderation(models.TextChoices):
        NONE = "none", _("none: entries are shown at once")
        APPROVE = "approve", _("approve: each entry waits for the presenter's approval")

    class Visibility(models.TextChoices):
        ALWAYS = "always", _("always")
        VOTED = "voted", _("to each browser once it has voted")
        REVEALED = "revealed", _("when the presenter reveals them")
        CLOSED = "closed", _("once the poll is closed")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    question = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SINGLE)
    min_choices = models.PositiveSmallIntegerField(
        _("at least"), default=1, help_text=_("Several choices: how many a voter picks at least.")
    )
    max_choices = models.PositiveSmallIntegerField(
        _("at most"),
        null=True,
        blank=True,
        help_text=_(
            "Several choices: how many a voter picks at most; a ranking: how many places "
            "are ranked. Empty: all of the options."
        ),
    )
    scale_min = models.SmallIntegerField(_("lowest score"), default=1)
    scale_max = models.SmallIntegerField(_("highest score"), default=5)
    scale_min_label = models.CharField(
        _("label of the lowest score"), max_length=40, blank=True, help_text=_("e.g. “Poor”")
    )
    scale_max_label = models.CharField(
        _("label of the highest score"), max_length=40, blank=True, help_text=_("e.g. “Great”")
    )
    max_length = models.PositiveSmallIntegerField(
        _("longest answer"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(ANSWER_MAX_LENGTH)],
        help_text=_("Open answers: the most characters an answer may have."),
    )
    answers_per_voter = models.PositiveSmallIntegerField(
        _("answers per voter"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(ANSWERS_PER_VOTER_MAX)],
        help_text=_("Open answers: how many answers each voter may give."),
    )
    moderation = models.CharField(
        _("moderation"),
        max_length=10,
        choices=Moderation,
        default=Moderation.NONE,
        help_text=_("Open answers: whether the audience's entries wait for approval. "
                    "The presenter can hide any entry at any time."),
    )  # fmt: skip
    masks_profanity = models.BooleanField(
        _("mask profanity"),
        default=True,
        help_text=_("Open answers: words of the profanity lists (English and Spanish) "
                    "show as ***; the entry is kept."),
    )  # fmt: skip
    seconds = models.PositiveSmallIntegerField(
        _("time limit (seconds)"),
        default=20,
        validators=[MinValueValidator(QUIZ_SECONDS_MIN), MaxValueValidator(QUIZ_SECONDS_MAX)],
        help_text=_("A quiz's question: how long it takes answers once shown (5 to 240 s)."),
    )
    # A slide's: its text (a little Markdown, formulas), what only the presenter reads
    # (the remote), and whether the phones show it too or only say to look up.
    body = models.TextField(
        _("text"), blank=True, max_length=4000,
        help_text=_("A slide: its text, with **bold**, *italic*, lists, links and $formulas$."),
    )  # fmt: skip
    notes = models.TextField(
        _("speaker notes"), blank=True, max_length=4000,
        help_text=_("A slide: what only the presenter reads, on the remote."),
    )  # fmt: skip
    shown_on_phones = models.BooleanField(
        _("show on phones"),
        default=False,
        help_text=_("A slide: the phones show it too, rather than “look at the screen”."),
    )
    voters_may_change = models.BooleanField(
        _("voters may change their vote"),
        default=True,
        help_text=_("Untick to make each voter's first vote final."),
    )
    receipts = models.BooleanField(
        _("receipts"),
        default=True,
        help_text=_(
            "Each accepted vote gets a short receipt its voter can find in the published log "
            "once the poll closes. A receipt lets a voter show others how they voted: untick "
            "where no one should be able to (a vote among colleagues, say)."
        ),
    )
    requires_invite = models.BooleanField(
        _("invitation only"),
        default=False,
        help_text=_(
            "Each voter enters a one-time invite code, which then stands for them: one vote "
            "per code. Make the codes with the admin's action or `manage.py invites`."
        ),
    )
    voters_per_address = models.PositiveIntegerField(
        _("voters per network address"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "At most this many voters from one network address, each round. Empty: no cap. "
            "A room behind one router is one address: allow for everyone in it."
        ),
    )
    is_open = models.BooleanField(
        _("open"),
        default=True,
        help_text=_("Untick to close the poll now, whatever its times say."),
    )
    # When voting last closed, on Redis's clock (polls/opening.py); None while open.
    closed_ms = models.BigIntegerField(_("closed at (Redis's milliseconds)"), null=True,
                                       editable=False)  # fmt: skip
    opens_at = models.DateTimeField(
        _("opens at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to accept votes from now on."),
    )
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("Leave empty to keep it open.")
    )
    code = models.CharField(
        _("join code"),
        max_length=JOIN_CODE_LENGTH,
        unique=True,
        default=join_code_new,
        editable=False,
        help_text=_("People join at /j/ followed by this code. It is made with the poll."),
    )
    results_visibility = models.CharField(
        _("results shown"),
        max_length=10,
        choices=Visibility,
        default=Visibility.ALWAYS,
        help_text=_("When voters may see the counts. Staff always see them."),
    )
    results_shown = models.BooleanField(
        _("presenter's word on the results"),
        null=True,
        blank=True,
        choices=[(None, _("as the rule says")), (True, _("revealed")), (False, _("hidden"))],
        help_text=_("Set by reveal and hide; it overrides the rule until the next reset."),
    )
    round = models.PositiveIntegerField(
        _("round"), default=1, help_text=_("A reset starts a new round; older rounds are kept.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="polls_owned",
        verbose_name=_("owner"),
        help_text=_(
            "Who made it: they may edit, present and delete it, and choose its hosts. "
            "With no owner, only superusers may."
        ),
    )
    image = picture_field()
    image_alt = alt_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When what linked its votes to people was removed (events/retention.py).
    purged_at = models.DateTimeField(
        _("links to people removed"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max")),
                name="poll_scale_goes_up",
                violation_error_message="The highest score must be above the lowest.",
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=F("min_choices")),
                name="poll_choices_range",
                violation_error_message="“At most” cannot be below “at least”.",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="poll_closes_after_it_opens",
                violation_error_message="A poll must close after it opens.",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("polls:detail", kwargs={"slug": self.slug})

    def state_at(self, now: datetime | None = None) -> Poll.State:
        return poll_state(
            is_open=self.is_open,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            now=now or timezone.now(),
        )

    def results_visible(self, *, has_voted: bool = False) -> bool:
        return results_visible(
            visibility=self.results_visibility,
            shown=self.results_shown,
            state=self.state_at(),
            has_voted=has_voted,
        )


def results_visible(
    *, visibility: str, shown: bool | None, state: Poll.State, has_voted: bool
) -> bool:
    """Whether a voter may see the counts: the presenter's last reveal or hide, else the rule."""
    if shown is not None:
        return shown
    return {
        Poll.Visibility.ALWAYS: True,
        Poll.Visibility.VOTED: has_voted,
        Poll.Visibility.REVEALED: False,
        Poll.Visibility.CLOSED: state == Poll.State.CLOSED,
    }[Poll.Visibility(visibility)]


def poll_state(
    *, is_open: bool, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> Poll.State:
    """Whether a poll takes votes at `now`; one rule for the model and its cached snapshot."""
    if not is_open or (closes_at is not None and now >= closes_at):
        return Poll.State.CLOSED
    if opens_at is not None and now < opens_at:
        return Poll.State.SCHEDULED
    return Poll.State.OPEN


class Option(models.Model):
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("poll")
    )
    slug = models.SlugField(_("slug"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Options show in this order.")
    )
    correct = models.BooleanField(
        _("correct"),
        default=False,
        help_text=_("A right answer (single or several choices): marked on the results once "
                    "voting closes, never before."),
    )  # fmt: skip

    image = picture_field()
    image_alt = alt_field()

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "slug"], name="option_slug_unique_in_poll"),
            # Target of the votes' (poll, option) foreign key: a vote's option is of its poll.
            models.UniqueConstraint(fields=["poll", "id"], name="option_poll_id_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    """A voter's current cast in a poll's round: one row per voter per round, the latest cast.

    `choices` holds option ids: one for a single choice or a rating (the score's
    option), the chosen ones for several choices, the ranked ones in order of
    preference for a ranking. The worker checks each is one of the poll's.
    """

    # No index of its own: the unique (poll, round, voter) one serves it, on the
    # worker's hot path.
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="votes", db_index=False, verbose_name=_("poll")
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    choices = ArrayField(models.BigIntegerField(), verbose_name=_("choices"))
    # A keyed hash (HMAC) of the voter's cookie token, never the token itself:
    # a leaked table cannot be replayed as cookies to change anyone's vote.
    voter = models.CharField(_("voter"), max_length=64)
    # When the web accepted the cast: for display only.
    cast_at = models.DateTimeField(_("cast at"))
    # The cast's place in the vote stream: its entry's ID, <milliseconds>-<sequence>,
    # as milliseconds * 2**20 + sequence. A later cast replaces this one only if its
    # entry came later, in the order Redis gave, whatever the web processes' clocks say.
    stream_order = models.BigIntegerField(_("order in the vote stream"), default=0)
    # A quiz question's points for this cast (polls/countdown.py), set by the worker with
    # the vote: 0 for a wrong answer, or in a poll that is not timed as a quiz question.
    points = models.PositiveIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = pgettext_lazy("a voter's cast", "vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "round", "voter"], name="one_vote_per_voter_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter[:8]}… → {self.choices}"


class CastRecord(models.Model):
    """Every cast the worker applied, in a poll's round, replaced or not: the poll's
    published log (tally/audit.py). Kept once per stream entry, so a redelivered entry
    adds nothing."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="cast_records", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"), default=1)
    # The cast's stream entry, as Vote.stream_order: the log's order.
    stream_order = models.BigIntegerField(_("order in the vote stream"))
    voter = models.CharField(_("voter"), max_length=64)  # the keyed hash, as Vote's
    # The voter's receipt (polls/receipts.py); the log publishes only its SHA-256.
    receipt = models.CharField(_("receipt"), max_length=9, blank=True)
    # The cast's options or answers as its stream entry had them (polls/stream.py's
    # `cast_value`): with array columns, Django inserts a batch's rows one VALUES tuple
    # each rather than as arrays to UNNEST, which took the worker 3 times as long
    # (137 against 45 ms for 2,000 rows, 2026-12-05).
    cast = models.TextField(_("cast"))
    points = models.PositiveIntegerField(_("points"), default=0)
    # Set when the voter is unlinked (retention) or erased: the log's name for them,
    # kept, as their entries' hashes hold it (tally/audit.py).
    pseudonym = models.CharField(_("pseudonym"), max_length=16, blank=True)
    erased = models.BooleanField(_("erased by the voter"), default=False)

    class Meta:
        verbose_name = _("logged cast")
        verbose_name_plural = _("logged casts")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "round", "stream_order"], name="one_record_per_cast"
            ),
        ]
        indexes = [models.Index(fields=["poll", "round", "voter"], name="cast_records_of_voter")]

    def __str__(self) -> str:
        return f"{self.voter[:8]}… → {self.cast}"


class Countdown(models.Model):
    """A quiz question's clock in one round, read from Redis's: when it opened, and its
    deadline (None: untimed, or no longer timed), both in Redis's milliseconds. Redis
    keeps the deadline that refuses late votes (polls/countdown.py); this row is its
    record, for the points and the recount."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="countdowns", verbose_name=_("poll")
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    opened_ms = models.BigIntegerField(_("opened (Redis's milliseconds)"))
    deadline_ms = models.BigIntegerField(_("deadline (Redis's milliseconds)"), null=True)
    # The time limit the points fall over, as it was at the opening (0: none).
    seconds = models.PositiveSmallIntegerField(_("time limit (seconds)"))
    speed = models.BooleanField(_("points for speed"), default=True)

    class Meta:
        verbose_name = _("countdown")
        verbose_name_plural = _("countdowns")
        constraints = [
            models.UniqueConstraint(fields=["poll", "round"], name="one_countdown_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.poll} (round {self.round})"


class Answer(models.Model):
    """One of a voter's open answers in a poll's round, made or replaced with the voter's
    vote by the ingest (a vote of an open poll has no choices: its answers are these).

    Its state is the moderation's: shown to everyone, waiting for the presenter's
    approval, or hidden by the presenter. Only shown answers are counted in the word
    cloud; an answer sent again unchanged keeps its state.
    """

    class State(models.TextChoices):
        SHOWN = "shown", _("shown")
        PENDING = "pending", _("waiting for approval")
        HIDDEN = "hidden", _("hidden")

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="answers", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"), default=1)
    voter = models.CharField(_("voter"), max_length=64)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=ANSWER_MAX_LENGTH)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.SHOWN)
    cast_at = models.DateTimeField(_("cast at"))
    # The cast's place in the vote stream, as Vote.stream_order: newest first is by it.
    stream_order = models.BigIntegerField(_("order in the vote stream"), default=0)

    class Meta:
        verbose_name = _("open answer")
        verbose_name_plural = _("open answers")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "round", "voter", "position"], name="one_answer_per_place"
            ),
        ]
        indexes = [
            models.Index(fields=["poll", "round", "state", "-stream_order"], name="answers_newest"),
        ]

    def __str__(self) -> str:
        return self.text


class HiddenAnswer(models.Model):
    """A text the presenter hid from a voter in a poll's round, as `answer_key` reads it:
    the same voter sending it again, in any place or spelt another way, finds it hidden
    again (tally/answers.py), however often they send something else in between."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="hidden_answers", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"), default=1)
    voter = models.CharField(_("voter"), max_length=64)
    text = models.CharField(_("answer, as compared"), max_length=ANSWER_MAX_LENGTH)

    class Meta:
        verbose_name = _("hidden answer")
        verbose_name_plural = _("hidden answers")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "round", "voter", "text"], name="one_hidden_text_per_voter"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Question(models.Model):
    """A question the audience asks in a Q&A poll's round, made by the ingest from its
    stream entry: exactly once, for its place in the stream is unique in the poll.

    `upvotes` is how many voters' latest upvote of it stands (Upvote), kept by the
    ingest under the poll's lock; the recount checks it. Its state is the moderation's
    and the presenter's: shown, waiting for approval, hidden, being answered (one at a
    time), answered.
    """

    class State(models.TextChoices):
        SHOWN = "shown", _("shown")
        PENDING = "pending", _("waiting for approval")
        HIDDEN = "hidden", _("hidden")
        ANSWERING = "answering", _("being answered")
        ANSWERED = "answered", _("answered")

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="questions", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"), default=1)
    voter = models.CharField(_("voter"), max_length=64)
    name = models.CharField(_("name"), max_length=QUESTION_NAME_MAX_LENGTH, blank=True)
    text = models.CharField(_("question"), max_length=ANSWER_MAX_LENGTH)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.SHOWN)
    pinned = models.BooleanField(_("pinned"), default=False)
    upvotes = models.PositiveIntegerField(_("upvotes"), default=0)
    asked_at = models.DateTimeField(_("asked at"))
    stream_order = models.BigIntegerField(_("order in the vote stream"))

    class Meta:
        verbose_name = _("audience question")
        verbose_name_plural = _("audience questions")
        constraints = [
            models.UniqueConstraint(fields=["poll", "stream_order"], name="one_question_per_entry"),
        ]
        indexes = [
            models.Index(fields=["poll", "round", "state", "-upvotes"], name="questions_top"),
        ]

    def __str__(self) -> str:
        return self.text


class Upvote(models.Model):
    """A voter's upvote of a question, or its withdrawal: their latest, in the stream's
    order, stands."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="upvotes_given", db_index=False,
        verbose_name=_("question"),
    )  # fmt: skip
    voter = models.CharField(_("voter"), max_length=64)
    up = models.BooleanField(_("upvoted"), default=True)
    stream_order = models.BigIntegerField(_("order in the vote stream"))

    class Meta:
        verbose_name = _("upvote")
        verbose_name_plural = _("upvotes")
        constraints = [
            models.UniqueConstraint(fields=["question", "voter"], name="one_upvote_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.voter[:8]}… {'up' if self.up else 'taken back'}: {self.question_id}"


# Invite codes: longer than join codes (they are secrets, not addresses), from the
# same alphabet, shown in two groups of four.
INVITE_CODE_LENGTH = 8


def scored_in_quiz() -> Q:
    """The polls that are a quiz's scored questions (events/models.py's `Event.scores`):
    those of a quiz event with a right answer."""
    right = Option.objects.filter(poll=OuterRef("pk"), correct=True)
    return Q(Exists(right), event_question__event__mode="quiz")


def in_identifying_event() -> Q:
    """The polls of an event whose participants are named or signed in (events/models.py's
    `Event.identifies`): only those who joined it take part."""
    return Q(event_question__event__participation__in=("named", "signed-in"))


def invite_code_new() -> str:
    """A random invite code (31**8, about 850 billion, to choose from)."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def invite_code_shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class Invite(models.Model):
    """A one-time code that lets one person vote in an invitation-only poll.

    Once entered (used), the code is the voter: its browser votes as the code,
    one vote per round, changeable as the poll allows.
    """

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="invites", verbose_name=_("poll")
    )
    code = models.CharField(_("code"), max_length=INVITE_CODE_LENGTH, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("invite")
        verbose_name_plural = _("invites")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return invite_code_shown(self.code)


class HostRole(models.TextChoices):
    """What a host of a poll or an event may do besides its owner (polls/rules.py)."""

    CO_HOST = "co-host", _("co-host: everything but deleting it and choosing its hosts")
    MODERATOR = "moderator", _("moderator: present, control, moderate and export; no edits")


class Host(models.Model):
    """Someone an owner lets run a poll or an event with them, in a role (polls/rules.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="%(app_label)s_hosted",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=HostRole.choices)

    class Meta:
        abstract = True
        verbose_name = _("host")
        verbose_name_plural = _("hosts")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"  # type: ignore[attr-defined]


class PollHost(Host):
    """A host of a poll in no event (a poll in an event has the event's: EventHost)."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="hosts", verbose_name=_("poll")
    )

    class Meta(Host.Meta):
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="poll_host_once"),
        ]


# What the presenter's controls did, as the history shows each (ControlRecord.action).
CONTROL_NAMES = {
    "open": _("opened voting"),
    "close": _("closed voting"),
    "reveal": _("showed the results"),
    "hide": _("hid the results"),
    "reset": _("started a new round"),
    "next": _("next question"),
    "previous": _("previous question"),
    "goto": _("went to question"),
    "lobby": _("back to the lobby"),
    "leaderboard": _("showed the leaderboard"),
    "end": _("ended the event"),
    "clock": _("changed the clock"),
    "answer-show": _("approved an answer"),
    "answer-hide": _("hid an answer"),
    "question-show": _("showed a question"),
    "question-hide": _("hid a question"),
    "question-answering": _("marked a question being answered"),
    "question-answered": _("marked a question answered"),
    "question-pin": _("pinned a question"),
    "question-unpin": _("unpinned a question"),
    "player-remove": _("removed a player"),
    "players-remove": _("removed players at once"),
}


class ControlRecord(models.Model):
    """Who did what with a poll's or an event's controls, and when: the owner reads it
    beside Django's own edit history (the admin's History page)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=24)
    # What it acted on, as the presenter saw it: a question's number, an answer's text.
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("date/time"), auto_now_add=True)

    class Meta:
        verbose_name = _("control action")
        verbose_name_plural = _("control actions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.action_name}"

    @property
    def action_name(self) -> str:
        return str(CONTROL_NAMES.get(self.action, self.action))
