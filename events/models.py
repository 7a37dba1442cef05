"""Events: many questions (polls) under one join code, which the audience follows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from polls.models import JOIN_CODE_LENGTH, Host, Poll, join_code_new, scored_in_quiz


def retention_days_check(days: int | None) -> None:
    """An event's own retention: at least a day, and no longer than the server's."""
    most = settings.VOTING_RETENTION_DAYS
    if days is not None and not 1 <= days <= most:
        raise ValidationError(
            _("Choose from 1 to %(most)d days (the server's setting).") % {"most": most}
        )


class Event(models.Model):
    """A session of questions: one code for all of them, and the presenter moving through
    them (or, in a survey, each voter at their own pace)."""

    class Pace(models.TextChoices):
        PRESENTER = "presenter", _("the presenter's: everyone on the question shown")
        AUDIENCE = "audience", _("each voter's own: a survey")

    class Mode(models.TextChoices):
        POLLS = "polls", _("polls: nothing is scored")
        QUIZ = "quiz", _("quiz: players, points, a leaderboard")

    class Participation(models.TextChoices):
        ANONYMOUS = "anonymous", _("anonymous: each browser takes part")
        NAMED = "named", _("named: each person types their name on joining")
        SIGNED_IN = "signed-in", _("signed in: each person signs in through the institution")

    class Stage(models.TextChoices):
        LOBBY = "lobby", _("lobby")
        QUESTION = "question", _("question")
        LEADERBOARD = "leaderboard", _("leaderboard")
        ENDED = "ended", _("ended")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    code = models.CharField(
        pgettext_lazy("event", "join code"),
        max_length=JOIN_CODE_LENGTH,
        unique=True,
        default=join_code_new,
        editable=False,
        help_text=_("People join at /j/ followed by this code. It is made with the event."),
    )
    pace = models.CharField(_("pace"), max_length=10, choices=Pace, default=Pace.PRESENTER)
    opens_questions = models.BooleanField(
        _("moving on opens and closes"),
        default=True,
        help_text=_("Moving to a question opens it, and closes the one left."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode, default=Mode.POLLS)
    speed = models.BooleanField(
        _("points for speed"),
        default=True,
        help_text=_("A quiz: a right answer earns 1,000 points at once, falling to 500 at the "
                    "deadline. Untick for 1,000 for every right answer, where speed is unfair."),
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(
        _("current question"),
        null=True,
        blank=True,
        help_text=_("The question shown, from 1. Empty: the lobby, or the end."),
    )
    ended = models.BooleanField(_("ended"), default=False)
    leaderboard = models.BooleanField(
        _("leaderboard on the projector"),
        default=False,
        help_text=_("A quiz: the presenter shows the leaderboard after the question."),
    )
    leaderboard_shown = models.BooleanField(
        _("leaderboard public"),
        default=False,
        help_text=_("Set once the presenter first shows it: then anyone may read it."),
    )
    participation = models.CharField(
        _("who takes part"),
        max_length=10,
        choices=Participation,
        default=Participation.ANONYMOUS,
        help_text=_(
            "Named or signed in: each person joins before answering, and the gradebook "
            "lists who answered what. Only the owner and hosts see their names."
        ),
    )
    participants_may_erase = models.BooleanField(
        _("participants may erase their answers"),
        default=True,
        help_text=_(
            "A named or signed-in participant sees what the event keeps about them; "
            "ticked, they may also erase it, and their answers leave the results."
        ),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep who answered for (days)"),
        null=True,
        blank=True,
        validators=[retention_days_check],
        help_text=_(
            "Days after the last answer until what links answers to people is removed; "
            "the counts stay. Empty: the server's setting. Only a shorter time is taken."
        ),
    )
    purged_at = models.DateTimeField(
        _("links to people removed"), null=True, blank=True, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events_owned",
        verbose_name=_("owner"),
        help_text=_(
            "Who made it: they may edit, present and delete it, and choose its hosts. "
            "With no owner, only superusers may."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def stage(self) -> Event.Stage:
        if self.ended:
            return self.Stage.ENDED
        if self.position is None:
            return self.Stage.LOBBY
        return self.Stage.LEADERBOARD if self.leaderboard else self.Stage.QUESTION

    @property
    def is_quiz(self) -> bool:
        return self.mode == self.Mode.QUIZ

    @property
    def identifies(self) -> bool:
        """Whether its participants join as people (named or signed in), not browsers."""
        return self.participation != self.Participation.ANONYMOUS

    def clean(self) -> None:
        signs_in = self.participation == self.Participation.SIGNED_IN
        if signs_in and not settings.VOTING_OIDC_ISSUER:
            message = _("This server signs no one in through an institution "
                        "(VOTING_OIDC_ISSUER is not set): choose named.")  # fmt: skip
            raise ValidationError({"participation": message})

    def polls(self) -> list[Poll]:
        """The event's questions, in order."""
        return [question.poll for question in self.questions.select_related("poll")]

    def scores(self, poll: Poll) -> bool:
        """Whether the poll is one of the quiz's scored questions: timed, and answered by
        players for points. In a quiz, a question with a right answer is; the others
        (opinions, word clouds, Q&A, ratings) are asked as in any event, as set. The rule
        is polls.models.scored_in_quiz, which the vote path reads too."""
        return self.is_quiz and Poll.objects.filter(scored_in_quiz(), pk=poll.pk).exists()


