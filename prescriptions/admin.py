"""Only the activity catalogue is in the admin. Check-ins, moods, notes and
prescriptions are health data: they are deliberately not registered here."""

from django.contrib import admin

from prescriptions.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "energy", "way", "technique", "action", "minutes", "is_active")
    list_filter = ("is_active", "way", "technique", "action", "energy")
    search_fields = ("title", "how_to", "slug")
    list_editable = ("is_active",)
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("energy", "title")
