from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from polls.models import Option, Poll, Vote
from polls.services import poll_close, poll_open


class OptionInline(admin.TabularInline):
    model = Option
    fields = ["label", "slug", "position"]
    prepopulated_fields = {"slug": ["label"]}
    extra = 0
    min_num = 2

    def get_formset(self, request: HttpRequest, obj: Poll | None = None, **kwargs: Any) -> Any:
        # A poll needs two options; the admin shows two rows but checks nothing by itself.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = [
        "question",
        "slug",
        "state",
        "is_open",
        "opens_at",
        "closes_at",
        "vote_count",
        "pages",
    ]
    list_filter = ["is_open"]
    search_fields = ["question", "slug"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["created_at", "updated_at"]
    fields = ["question", "slug", "is_open", "opens_at", "closes_at", "created_at", "updated_at"]
    inlines = [OptionInline]
    actions = ["open_polls", "close_polls"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Poll]:
        return super().get_queryset(request).annotate(vote_total=Count("votes"))

    @admin.display(description="state")
    def state(self, poll: Poll) -> str:
        return poll.state_at().label

    @admin.display(description="votes", ordering="vote_total")
    def vote_count(self, poll: Poll) -> int:
        return poll.vote_total  # type: ignore[attr-defined]

    @admin.display(description="public pages")
    def pages(self, poll: Poll) -> str:
        results = reverse("tally:results", kwargs={"slug": poll.slug})
        return format_html(
            '<a href="{}">vote</a> · <a href="{}">results</a>', poll.get_absolute_url(), results
        )

    @admin.action(description="Open the selected polls")
    def open_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        for poll in queryset:
            poll_open(poll=poll)
        self.message_user(request, f"Opened {len(queryset)} poll(s).", messages.SUCCESS)

    @admin.action(description="Close the selected polls")
    def close_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        for poll in queryset:
            poll_close(poll=poll)
        self.message_user(request, f"Closed {len(queryset)} poll(s).", messages.SUCCESS)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes come only from voters, through the worker: here they can be read, not changed."""

    list_display = ["poll", "option", "voter_short", "cast_at"]
    list_filter = ["poll"]
    list_select_related = ["poll", "option"]
    date_hierarchy = "cast_at"

    @admin.display(description="voter (keyed hash)")
    def voter_short(self, vote: Vote) -> str:
        return f"{vote.voter[:12]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
