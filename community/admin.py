from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from community import moderation, roles, safety, services
from community.models import (
    BODY_MAX,
    MODERATION_NOTE_MAX,
    PRIVATE_PLACE,
    RSVP,
    CrisisLine,
    CrisisPhrase,
    Gathering,
    GuidelinesAcceptance,
    ModerationAction,
    Post,
    QueueItem,
    Reaction,
    Reply,
    Report,
    Space,
    SuspensionLength,
    User,
    reply_address,
)

# --- Moderators' actions: each asks for a note, then calls its service ----------------


class ModerationNoteForm(forms.Form):
    note = forms.CharField(
        label="Resolution note",
        max_length=MODERATION_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=(
            "Why, in a sentence or two: it goes in the moderation log. For a warning or "
            "a suspension the member reads it too, so write it to them, kindly."
        ),
        error_messages={
            "required": "Please write a resolution note: the log keeps why each action was taken."
        },
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(
                "Please write a resolution note: the log keeps why each action was taken."
            )
        return note


class SuspendForm(ModerationNoteForm):
    length = forms.ChoiceField(
        label="For how long",
        choices=SuspensionLength.choices,
        error_messages={"required": "Please choose how long the suspension lasts."},
    )


class NotApplicable(Exception):
    """This action doesn't fit this row (e.g. hiding a member)."""


def _needs_content(content):
    if content is None:
        raise NotApplicable("Hide and restore work on posts and replies; for a member, suspend.")
    return content


def _ladder(member):
    sanctions = moderation.earlier_sanctions(member)
    suggestion = moderation.suggested_length(sanctions)
    return {
        "member": member,
        "sanctions": sanctions,
        "suggestion": suggestion,
        "suggestion_label": SuspensionLength(suggestion).label,
    }


def moderation_action(name, description, run, *, member_of=None):
    """An admin action that first asks for the resolution note (and, with `member_of`,
    a suspension's length, beside each member's earlier sanctions and the next step of
    the ladder), then calls `run(obj, moderator, **cleaned_data)` for each selected row.
    A missing note keeps the form, with a clear error (400)."""

    def action(modeladmin, request, queryset):
        form_class = SuspendForm if member_of else ModerationNoteForm
        ladders = []
        initial = None
        if member_of:
            members = {m.pk: m for m in (member_of(obj) for obj in queryset)}
            ladders = [_ladder(m) for m in members.values()]
            if len(ladders) == 1:
                initial = {"length": ladders[0]["suggestion"]}
        form = form_class(request.POST if "apply" in request.POST else None, initial=initial)
        if form.is_valid():
            done, refused = 0, []
            for obj in queryset:
                try:
                    done += bool(run(obj, request.user, **form.cleaned_data))
                except (services.CommunityError, NotApplicable) as error:
                    refused.append(f"{obj}: {error}")
            modeladmin.message_user(request, f"{description}: {done} done.")
            for why in refused:
                modeladmin.message_user(request, why, level="warning")
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "queryset": list(queryset),
            "form": form,
            "ladders": ladders,
            "action": name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request,
            "admin/community/moderation_action.html",
            context,
            status=400 if form.is_bound else 200,
        )

    action.__name__ = name
    action.short_description = description
    return action


def _content_actions(content_of, author_of):
    """Hide, hide and warn, restore, and suspend the author: for queue rows, posts and
    replies alike."""
    return [
        moderation_action(
            "hide",
            "Hide",
            lambda obj, moderator, note: moderation.hide(
                content=_needs_content(content_of(obj)), moderator=moderator, note=note
            ),
        ),
        moderation_action(
            "hide_and_warn",
            "Hide and warn the author",
            lambda obj, moderator, note: moderation.hide_and_warn(
                content=_needs_content(content_of(obj)), moderator=moderator, note=note
            ),
        ),
        moderation_action(
            "restore",
            "Restore",
            lambda obj, moderator, note: moderation.restore(
                content=_needs_content(content_of(obj)), moderator=moderator, note=note
            ),
        ),
        moderation_action(
            "suspend",
            "Suspend the author",
            lambda obj, moderator, note, length: moderation.suspend(
                member=author_of(obj),
                moderator=moderator,
                length=length,
                note=note,
                **({"post": obj} if isinstance(obj, Post) else {}),
                **({"reply": obj} if isinstance(obj, Reply) else {}),
                **({"post": obj.post, "reply": obj.reply} if isinstance(obj, QueueItem) else {}),
            ),
            member_of=author_of,
        ),
    ]


