"""What tally adds to the admin: each round's results on a poll's page, open answers to
show or hide (the word cloud follows), and the worker's queues (django-rq's dashboard)
for those allowed to run them.

polls knows nothing of tallies (tally builds on it), so its admin of polls
(polls/admin.py) is registered again here with the results added.

The dashboard:

Emptying a queue or requeuing a job changes what the worker does, so the dashboard
asks more than staff status, which is all django-rq asks: django-rq's own
permission, "Access admin page" (`django_rq.admin`), which superusers have and an
administrator can give. It is served at /admin/rq/ (voting_site/urls.py) and linked
from the admin's index for those who have it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_rq.models import Dashboard
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns

from polls.admin import PollAdmin, RunByAdmin
from polls.models import Answer, Poll, Question
from polls.services import control_record
from tally.moderation import answers_moderate, questions_moderate
from tally.selectors import rounds_for, terms_for

DASHBOARD_PERMISSION = "django_rq.admin"


class PollResultsAdmin(PollAdmin):
    """The polls' admin with every round's results, below the poll's round."""

    readonly_fields = [*PollAdmin.readonly_fields, "rounds"]
    fields = PollAdmin.fields.copy()
    fields.insert(fields.index("round") + 1, "rounds")
    not_yet = {*PollAdmin.not_yet, "rounds"}

    @admin.display(description=_("results by round"))
    def rounds(self, poll: Poll) -> str:
        """Every round's results; a finished round's are its final ones."""
        if poll.pk is None:
            return "—"
        lines = [
            _("Round %(round)d: %(votes)s (%(options)s)")
            % {
                "round": results["round"],
                "votes": ngettext("%(n)d vote", "%(n)d votes", results["total"])
                % {"n": results["total"]},
                "options": ", ".join(f"{o['label']} {o.get('votes')}" for o in results["options"])
                or ", ".join(
                    f"{t['term']} {t['count']}" for t in terms_for(poll, results["round"], limit=5)
                ),
            }
            for results in rounds_for(poll=poll)
        ]
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))


admin.site.unregister(Poll)
admin.site.register(Poll, PollResultsAdmin)


class TypedAdmin(RunByAdmin):
    """What the audience typed (open answers, a Q&A's questions): to read and moderate,
    never to edit or add. Whoever may change polls may moderate, as on the remote: those
    of the polls they run."""

    poll_field = "poll"

    search_fields = ["text", "poll__question", "poll__slug"]
    list_select_related = ["poll"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("polls.change_poll")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("polls.change_poll")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("polls.change_poll")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Answer)
class AnswerAdmin(TypedAdmin):
    """Open answers, to show or hide; the word cloud follows."""

    list_display = ["text", "poll", "round", "state", "cast_at"]
    list_filter = ["state", "round"]
    fields = readonly_fields = ("text", "poll", "round", "state", "cast_at")
    actions = ["show_answers", "hide_answers"]

    def _moderate(self, request: HttpRequest, answers: QuerySet[Answer], action: str) -> None:
        chosen = list(answers.select_related("poll"))
        changed = answers_moderate(answer_ids=[answer.pk for answer in chosen], action=action)
        for answer in chosen:
            control_record(by=request.user, thing=answer.poll, action=f"answer-{action}",
                           detail=answer.text)  # fmt: skip
        self.message_user(
            request,
            ngettext("%(n)d answer changed.", "%(n)d answers changed.", changed) % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Show (approve) the selected answers"), permissions=["change"])
    def show_answers(self, request: HttpRequest, answers: QuerySet[Answer]) -> None:
        self._moderate(request, answers, "show")

    @admin.action(description=_("Hide the selected answers"), permissions=["change"])
    def hide_answers(self, request: HttpRequest, answers: QuerySet[Answer]) -> None:
        self._moderate(request, answers, "hide")


def may_run_the_queues(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.has_perm(DASHBOARD_PERMISSION)


def dashboard_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A dashboard view behind the admin's sign-in, then the dashboard's permission (403)."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_run_the_queues(request):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


def dashboard_urlpatterns() -> list[URLPattern]:
    """Every page of django-rq's dashboard, its JSON and metrics too, behind `dashboard_only`."""
    return [
        URLPattern(pattern.pattern, dashboard_only(pattern.callback), name=pattern.name)
        for pattern in get_api_urlpatterns()
    ] + get_admin_urlpatterns(view_wrapper=dashboard_only)


@admin.register(Dashboard)
class QueuesAdmin(admin.ModelAdmin):
    """The admin index's link to the dashboard, shown to those who may use it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_run_the_queues(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_run_the_queues(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseRedirect:
        if not may_run_the_queues(request):
            raise PermissionDenied
        return redirect("django_rq:home")


@admin.register(Question)
class QuestionAdmin(TypedAdmin):
    """A Q&A's questions, to read and to show, hide or mark answered; never edited."""

    list_display = ["text", "name", "poll", "round", "upvotes", "state", "pinned", "asked_at"]
    list_filter = ["state", "pinned", "round"]
    fields = readonly_fields = (
        "text", "name", "poll", "round", "upvotes", "state", "pinned", "asked_at",
    )  # fmt: skip
    actions = ["show_questions", "hide_questions", "mark_answered"]

    def _move(self, request: HttpRequest, questions: QuerySet[Question], action: str) -> None:
        chosen = list(questions.select_related("poll"))
        changed = questions_moderate(question_ids=[q.pk for q in chosen], action=action)
        for question in chosen:
            control_record(by=request.user, thing=question.poll, action=f"question-{action}",
                           detail=question.text)  # fmt: skip
        self.message_user(
            request,
            ngettext("%(n)d question changed.", "%(n)d questions changed.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Show (approve) the selected questions"), permissions=["change"])
    def show_questions(self, request: HttpRequest, questions: QuerySet[Question]) -> None:
        self._move(request, questions, "show")

    @admin.action(description=_("Hide the selected questions"), permissions=["change"])
    def hide_questions(self, request: HttpRequest, questions: QuerySet[Question]) -> None:
        self._move(request, questions, "hide")

    @admin.action(description=_("Mark the selected questions answered"), permissions=["change"])
    def mark_answered(self, request: HttpRequest, questions: QuerySet[Question]) -> None:
        self._move(request, questions, "answered")
