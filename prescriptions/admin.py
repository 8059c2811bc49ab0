"""The activity catalogue, and the nudge log (read-only). Check-ins, moods, notes and
prescriptions are health data: they are never registered (fourc.admin refuses them)."""

from django import forms
from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP

from community.models import Intent
from prescriptions import targets
from prescriptions.models import (
    CRISIS_SLUG,
    TELLS_OF_HEALTH,
    Activity,
    CommunityAction,
    NudgeLog,
    Satisfaction,
    Urge,
)
from prescriptions.nudges import delivery
from prescriptions.nudges import selectors as nudge_selectors

# The actions whose step points at a post, and the one that points at a gathering.
POST_ACTIONS = (CommunityAction.REACT, CommunityAction.REPLY, CommunityAction.REPLY_UNANSWERED)
POST_FITS = ("target_intents", "target_author", "target_at_night")


class ActivityForm(forms.ModelForm):
    opposite_of = forms.MultipleChoiceField(
        choices=Urge.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The urges this is the opposite of (for opposite-action steps).",
    )
    satisfaction = forms.ChoiceField(
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        help_text="What doing it tends to give.",
    )
    target_intents = forms.MultipleChoiceField(
        choices=Intent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a step on a post: the kinds of post its words fit (none ticked: any).",
    )

    class Meta:
        model = Activity
        fields = [
            "slug", "title", "how_to", "energy", "way", "technique", "opposite_of", "minutes",
            "action", "is_active", "satisfaction", "is_support", "needs_link_worker",
            "night_unsafe", "target_intents", "target_author", "target_at_night",
            "target_format",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action is None:
            return cleaned  # the action's own error says enough
        if action not in POST_ACTIONS:
            for name in POST_FITS:
                if cleaned.get(name):
                    self.add_error(name, "Only a step on a post (react, reply) points at a post.")
        if action != CommunityAction.ATTEND and cleaned.get("target_format"):
            self.add_error("target_format", "Only a gathering step points at a gathering.")
        return cleaned


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityForm
    list_display = (
        "title", "energy", "way", "technique", "action", "minutes", "satisfaction",
        "is_support", "night_unsafe", "is_active",
    )  # fmt: skip
    list_filter = (
        "is_active", "way", "technique", "action", "energy", "satisfaction", "is_support",
        "needs_link_worker", "night_unsafe", "target_author", "target_at_night",
        "target_format",
    )  # fmt: skip
    search_fields = ("title", "how_to", "slug")
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("energy", "title")
    fieldsets = (
        (None, {"fields": (
            "slug", "title", "how_to", "energy", "way", "technique", "opposite_of", "minutes",
            "action", "is_active",
        )}),
        ("What it gives, and when it is offered", {"fields": (
            "satisfaction", "is_support", "needs_link_worker", "night_unsafe",
        )}),
        ("What it points at", {
            "fields": ("target_intents", "target_author", "target_at_night", "target_format"),
            "description": "Only for a step on a post or a gathering: what its words fit. "
            "Leave empty when it fits any.",
        }),
    )  # fmt: skip

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        targets.forget(targets.CATALOGUE)  # the next check-in sees the change

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        targets.forget(targets.CATALOGUE)

    def get_readonly_fields(self, request, obj=None):
        # The one step offered in a crisis must always be there, as it is.
        if obj is not None and obj.slug == CRISIS_SLUG:
            return [field.name for field in Activity._meta.fields]
        return super().get_readonly_fields(request, obj)

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.slug == CRISIS_SLUG:
            return {}  # every field is read-only: nothing to fill in
        return super().get_prepopulated_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.slug == CRISIS_SLUG:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        targets.forget(targets.CATALOGUE)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.exclude(slug=CRISIS_SLUG))
        targets.forget(targets.CATALOGUE)


# --- The nudge log: what was emailed, never what it said ------------------------------


@admin.register(NudgeLog)
class NudgeLogAdmin(admin.ModelAdmin):
    """Read-only: kinds, periods, statuses and reason codes. No email text, no mood: a
    nudge held back for someone's wellbeing says only "held". A nudge that tells of health
    use or a link worker (TELLS_OF_HEALTH) names no one, and nothing picks out a member's
    such nudges: there is no filter by member, and a search (by handle) leaves them out."""

    list_display = (
        "whose",
        "kind",
        "period",
        "status",
        "reason",
        "attempts",
        "claimed_at",
        "finished_at",
    )
    list_filter = ("kind", "status", ("claimed_at", admin.DateFieldListFilter))
    search_fields = ("member__handle",)
    list_select_related = ("member",)
    show_full_result_count = False
    actions = ["resend"]
    fields = list_display + ("due_at",)
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "week": nudge_selectors.week_of_nudges()}
        return super().changelist_view(request, extra_context)

    def lookup_allowed(self, lookup, value, request):
        if lookup.split(LOOKUP_SEP)[0] in ("member", "member_id"):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            queryset = queryset.exclude(TELLS_OF_HEALTH)
        return queryset, may_have_duplicates

    @admin.display(description="member")
    def whose(self, log):
        return "a member" if log.tells_of_health else log.member

    @admin.action(description="Send the selected failed nudges again", permissions=["view"])
    def resend(self, request, queryset):
        count = delivery.resend_failed(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} failed nudge{'s' if count != 1 else ''} sent again.")
