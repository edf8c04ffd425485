from django.contrib import admin

from .models import School, VisitSlot


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "npsn", "kecamatan"]
    list_filter = ["kecamatan"]
    search_fields = ["name", "npsn"]


# Students, bookings and reports hold children's and health data: they are read through the
# portal's scoped pages (which log each look), not the admin. Slots are listed for support,
# read-only, without the person's identity.
@admin.register(VisitSlot)
class VisitSlotAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "kecamatan", "capacity", "seats_taken", "status"]
    list_filter = ["status", "kecamatan"]
    fields = [
        "starts_at",
        "duration_minutes",
        "kecamatan",
        "capacity",
        "seats_taken",
        "meeting_point",
        "school",
        "status",
        "cancel_reason",
    ]
    readonly_fields = fields  # type: ignore[assignment]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
