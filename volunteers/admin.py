from django.contrib import admin

from .models import School


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "npsn", "kecamatan"]
    list_filter = ["kecamatan"]
    search_fields = ["name", "npsn"]
