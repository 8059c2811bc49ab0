"""Only the activity catalogue is in the admin. Check-ins, moods, notes and
prescriptions are health data: they are deliberately not registered here."""

from django import forms
from django.contrib import admin

from prescriptions import targets
from prescriptions.models import CRISIS_SLUG, Activity, Urge


class ActivityForm(forms.ModelForm):
    opposite_of = forms.MultipleChoiceField(
        choices=Urge.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The urges this is the opposite of (for opposite-action steps).",
    )

    class Meta:
        model = Activity
        fields = [
            "slug", "title", "how_to", "energy", "way", "technique", "opposite_of", "minutes",
            "action", "is_active",
        ]  # fmt: skip


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityForm
    list_display = ("title", "energy", "way", "technique", "action", "minutes", "is_active")
    list_filter = ("is_active", "way", "technique", "action", "energy")
    search_fields = ("title", "how_to", "slug")
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("energy", "title")

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
