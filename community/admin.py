from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from community import roles, safety, services
from community.models import (
    BODY_MAX,
    RSVP,
    CrisisLine,
    CrisisPhrase,
    Gathering,
    GuidelinesAcceptance,
    Post,
    Reaction,
    Reply,
    Report,
    ReportStatus,
    Space,
    User,
)


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
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("display_name", "handle", "email")
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "handle", "pronouns", "bio", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
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
    inlines = [GuidelinesAcceptanceInline]


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
            and ACTION_CHECKBOX_NAME not in request.POST
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
    list_display = ("name", "slug", "order", "is_archived", "created_at")
    list_editable = ("order", "is_archived")
    list_filter = ("is_archived",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


def _content_action(service, description, **kwargs):
    def action(modeladmin, request, queryset):
        changed = sum(
            1 for obj in queryset if service(content=obj, moderator=request.user, **kwargs)
        )
        modeladmin.message_user(request, f"{description}: {changed} changed.")

    action.short_description = description
    action.__name__ = f"{service.__name__}_{description.lower().replace(' ', '_')}"
    return action


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
    actions = [
        _content_action(services.hide_content, "Hide"),
        _content_action(services.restore_content, "Restore"),
    ]

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


def _report_action(status, description):
    def action(modeladmin, request, queryset):
        changed = sum(
            1
            for report in queryset
            if services.resolve_report(report=report, moderator=request.user, status=status)
        )
        modeladmin.message_user(request, f"{description}: {changed} changed.")

    action.short_description = description
    action.__name__ = f"mark_{status}"
    return action


@admin.action(description="Restore the reported content and dismiss its reports")
def restore_reported(modeladmin, request, queryset):
    restored = 0
    for report in queryset.select_related("post", "reply"):
        content = report.post or report.reply
        if content is not None and services.restore_content(
            content=content, moderator=request.user
        ):
            restored += 1
    modeladmin.message_user(request, f"Restored {restored} item(s).")


@admin.action(description="Hide the reported content and resolve its reports")
def hide_reported(modeladmin, request, queryset):
    for report in queryset.select_related("post", "reply"):
        content = report.post or report.reply
        if content is not None:
            services.hide_content(content=content, moderator=request.user)
        services.resolve_report(
            report=report, moderator=request.user, status=ReportStatus.RESOLVED
        )
    modeladmin.message_user(request, "Done.")


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
    actions = [
        hide_reported,
        restore_reported,
        _report_action(ReportStatus.RESOLVED, "Mark resolved"),
        _report_action(ReportStatus.DISMISSED, "Dismiss"),
    ]

    def has_add_permission(self, request):
        return False


# --- Gatherings -----------------------------------------------------------------


class RSVPInline(admin.TabularInline):
    model = RSVP
    extra = 0
    fields = ("member", "status", "is_private", "waitlisted_at", "attended_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
