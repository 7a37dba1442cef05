from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class Poll(models.Model):
    """A question with two or more options, open for votes or not."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        SCHEDULED = "scheduled", "not open yet"
        CLOSED = "closed", "closed"

    slug = models.SlugField(max_length=60, unique=True)
    question = models.CharField(max_length=200)
    is_open = models.BooleanField(
        "open", default=True, help_text="Untick to close the poll now, whatever its times say."
    )
    opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty to accept votes from now on."
    )
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty to keep it open."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
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
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    slug = models.SlugField(max_length=60)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0, help_text="Options show in this order.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "slug"], name="option_slug_unique_in_poll"),
            # Target of the votes' (poll, option) foreign key: a vote's option is of its poll.
            models.UniqueConstraint(fields=["poll", "id"], name="option_poll_id_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    """A voter's current choice in a poll: one row per voter per poll, the latest cast."""

    # Both columns are checked by one foreign key on the pair (migration 0001:
    # the option must be one of the poll's), so these two need none of their own:
    # one check per vote instead of three, on the worker's hot path. Nor does the
    # poll need an index of its own: the unique (poll, voter) one serves it.
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="votes", db_constraint=False, db_index=False
    )
    option = models.ForeignKey(
        Option, on_delete=models.CASCADE, related_name="votes", db_constraint=False
    )
    # A keyed hash (HMAC) of the voter's cookie token, never the token itself:
    # a leaked table cannot be replayed as cookies to change anyone's vote.
    voter = models.CharField(max_length=64)
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="one_vote_per_voter_per_poll"),
        ]

    def __str__(self) -> str:
        return f"{self.voter[:8]}… → {self.option_id}"
