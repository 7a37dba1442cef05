"""Events: many questions (polls) under one join code, which the audience follows."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from polls.models import JOIN_CODE_LENGTH, Poll, join_code_new


class Event(models.Model):
    """A session of questions: one code for all of them, and the presenter moving through
    them (or, in a survey, each voter at their own pace)."""

    class Pace(models.TextChoices):
        PRESENTER = "presenter", _("the presenter's: everyone on the question shown")
        AUDIENCE = "audience", _("each voter's own: a survey")

    class Stage(models.TextChoices):
        LOBBY = "lobby", _("lobby")
        QUESTION = "question", _("question")
        ENDED = "ended", _("ended")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    code = models.CharField(
        _("join code"),
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
    position = models.PositiveSmallIntegerField(
        _("current question"),
        null=True,
        blank=True,
        help_text=_("The question shown, from 1. Empty: the lobby, or the end."),
    )
    ended = models.BooleanField(_("ended"), default=False)
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
        return self.Stage.LOBBY if self.position is None else self.Stage.QUESTION

    def polls(self) -> list[Poll]:
        """The event's questions, in order."""
        return [question.poll for question in self.questions.select_related("poll")]


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
