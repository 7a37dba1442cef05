from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from polls.invites import MAX_INVITES_AT_ONCE, invites_make
from polls.kinds import KINDS, kind_of
from polls.models import PROJECTOR_OPTIONS, Invite, Option, Poll, PollHost, Vote
from polls.pictures import PictureError, Processed, picture_read, picture_store
from polls.rules import polls_run_by
from polls.selectors import controls_of, user_named
from polls.services import (
    PollError,
    choices_check,
    control_record,
    correct_check,
    poll_control,
    poll_duplicate,
    scale_options,
    scale_options_sync,
    slug_for,
)


class WithPicture(forms.ModelForm):
    """A form whose question or option may carry an image: an upload (read and written
    again by polls/pictures.py, refused with its reason), the image's description, which
    an image needs, and a box to take it off."""

    image_file = forms.FileField(
        label=_("image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    image_remove = forms.BooleanField(label=_("take the image off"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.processed: Processed | None = None
        self.fields["image_file"].help_text = _(
            "JPEG, PNG, WebP or GIF, at most %(n)d MB. It is stored without its metadata "
            "(location, camera), at most 1920 pixels wide or high."
        ) % {"n": settings.VOTING_IMAGE_MAX_MB}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("image_file")
        if upload:
            try:
                self.processed = picture_read(upload)
            except PictureError as error:
                self.add_error("image_file", str(error))
                return data
        kept = self.instance.image_id is not None and not data.get("image_remove")
        if (self.processed is not None or kept) and not (data.get("image_alt") or "").strip():
            self.add_error(
                "image_alt",
                _("Describe the image for people who cannot see it: what matters in it here."),
            )
        return data

    def save(self, commit: bool = True) -> Any:
        if self.processed is not None:
            self.instance.image = picture_store(self.processed)
        elif self.cleaned_data.get("image_remove"):
            self.instance.image, self.instance.image_alt = None, ""
        return super().save(commit)


class PollForm(WithPicture):
    """The poll's own fields: a slug made from the question when left empty, and a
    rating's scale checked as `createpoll` checks it."""

    class Meta:
        model = Poll
        fields = [
            "question", "slug", "kind", "min_choices", "max_choices", "scale_min", "scale_max",
            "scale_min_label", "scale_max_label", "voters_may_change", "receipts",
            "requires_invite",
            "voters_per_address", "is_open", "opens_at", "closes_at", "results_visibility",
            "results_shown", "max_length", "answers_per_voter", "moderation", "masks_profanity",
            "seconds", "image_alt", "body", "notes", "shown_on_phones",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:  # not on a read-only page (a moderator's)
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leave it empty to make one from the question.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("question"):
            data["slug"] = slug_for(data["question"])
            if not data["slug"]:
                self.add_error("slug", _("Give the poll a slug: its question makes none."))
        if data.get("kind") in KINDS and kind_of(data["kind"]).scaled:
            try:
                scale_options(data.get("scale_min", 1), data.get("scale_max", 5))
            except PollError as error:
                self.add_error("scale_max", str(error))
        return data


class OptionForm(WithPicture):
    """An option: a slug made from its label when left empty, in any script."""

    class Meta:
        model = Option
        fields = ["label", "slug", "position", "correct", "image_alt"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("label"):
            data["slug"] = slug_for(data["label"]) or f"option-{(data.get('position') or 0) + 1}"
        return data


class OptionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """Two options or more, as many as the poll asks to choose or rank; a rating makes
        its own options, one per score; open answers and Q&As have none."""
        super().clean()
        poll = self.instance
        if kind_of(poll.kind).scaled:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if not kind_of(poll.kind).has_options:
            if kept:
                raise ValidationError(
                    _("Open answers, Q&As and slides take no options: remove these.")
                )
            return
        if len(kept) < 2:
            raise ValidationError(_("A poll needs at least two options."))
        try:
            choices_check(poll.kind, poll.min_choices, poll.max_choices, len(kept))
            correct_check(
                poll.kind,
                [form.cleaned_data["slug"] for form in kept if form.cleaned_data.get("correct")],
                [form.cleaned_data["slug"] for form in kept],
            )
        except PollError as error:
            raise ValidationError(str(error)) from None


class FollowsItsParent:
    """An inline that may be changed where its poll or event may be: a moderator's
    read-only page shows its rows read only too."""

    parent_permission = "polls.change_poll"

    def _may(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or request.user.has_perm(self.parent_permission, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def thumbnail(thing: Poll | Option) -> str:
    """The admin's small view of a question's or an option's image."""
    if thing.image is None:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" class="admin-thumbnail" width="120">',
        thing.image.small.url,
        thing.image_alt,
    )


def _uploads_if_editable(fields: Any, editable: bool) -> list[Any]:
    """A read-only page (a moderator's) shows the image, not the upload's fields."""
    uploads = {"image_file", "image_remove"}
    return [f for f in fields if editable or f not in uploads]


class HostForm(forms.ModelForm):
    """A host, named as the owner knows them: a user name or an e-mail address (no list of
    the server's accounts is shown to pick from)."""

    person = forms.CharField(label=_("user name or e-mail"), max_length=254)

    class Meta:
        fields = ["person", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["person"].initial = self.instance.user.get_username()

    def clean_person(self) -> Any:
        name = self.cleaned_data["person"].strip()
        user = user_named(name)
        if user is None:
            raise ValidationError(
                _("No account here has the user name or e-mail “%(name)s”."), params={"name": name}
            )
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = cleaned.get("person")
        owner_id = getattr(self.parent(), "owner_id", None)
        if user is not None and owner_id is not None and user.pk == owner_id:
            self.add_error("person", _("%(user)s owns it already.") % {"user": user.get_username()})
        return cleaned

    def parent(self) -> Any:
        """The poll or event this host is of (the inline formset sets its id), or None
        on an add page."""
        name = "poll" if hasattr(self.instance, "poll_id") else "event"
        return getattr(self.instance, name, None)

    def save(self, commit: bool = True) -> Any:
        self.instance.user = self.cleaned_data["person"]
        return super().save(commit)


class HostsInline(FollowsItsParent, admin.TabularInline):
    """The owner's choice of hosts (polls/rules.py): others see them, read only."""

    form = HostForm
    extra = 0
    verbose_name = _("host")
    verbose_name_plural = _("hosts: who else runs it, and how")


class PollHostInline(HostsInline):
    model = PollHost
    parent_permission = "polls.host_poll"


class OptionInline(FollowsItsParent, admin.TabularInline):
    model = Option
    form = OptionForm
    formset = OptionFormSet
    fields = ["label", "slug", "position", "correct", "image_shown", "image_file", "image_alt",
              "image_remove"]  # fmt: skip
    readonly_fields = ["image_shown"]
    prepopulated_fields = {"slug": ["label"]}
    # Two empty rows to fill on a new poll, but none required by the formset: a rating
    # has none (its options are its scores); OptionFormSet.clean asks the choice kinds
    # for two.
    min_num = 0

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return _uploads_if_editable(super().get_fields(request, obj), self._may(request, obj))

    @admin.display(description=_("image"))
    def image_shown(self, option: Option) -> str:
        return thumbnail(option)

    def get_extra(self, request: HttpRequest, obj: Poll | None = None, **kwargs: Any) -> int:
        return 2 if obj is None else 0


def _count(rows: QuerySet[Any]) -> Coalesce:
    """How many of `rows` are the poll's, as a subquery of the poll list."""
    per_poll = rows.filter(poll=OuterRef("pk")).values("poll").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(per_poll), 0)


class RunByAdmin(admin.ModelAdmin):
    """An admin of polls, or of what belongs to a poll (`poll_field`), that holds only what
    the user runs (polls/rules.py): its list, search, filters, change pages, actions and
    autocompletes. Another's is "not found", as the admin says of what its list lacks."""

    poll_field = ""  # the model's way to its poll; "" for a poll itself

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        runs = polls_run_by(request.user)
        if not self.poll_field:
            return queryset.filter(runs)
        return queryset.filter(**{f"{self.poll_field}__in": Poll.objects.filter(runs)})


class RulesAdmin(admin.ModelAdmin):
    """An admin whose pages ask each object's own rule (polls/rules.py, events/rules.py):
    `<app>.view_<model>`, `change_`, `delete_` with the object; a moderator's page is
    read only. Without an object (the list, the add page) the model permissions answer."""

    def _may(self, request: HttpRequest, action: str, obj: Any) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{action}_{self.opts.model_name}", obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_view_permission(request)
        return self._may(request, "view", obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return self._may(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return self._may(request, "delete", obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The list's delete: every one chosen must be the user's to delete."""
        if not all(self._may(request, "delete", obj) for obj in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    # Its History page: Django's edits, then who used the controls (polls.ControlRecord).
    object_history_template = "admin/history_with_controls.html"

    def controlled(self, obj: Any) -> list[Any]:
        """What the object's history of controls covers: the object itself."""
        return [obj]

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        may = obj is not None and self.has_view_or_change_permission(request, obj)
        controls = controls_of(self.controlled(obj)) if may else []
        return super().history_view(
            request, object_id, {**(extra_context or {}), "controls": controls}
        )


@admin.register(Poll)
class PollAdmin(RulesAdmin, RunByAdmin):
    form = PollForm
    # Narrow enough for 1280 px: the presenter's links first among the poll's pages.
    list_display = ["question", "pages", "code", "kind", "state", "vote_count", "invites_used"]
    list_filter = ["kind", "is_open", "results_visibility"]
    search_fields = ["question", "slug", "code"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["code", "round", "pages", "image_shown", "created_at", "updated_at"]
    fields = [
        "question",
        "slug",
        "code",
        "kind",
        ("min_choices", "max_choices"),
        ("scale_min", "scale_max"),
        ("scale_min_label", "scale_max_label"),
        ("max_length", "answers_per_voter"),
        "moderation",
        "masks_profanity",
        "seconds",
        "body",
        "notes",
        "shown_on_phones",
        "voters_may_change",
        "receipts",
        "requires_invite",
        "voters_per_address",
        "is_open",
        "opens_at",
        "closes_at",
        "results_visibility",
        "results_shown",
        "image_shown",
        "image_file",
        "image_alt",
        "image_remove",
        "round",
        "pages",
        "created_at",
        "updated_at",
    ]
    inlines = [OptionInline, PollHostInline]
    # Until it is saved, a poll has no code (one shown would not be the one it gets), no
    # round and no pages.
    not_yet = {"code", "round", "pages", "created_at", "updated_at"}

    class Media:
        js = ["poll_kind.js"]  # each kind's fields only, as the kind is chosen

    actions = [
        "open_polls",
        "close_polls",
        "reveal_results",
        "hide_results",
        "reset_polls",
        "duplicate_polls",
        "make_invites",
    ]

    def save_model(self, request: HttpRequest, obj: Poll, form: Any, change: bool) -> None:
        if not change and obj.owner_id is None:
            obj.owner_id = request.user.pk  # who makes it owns it (polls/rules.py)
        super().save_model(request, obj, form, change)

    def get_fields(self, request: HttpRequest, obj: Poll | None = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        fields = fields if obj is not None else [f for f in fields if f not in self.not_yet]
        editable = obj is None or self.has_change_permission(request, obj)
        return _uploads_if_editable(fields, editable)

    @admin.display(description=_("image"))
    def image_shown(self, poll: Poll) -> str:
        return thumbnail(poll)

    def get_inlines(self, request: HttpRequest, obj: Poll | None) -> list[Any]:
        """A poll in an event has the event's hosts, chosen on the event's page."""
        in_event = obj is not None and hasattr(obj, "event_question")
        return [i for i in self.inlines if not (in_event and i is PollHostInline)]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        poll = form.instance
        if kind_of(poll.kind).scaled:
            scale_options_sync(poll=poll)
        options = poll.options.count()
        if options > PROJECTOR_OPTIONS:
            self.message_user(
                request,
                _(
                    "This poll has %(n)d options: the projector shows %(fit)d at once and "
                    "scrolls the rest, which the room cannot do."
                )
                % {"n": options, "fit": PROJECTOR_OPTIONS},
                messages.WARNING,
            )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Poll]:
        # Subqueries, not joins: a join of votes and invites would multiply them.
        return (
            super()
            .get_queryset(request)
            .annotate(
                vote_total=_count(Vote.objects.all()),
                invites_made=_count(Invite.objects.all()),
                invites_taken=_count(Invite.objects.filter(used_at__isnull=False)),
            )
        )

    @admin.display(description=_("invites used"))
    def invites_used(self, poll: Poll) -> str:
        if not poll.invites_made:  # type: ignore[attr-defined]
            return "—"
        return f"{poll.invites_taken} / {poll.invites_made}"  # type: ignore[attr-defined]

    @admin.display(description=_("state"))
    def state(self, poll: Poll) -> str:
        return str(poll.state_at().label)

    @admin.display(description=_("votes"), ordering="vote_total")
    def vote_count(self, poll: Poll) -> int:
        return poll.vote_total  # type: ignore[attr-defined]

    @admin.display(description=_("pages"))
    def pages(self, poll: Poll) -> str:
        if poll.pk is None:
            return "—"  # a poll being added has no pages yet
        links = [
            (reverse("tally:present", kwargs={"slug": poll.slug}), _("projector")),
            (reverse("tally:remote", kwargs={"slug": poll.slug}), _("remote")),
            (poll.get_absolute_url(), _("vote")),
            (reverse("tally:results", kwargs={"slug": poll.slug}), _("results")),
            (reverse("tally:results-csv", kwargs={"slug": poll.slug}), _("results CSV")),
            (reverse("polls:votes-csv", kwargs={"slug": poll.slug}), _("votes CSV")),
        ]
        if poll.requires_invite:
            links += [
                (reverse("polls:invites-print", kwargs={"slug": poll.slug}), _("invite slips")),
                (reverse("polls:invites-csv", kwargs={"slug": poll.slug}), _("invites CSV")),
            ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def _control(self, request: HttpRequest, queryset: QuerySet[Poll], action: str) -> None:
        for poll in queryset:
            poll_control(poll=poll, action=action)
            control_record(by=request.user, thing=poll, action=action)
        done = {
            "open": ngettext("Opened %(n)d poll.", "Opened %(n)d polls.", len(queryset)),
            "close": ngettext("Closed %(n)d poll.", "Closed %(n)d polls.", len(queryset)),
            "reveal": ngettext(
                "Showed the results of %(n)d poll.",
                "Showed the results of %(n)d polls.",
                len(queryset),
            ),
            "hide": ngettext(
                "Hid the results of %(n)d poll.", "Hid the results of %(n)d polls.", len(queryset)
            ),
            "reset": ngettext(
                "Started a new round of %(n)d poll.",
                "Started a new round of %(n)d polls.",
                len(queryset),
            ),
        }[action]
        self.message_user(request, done % {"n": len(queryset)}, messages.SUCCESS)

    @admin.action(description=_("Open the selected polls"))
    def open_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        self._control(request, queryset, "open")

    @admin.action(description=_("Close the selected polls"))
    def close_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        self._control(request, queryset, "close")

    @admin.action(description=_("Show the results of the selected polls"))
    def reveal_results(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        self._control(request, queryset, "reveal")

    @admin.action(description=_("Hide the results of the selected polls"))
    def hide_results(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        self._control(request, queryset, "hide")

    @admin.action(description=_("Start a new round (counts to zero, old results kept)"))
    def reset_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        self._control(request, queryset, "reset")

    @admin.action(description=_("Duplicate the selected polls (options too, no votes)"))
    def duplicate_polls(self, request: HttpRequest, queryset: QuerySet[Poll]) -> None:
        for poll in queryset:
            poll_duplicate(poll=poll, owner=request.user)
        done = ngettext("Duplicated %(n)d poll.", "Duplicated %(n)d polls.", len(queryset))
        self.message_user(request, done % {"n": len(queryset)}, messages.SUCCESS)

    @admin.action(description=_("Make invite codes for the selected polls…"))
    def make_invites(self, request: HttpRequest, queryset: QuerySet[Poll]) -> HttpResponse | None:
        """Asks how many codes, then makes them for each selected poll (which becomes
        invitation-only)."""
        form = InviteCountForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Make invite codes"),
                "polls": queryset,
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return render(request, "admin/polls/make_invites.html", context)
        count = form.cleaned_data["count"]
        for poll in queryset:
            invites_make(poll=poll, count=count)
            if not poll.requires_invite:
                poll.requires_invite = True
                poll.save(update_fields=["requires_invite", "updated_at"])
        done = ngettext(
            "Made %(count)d invite code for each selected poll: see its invite slips.",
            "Made %(count)d invite codes for each selected poll: see its invite slips.",
            count,
        )
        self.message_user(request, done % {"count": count}, messages.SUCCESS)
        return None


class InviteCountForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes for each poll"), min_value=1, max_value=MAX_INVITES_AT_ONCE
    )


@admin.register(Invite)
class InviteAdmin(RunByAdmin):
    """Invite codes, used and not: made with the polls' action, never typed in here."""

    list_display = ["shown", "poll", "used_at", "created_at"]
    list_filter = [
        ("used_at", admin.EmptyFieldListFilter),
        ("poll", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["poll"]
    poll_field = "poll"
    search_fields = ["code"]

    @admin.display(description=_("code"), ordering="code")
    def shown(self, invite: Invite) -> str:
        return str(invite)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(RunByAdmin):
    """Votes come only from voters, through the worker: here they can be read, not changed."""

    list_display = ["poll", "round", "choices_shown", "voter_short", "cast_at"]
    list_filter = [("poll", admin.RelatedOnlyFieldListFilter), "round"]
    list_select_related = ["poll"]
    poll_field = "poll"
    date_hierarchy = "cast_at"

    @admin.display(description=_("choices"))
    def choices_shown(self, vote: Vote) -> str:
        labels = dict(Option.objects.filter(pk__in=vote.choices).values_list("pk", "label"))
        return ", ".join(labels.get(option, "?") for option in vote.choices)

    @admin.display(description=_("voter (keyed hash)"))
    def voter_short(self, vote: Vote) -> str:
        return f"{vote.voter[:12]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
