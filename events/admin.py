from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.decks import DeckError, deck_pages
from events.jobs import deck_queue
from events.models import Deck, Event, EventHost, EventQuestion
from events.rules import events_run_by
from events.services import event_duplicate, event_reset_all, quiz_questions_prepare
from polls.admin import FollowsItsParent, HostsInline, RulesAdmin
from polls.services import control_record


class QuestionInline(FollowsItsParent, admin.TabularInline):
    model = EventQuestion
    parent_permission = "events.change_event"
    fields = ["position", "poll"]
    autocomplete_fields = ["poll"]
    extra = 0


class DeckForm(forms.ModelForm):
    """A PDF to make slides of: checked here (a PDF, not encrypted, not too many pages),
    rendered by the worker once the event is saved."""

    class Meta:
        model = Deck
        fields = ["file", "at"]
        widgets = {"file": forms.FileInput(attrs={"accept": "application/pdf"})}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload and not self.instance.pk:
            try:
                deck_pages(upload.read())
            except DeckError as error:
                raise forms.ValidationError(str(error)) from None
            upload.seek(0)
            self.instance.name = upload.name[:200]  # as the presenter knows it
        return upload


class DeckInline(FollowsItsParent, admin.TabularInline):
    """The event's PDF decks: a new one is made into slides by the worker; each says how
    far it has come (reload the page to see it move)."""

    model = Deck
    form = DeckForm
    parent_permission = "events.change_event"
    fields = ["file", "at", "progress"]
    readonly_fields = ["progress"]
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a deck is made, not edited: upload another

    @admin.display(description=_("slides"))
    def progress(self, deck: Deck) -> str:
        if deck.pk is None:
            return "—"
        if deck.state == Deck.State.FAILED:
            return f"{deck.get_state_display()}: {deck.message}"
        return _("%(done)d of %(pages)d (%(state)s)") % {
            "done": deck.done,
            "pages": deck.pages or 0,
            "state": deck.get_state_display(),
        }


class EventHostInline(HostsInline):
    model = EventHost
    parent_permission = "events.host_event"


@admin.register(Event)
class EventAdmin(RulesAdmin):
    list_display = ["title", "pages", "code", "pace", "stage", "questions_count"]
    list_filter = ["pace", "mode"]
    search_fields = ["title", "slug", "code"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["code", "position", "ended", "pages", "created_at", "updated_at"]
    fields = ["title", "slug", "code", "pace", "opens_questions", "mode", "speed",
              "participation", "participants_may_erase", "retention_days", "position",
              "ended", "pages", "created_at", "updated_at"]  # fmt: skip
    # Until it is saved, an event has no code (one shown would not be the one it gets).
    not_yet = {"code", "position", "ended", "pages", "created_at", "updated_at"}
    inlines = [QuestionInline, DeckInline, EventHostInline]
    actions = ["duplicate_events", "reset_events"]

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        if not change and obj.owner_id is None:
            obj.owner_id = request.user.pk  # who makes it owns it (polls/rules.py)
        super().save_model(request, obj, form, change)

    def get_fields(self, request: HttpRequest, obj: Event | None = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        return fields if obj is not None else [f for f in fields if f not in self.not_yet]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """A new deck's file saved, its slides asked of the worker."""
        super().save_formset(request, form, formset, change)
        if formset.model is Deck:
            for deck in formset.new_objects:
                deck_queue(deck.pk)
                self.message_user(request, _(
                    "The worker is making the slides of %(name)s: reload the page to see "
                    "how far it has come."
                ) % {"name": deck.name}, messages.INFO)  # fmt: skip

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A quiz's scored questions, as saved: each not yet shown is closed until shown,
        its results withheld until its time is up; the presenter is told which they are."""
        super().save_related(request, form, formsets, change)
        event = form.instance
        if not event.is_quiz:
            return
        scored = quiz_questions_prepare(event)
        if scored:
            said = ngettext(
                "Question %(numbers)s has a right answer: it is timed and scored, closed "
                "until shown, and its results wait until its time is up.",
                "Questions %(numbers)s have a right answer: each is timed and scored, "
                "closed until shown, and its results wait until its time is up.",
                len(scored),
            ) % {"numbers": ", ".join(map(str, scored))}
            others = gettext("The other questions are asked as in any event.")
            said = f"{said} {others}"
            self.message_user(request, said, messages.INFO)
        else:
            self.message_user(
                request,
                _(
                    "No question of this quiz has a right answer yet: mark one in each question "
                    "to time and score it."
                ),
                messages.WARNING,
            )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        """Only the events the user runs (events/rules.py): another's is "not found"."""
        runs = events_run_by(request.user)
        return super().get_queryset(request).filter(runs).prefetch_related("questions")

    def controlled(self, obj: Event) -> list[Any]:
        """An event's history of controls holds its questions' too (answers hidden, …)."""
        return [obj, *(place.poll for place in obj.questions.select_related("poll"))]

    @admin.display(description=_("questions"))
    def questions_count(self, event: Event) -> int:
        return len(event.questions.all())

    @admin.display(description=_("stage"))
    def stage(self, event: Event) -> str:
        return str(event.stage.label)

    @admin.display(description=_("pages"))
    def pages(self, event: Event) -> str:
        if event.pk is None:
            return "—"
        links = [
            (reverse("events:present", kwargs={"slug": event.slug}), _("projector")),
            (reverse("events:remote", kwargs={"slug": event.slug}), _("remote")),
            (event.get_absolute_url(), _("audience")),
            (reverse("events:report", kwargs={"slug": event.slug}), _("report")),
            (reverse("events:results-csv", kwargs={"slug": event.slug}), _("results CSV")),
        ]
        if event.is_quiz:
            links.append(
                (reverse("events:players-csv", kwargs={"slug": event.slug}), _("players CSV"))
            )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.action(description=_("Duplicate the selected events (their polls too, no votes)"))
    def duplicate_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            event_duplicate(event=event, owner=request.user)
        done = ngettext("Duplicated %(n)d event.", "Duplicated %(n)d events.", len(queryset))
        self.message_user(request, done % {"n": len(queryset)}, messages.SUCCESS)

    @admin.action(description=_("Start a new round of every question of the selected events"))
    def reset_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            event_reset_all(event=event)
            control_record(by=request.user, thing=event, action="reset")
        done = ngettext(
            "Started a new round of every question of %(n)d event.",
            "Started a new round of every question of %(n)d events.",
            len(queryset),
        )
        self.message_user(request, done % {"n": len(queryset)}, messages.SUCCESS)
