from django.contrib import admin

from .models import Warung


@admin.register(Warung)
class WarungAdmin(admin.ModelAdmin):
    list_display = ["name", "kecamatan", "daily_capacity", "contract_status"]
    list_filter = ["contract_status", "kecamatan"]
    search_fields = ["name"]
