from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import AuditEvent, Consent, RoleGrant, User


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoleGrantInline(ReadOnlyInline):
    # Roles change only through `add_official` / `revoke_role`, which write the audit log.
    model = RoleGrant
    fields = ["role", "school", "granted_at"]
    readonly_fields = fields  # type: ignore[assignment]

    @admin.display(description=_("school"))
    def school(self, grant: RoleGrant) -> str:
        school = registry.coordinator_schools().of_grants([grant]).get(grant.pk)
        return school.name if school else ""


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["purpose", "notice_version", "given_at", "withdrawn_at", "method"]
    readonly_fields = fields  # type: ignore[assignment]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    list_filter = ["is_active", "role_grants__role"]
    readonly_fields = ["public_ref", "last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_ref"]}),
        (_("Person"), {"fields": ["name", "language"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []
    inlines = [RoleGrantInline, ConsentInline]

    def has_delete_permission(self, request, obj=None):
        # An account is deleted by its owner (account page) or, for a person's data-rights
        # request, through the service that keeps the audit trail: never by a bare admin delete.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_ref", "actor_label", "target"]
    list_filter = ["action"]
    search_fields = ["target", "actor_ref"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
