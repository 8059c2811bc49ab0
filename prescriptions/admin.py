"""Only the activity catalogue is in the admin. Check-ins, moods, notes and
prescriptions are health data: they are deliberately not registered here."""

from django.contrib import admin
from django.core.cache import cache

from prescriptions.models import Activity
from prescriptions.selectors import CATALOGUE_KEY


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "energy", "way", "technique", "action", "minutes", "is_active")
    list_filter = ("is_active", "way", "technique", "action", "energy")
    search_fields = ("title", "how_to", "slug")
    list_editable = ("is_active",)
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("energy", "title")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(CATALOGUE_KEY)  # the engine sees the change at the next check-in

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        cache.delete(CATALOGUE_KEY)