def _lift_action(member_of):
    return moderation_action(
        "lift_suspension",
        "Lift the suspension",
        lambda obj, moderator, note: moderation.lift_suspension(
            member=member_of(obj), moderator=moderator, note=note
        ),
    )


class LogInline(admin.TabularInline):
    """The target's lines of the moderation log, on its own admin page: read-only."""

    model = ModerationAction
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "by", "note", "suspension")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    verbose_name = "moderation log entry"
    verbose_name_plural = "moderation log"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PostLogInline(LogInline):
    fk_name = "post"


class ReplyLogInline(LogInline):
    fk_name = "reply"


class MemberLogInline(LogInline):
    fk_name = "member"


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspended"
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("now", "Suspended now"), ("paused", "Posting paused")]

    def queryset(self, request, queryset):
        if self.value() == "now":
            return queryset.filter(suspended_until__gt=timezone.now())
        if self.value() == "paused":
            return queryset.filter(posting_paused_at__isnull=False)
        return queryset


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "handle")


class UserChangeFormForAdmin(UserChangeForm):
    class Meta:
        model = User
        fields = [
            "email", "password", "display_name", "handle", "pronouns", "bio", "time_zone",
            "is_active", "is_staff", "is_superuser", "groups",
        ]  # fmt: skip


class GuidelinesAcceptanceInline(admin.TabularInline):
    """Which versions of the guidelines the member agreed to, and when: read-only."""

    model = GuidelinesAcceptance
    fields = ("version", "accepted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("community.view_user")  # whoever may see the member

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeFormForAdmin
    add_form = UserCreationForm
    ordering = ("-date_joined",)
    list_display = ("display_name", "handle", "email", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", SuspendedFilter, "groups")
    search_fields = ("display_name", "handle", "email")
    readonly_fields = (
        "date_joined", "last_login", "suspended_until", "suspension_note", "posting_paused_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "handle", "pronouns", "bio", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Moderation", {"fields": ("suspended_until", "suspension_note", "posting_paused_at")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    inlines = [MemberLogInline, GuidelinesAcceptanceInline]
    actions = [
        moderation_action(
            "suspend",
            "Suspend",
            lambda member, moderator, note, length: moderation.suspend(
                member=member, moderator=moderator, length=length, note=note
            ),
            member_of=lambda member: member,
        ),
        _lift_action(lambda member: member),
    ]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "handle", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups",)


@admin.register(CrisisLine)
class CrisisLineAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "how_to_reach", "hours", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "region")
    search_fields = ("name", "region", "how_to_reach")


class CrisisPhraseForm(forms.ModelForm):
    class Meta:
        model = CrisisPhrase
        fields = ["family", "pattern", "note"]

    def clean_pattern(self):
        # The database's unique constraint covers active phrases only, which the form
        # cannot see (is_active is not on it): said here, kindly, instead of a 500.
        pattern = self.cleaned_data["pattern"].strip()
        if CrisisPhrase.objects.filter(is_active=True, pattern__iexact=pattern).exists():
            raise forms.ValidationError("This phrase is already on the list.")
        return pattern


class SentenceForm(forms.Form):
    sentence = forms.CharField(
        label="Test a sentence",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Nothing is saved. It is read against the active phrases as they are now.",
        error_messages={"required": "Write a sentence to test it against the phrases."},
    )


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(admin.ModelAdmin):
    """Moderators keep the crisis phrases: add, retire (never delete), and test a
    sentence on the list's own page. Every change reaches the matcher within seconds."""

    form = CrisisPhraseForm
    list_display = ("pattern", "family", "is_active", "note", "created_by", "created_at")
    list_filter = ("family", "is_active")
    search_fields = ("pattern", "note")
    list_select_related = ("created_by",)
    ordering = ("family", "pattern")
    actions = ["retire"]
    change_list_template = "admin/community/crisisphrase/change_list.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("family", "pattern", "note")
        return ("family", "pattern", "note", "is_active", "created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # A phrase's words never change under its history: retire it and add another.
        if obj is None:
            return ()
        return ("family", "pattern", "is_active", "created_by", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["note"])  # only the note is editable; it matches nothing
            return
        data = form.cleaned_data
        obj.pk = services.add_crisis_phrase(
            family=data["family"], pattern=data["pattern"], note=data["note"], by=request.user
        ).pk

    @admin.action(description="Retire the selected phrases (they stop matching)")
    def retire(self, request, queryset):
        retired = sum(
            services.retire_crisis_phrase(phrase=phrase, by=request.user) for phrase in queryset
        )
        self.message_user(request, f"Retired {retired} phrase(s).")

    def changelist_view(self, request, extra_context=None):
        """The list, with "test a sentence" on top: a POST with a sentence (and no
        action) is read against the active phrases, freshly from the table; an empty one
        is a 400 that keeps the form."""
        form, tested = SentenceForm(), None
        testing = (
            request.method == "POST"
            and "sentence" in request.POST
            and "index" not in request.POST
            and helpers.ACTION_CHECKBOX_NAME not in request.POST
        )
        if testing:
            form = SentenceForm(request.POST)
            if form.is_valid():
                tested = safety.build().assess(form.cleaned_data["sentence"])
        context = {
            **(extra_context or {}),
            "sentence_form": form,
            "tested": tested,
            "tested_phrases": [
                (phrase, safety.Family(phrase.family).label) for phrase in tested.phrases
            ]
            if tested
            else [],
        }
        response = super().changelist_view(request, context)
        if testing and form.errors:
            response.status_code = 400
        return response


# --- Community moderation -------------------------------------------------------


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "is_public", "is_archived", "created_at")
    list_editable = ("order", "is_public", "is_archived")
    list_filter = ("is_public", "is_archived")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_archived" in form.changed_data:
            services.recount_unread_in_space(obj)  # its news leaves inboxes, or comes back


def _post_flag_action(flag, value, description):
    def action(modeladmin, request, queryset):
        changed = sum(
            1
            for post in queryset
            if services.set_post_flag(post=post, moderator=request.user, flag=flag, value=value)
        )
        modeladmin.message_user(request, f"{description}: {changed} changed.")

    action.short_description = description
    action.__name__ = f"{flag}_{value}"
    return action


class MembersWordsAdmin(admin.ModelAdmin):
    """Posts and replies are the members' own words: moderators hide or restore them,
    never write or rewrite them (an edit here would also skip re-rendering and the
    search index)."""

    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    exclude = ("search_vector",)
    actions = _content_actions(lambda content: content, lambda content: content.author)

    def has_add_permission(self, request):
        return False


@admin.register(Post)
class PostAdmin(MembersWordsAdmin):
    list_display = (
        "title", "space", "author", "is_anonymous", "is_hidden", "hidden_reason",
        "is_locked", "is_pinned", "reply_count", "created_at", "removed_at",
    )  # fmt: skip
    list_filter = (
        "space",
        "is_hidden",
        "hidden_reason",
        "is_locked",
        "is_pinned",
        "is_anonymous",
        "intent",
    )
    list_select_related = ("space", "author")
    inlines = [PostLogInline]
    search_fields = ("title", "body", "author__display_name", "author__handle", "author__email")
    raw_id_fields = ("author",)
    readonly_fields = (
        "title", "body", "intent", "content_warning",
        "author", "space", "is_anonymous", "body_html", "created_at", "edited_at", "removed_at",
        "last_activity_at", "reply_count", "first_reply_at", "is_hidden", "hidden_reason",
        "is_locked", "is_pinned",
    )  # fmt: skip
    actions = [
        *MembersWordsAdmin.actions,
        _post_flag_action("is_locked", True, "Lock"),
        _post_flag_action("is_locked", False, "Unlock"),
        _post_flag_action("is_pinned", True, "Pin"),
        _post_flag_action("is_pinned", False, "Unpin"),
    ]


@admin.register(Reply)
class ReplyAdmin(MembersWordsAdmin):
    list_display = (
        "__str__",
        "post",
        "author",
        "is_anonymous",
        "is_hidden",
        "created_at",
        "removed_at",
    )
    list_filter = ("is_hidden", "hidden_reason", "is_anonymous")
    list_select_related = ("post", "author")
    inlines = [ReplyLogInline]
    search_fields = ("body", "author__display_name", "author__handle", "post__title")
    readonly_fields = (
        "body", "post", "author", "is_anonymous", "body_html", "created_at", "edited_at",
        "removed_at",
        "is_hidden", "hidden_reason",
    )  # fmt: skip


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ("kind", "member", "post", "reply", "created_at")
    list_filter = ("kind",)
    list_select_related = ("member", "post", "reply")
    search_fields = ("member__display_name", "member__handle")
    raw_id_fields = ("member", "post", "reply")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "reason",
        "status",
        "reporter",
        "post",
        "reply",
        "member",
        "created_at",
    )
    list_filter = ("status", "reason")
    list_select_related = ("reporter", "post", "reply", "member")
    search_fields = ("details", "reporter__handle", "member__handle", "post__title")
    date_hierarchy = "created_at"
    ordering = ("status", "-created_at")
    readonly_fields = (
        "reporter", "post", "reply", "member", "reason", "details", "created_at",
        "reviewed_at", "reviewed_by", "status",
    )  # fmt: skip
    # Moderators act in the queue (one row per target), where every action is logged.
    actions = None

    def has_add_permission(self, request):
        return False


# --- The queue and the log ---------------------------------------------------------


class QueueStatusFilter(admin.SimpleListFilter):
    """Open items unless asked otherwise: the queue is what still waits."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Waiting"), ("closed", "Done"), ("all", "All")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "open") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(closed_at__isnull=True)
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


def _excerpt(item: QueueItem, chars: int) -> str:
    if item.post_id:
        return Truncator(f"{item.post.title}: {item.post.body}").chars(chars)
    if item.reply_id:
        return Truncator(item.reply.body).chars(chars)
    return f"{item.member.display_name} (@{item.member.handle}): {item.why or 'their profile'}"


def _site_url(item: QueueItem) -> str:
    if item.reply_id:
        return reply_address(item.reply.post_id, item.reply_id)
    if item.post_id:
        return reverse("community:post-detail", args=[item.post_id])
    return reverse("community:member-detail", args=[item.member.handle])


@admin.register(QueueItem)
class QueueItemAdmin(admin.ModelAdmin):
    """The moderators' queue: one row per reported or crisis target, crisis first, then
    harassment, spam and the rest, oldest first within each. Every action asks for a
    resolution note and is logged. It shows members' words and reports, never any
    health data (check-ins, moods, notes, steps)."""

    list_display = (
        "priority_label", "kind", "excerpt", "context", "author_name", "report_count", "age",
    )  # fmt: skip
    list_display_links = ("excerpt",)
    list_filter = (QueueStatusFilter, "priority", "is_crisis")
    list_select_related = ("post", "reply", "member", "author")
    ordering = ("priority", "opened_at", "id")
    show_full_result_count = False
    fields = (
        "priority_label", "kind", "full_text", "context", "author_name", "report_count",
        "age", "why", "reports", "log", "closed_at", "closed_by",
    )  # fmt: skip
    readonly_fields = fields
    actions = [
        moderation_action(
            "dismiss",
            "Dismiss: no action needed",
            lambda item, moderator, note: moderation.dismiss(
                moderator=moderator,
                note=note,
                post=item.post,
                reply=item.reply,
                member=item.member,
            ),
        ),
        *_content_actions(lambda item: item.content, lambda item: item.author),
        _lift_action(lambda item: item.author),
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="priority", ordering="priority")
    def priority_label(self, item):
        return item.get_priority_display()

    @admin.display(description="what")
    def kind(self, item):
        return "Post" if item.post_id else "Reply" if item.reply_id else "Member"

    @admin.display(description="content")
    def excerpt(self, item):
        return _excerpt(item, 160)

    @admin.display(description="in full")
    def full_text(self, item):
        return _excerpt(item, 20_000)

    @admin.display(description="on 4C")
    def context(self, item):
        return format_html('<a href="{}">Open it on 4C</a>', _site_url(item))

    @admin.display(description="whose")
    def author_name(self, item):
        return f"{item.author.display_name} (@{item.author.handle})"

    @admin.display(description="waiting", ordering="opened_at")
    def age(self, item):
        return timesince(item.opened_at)

    @admin.display(description="reports")
    def reports(self, item):
        target = {"post": item.post, "reply": item.reply, "member": item.member}
        rows = Report.objects.filter(
            **{name: obj for name, obj in target.items() if obj is not None}
        ).order_by("-created_at")
        return format_html_join(
            "",
            "<p>{} · {} · {}: {}</p>",
            (
                (r.created_at.strftime("%Y-%m-%d %H:%M"), r.get_status_display(),
                 r.get_reason_display(), r.details or "no details")
                for r in rows
            ),
        ) or "None"  # fmt: skip

    @admin.display(description="moderation log")
    def log(self, item):
        target = {"post": item.post, "reply": item.reply, "member": item.member}
        lines = (
            ModerationAction.objects.filter(
                **{name: obj for name, obj in target.items() if obj is not None}
            )
            .select_related("moderator")
            .order_by("-created_at", "-id")
        )
        return format_html_join(
            "",
            "<p>{} · {} · {}: {}</p>",
            (
                (a.created_at.strftime("%Y-%m-%d %H:%M"), a.get_action_display(), a.by, a.note)
                for a in lines
            ),
        ) or "Nothing yet"  # fmt: skip


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The moderation log: append-only. Nobody adds, changes or deletes a line here,
    superusers included (the model refuses too)."""

    list_display = ("created_at", "action", "by", "target", "member", "note", "suspension")
    list_filter = (
        "action",
        "is_automatic",
        ("moderator", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("moderator", "member", "post", "reply")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    search_fields = ("note", "member__handle")
    fields = (
        "created_at", "action", "by", "member", "post", "reply", "note", "suspension",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="target")
    def target(self, entry):
        if entry.reply_id:
            return f"Reply {entry.reply_id}"
        if entry.post_id:
            return f"Post {entry.post_id}"
        return "Member" if entry.member_id else "Gone"


# --- Gatherings -----------------------------------------------------------------


class RSVPInline(admin.TabularInline):
    """The places, read-only. A private place is named only to the host: here it reads
    "a private place" (its row's title too: RSVP.__str__)."""

    model = RSVP
    extra = 0
    fields = ("holder", "status", "waitlisted_at", "attended_at")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="who")
    def holder(self, rsvp):
        return PRIVATE_PLACE if rsvp.is_private else rsvp.member


@admin.action(description="Cancel the selected gatherings (members are told)")
def cancel_gatherings(modeladmin, request, queryset):
    cancelled = [g for g in queryset if services.cancel_gathering(gathering=g, by=request.user)]
    modeladmin.message_user(request, f"Cancelled {len(cancelled)} gathering(s).")


class GatheringAdminForm(forms.ModelForm):
    class Meta:
        model = Gathering
        fields = [
            "space", "host", "title", "description", "starts_at", "duration_minutes",
            "capacity", "format", "join_url", "place",
        ]  # fmt: skip

    def clean_host(self):
        host = self.cleaned_data["host"]
        if not roles.can_host(host):
            raise forms.ValidationError(
                "Hosts are moderators, link workers or members in the Hosts group."
            )
        return host


@admin.register(Gathering)
class GatheringAdmin(admin.ModelAdmin):
    form = GatheringAdminForm
    list_display = (
        "title", "space", "host", "starts_at", "duration_minutes", "capacity", "format", "status",
    )  # fmt: skip
    list_filter = ("status", "format", "space")
    list_select_related = ("space", "host")
    search_fields = ("title", "description", "host__display_name", "host__handle")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    raw_id_fields = ("host", "discussion")
    readonly_fields = ("ends_at", "sequence", "created_at", "updated_at", "status", "discussion")
    inlines = [RSVPInline]
    actions = [cancel_gatherings]

    def save_model(self, request, obj, form, change):
        # Moderators schedule and edit through the same services as hosts on the site.
        fields = {name: form.cleaned_data[name] for name in services.GATHERING_FIELDS}
        if change:
            services.edit_gathering(gathering=obj, editor=request.user, **fields)
        else:
            obj.pk = services.create_gathering(host=form.cleaned_data["host"], **fields).pk
