from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from polls.models import ANSWER_MAX_LENGTH, Option, Poll


class OptionTally(models.Model):
    """How many voters of a round currently choose an option (a ranking: its Borda points);
    kept by the ingest, with the votes. A finished round's tallies stay: its final results.
    """

    option = models.ForeignKey(
        Option, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("option")
    )
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="option_tallies", verbose_name=_("poll")
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    votes = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        verbose_name = _("option tally")
        verbose_name_plural = _("option tallies")
        constraints = [
            models.UniqueConstraint(fields=["option", "round"], name="one_tally_per_option_round"),
            models.CheckConstraint(condition=Q(votes__gte=0), name="tally_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.option} (round {self.round}): {self.votes}"


class PollTally(models.Model):
    """A poll's results version: bumped in the same transaction as the tallies it describes."""

    poll = models.OneToOneField(
        Poll, on_delete=models.CASCADE, primary_key=True, related_name="tally",
        verbose_name=_("poll"),
    )  # fmt: skip
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("poll tally")
        verbose_name_plural = _("poll tallies")

    def __str__(self) -> str:
        return f"{self.poll} v{self.version}"


class RoundTally(models.Model):
    """How many voters have a vote in a poll's round; kept by the ingest, with the votes."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="round_tallies", verbose_name=_("poll")
    )
    round = models.PositiveIntegerField(_("round"), default=1)
    voters = models.PositiveIntegerField(_("voters"), default=0)

    class Meta:
        verbose_name = _("round tally")
        verbose_name_plural = _("round tallies")
        constraints = [
            models.UniqueConstraint(fields=["poll", "round"], name="one_tally_per_poll_round"),
        ]

    def __str__(self) -> str:
        return f"{self.poll} (round {self.round}): {self.voters} voters"


class TermTally(models.Model):
    """How many voters of an open poll's round gave a term (a word, or a short answer as
    one phrase) in their shown answers: the word cloud. Kept by the ingest with the
    answers, and by the moderation as it hides and shows them."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="term_tallies", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"), default=1)
    term = models.CharField(_("term"), max_length=ANSWER_MAX_LENGTH)
    voters = models.PositiveIntegerField(_("voters"), default=0)

    class Meta:
        verbose_name = _("term tally")
        verbose_name_plural = _("term tallies")
        constraints = [
            models.UniqueConstraint(fields=["poll", "round", "term"], name="one_tally_per_term"),
        ]
        indexes = [models.Index(fields=["poll", "round", "-voters"], name="terms_most_given")]

    def __str__(self) -> str:
        return f"{self.term} (round {self.round}): {self.voters}"


class Seal(models.Model):
    """A closed poll's log once every cast taken before its close is counted: its
    fingerprint, kept and shown from then on (tally/audit.py)."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="seals", db_index=False,
        verbose_name=_("poll"),
    )  # fmt: skip
    round = models.PositiveIntegerField(_("round"))
    # The close it seals, on Redis's clock (Poll.closed_ms): a poll opened and closed
    # again has a new log, and a new seal.
    closed_ms = models.BigIntegerField(_("closed at (Redis's milliseconds)"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    casts = models.PositiveIntegerField(_("casts logged"))
    sealed_at = models.DateTimeField(_("sealed"), auto_now_add=True)

    class Meta:
        verbose_name = _("sealed log")
        verbose_name_plural = _("sealed logs")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "round", "closed_ms"], name="one_seal_per_close"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.poll} (round {self.round}): {self.fingerprint[:8]}"