class EventQuestion(models.Model):
    """A poll's place in an event. A poll is in one event at most."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event")
    )
    poll = models.OneToOneField(
        Poll, on_delete=models.CASCADE, related_name="event_question", verbose_name=_("poll")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Questions come in this order.")
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.poll.question


# The longest nickname a player may choose, and the longest name a participant of a
# named event may type.
NICKNAME_MAX_LENGTH = 20
NAME_MAX_LENGTH = 60
# The longest name kept for a participant (a signed-in one's is the provider's).
PARTICIPANT_NAME_MAX_LENGTH = 150


class Player(models.Model):
    """A participant of an event: a quiz's player with a nickname, or anyone in an event
    whose participants are named or signed in. Their voter key (as votes hold it) is the
    participant: a browser's cookie, or for a signed-in person one key made from their
    account, whichever device they join from (events/participants.py). A reload or a
    new visit keeps the name and the score (the sum of their votes' points)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="players", verbose_name=_("event")
    )
    voter = models.CharField(_("voter"), max_length=64)
    nickname = models.CharField(_("name"), max_length=PARTICIPANT_NAME_MAX_LENGTH)
    # What the nickname looks like (events/nicknames.py): unique in the event, so no two
    # players read alike on the leaderboard. A signed-in person's is their account's.
    nickname_key = models.CharField(_("name's look"), max_length=4 * PARTICIPANT_NAME_MAX_LENGTH)
    # A signed-in participant's account and the address the provider gave.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("account"),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    removed = models.BooleanField(
        _("removed"), default=False, help_text=_("Taken off the leaderboard by the presenter.")
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("player")
        verbose_name_plural = _("players")
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "voter"], name="one_player_per_browser"),
            models.UniqueConstraint(
                fields=["event", "nickname_key"], name="one_look_of_nickname_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.nickname


class EventHost(Host):
    """A host of an event, and so of each of its questions."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="hosts", verbose_name=_("event")
    )

    class Meta(Host.Meta):
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_host_once"),
        ]


class Deck(models.Model):
    """A PDF a presenter uploaded to an event: the worker makes each of its pages a slide
    (events/decks.py), in order, at `at` (or after the last item), and counts them here
    as it goes."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for the worker")
        RENDERING = "rendering", _("making the slides")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="decks", verbose_name=_("event")
    )
    file = models.FileField(_("PDF"), upload_to="decks/", max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    at = models.PositiveSmallIntegerField(
        _("at position"),
        null=True,
        blank=True,
        help_text=_("Where its first page goes among the event's items; empty: after the last."),
    )
    pages = models.PositiveSmallIntegerField(_("pages"), default=0)
    done = models.PositiveSmallIntegerField(_("slides made"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.WAITING)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("PDF deck")
        verbose_name_plural = _("PDF decks")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name or self.file.name or ""
