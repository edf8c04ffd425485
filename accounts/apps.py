from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import registry
        from .services import accounts_data_erase, accounts_data_export

        registry.register_personal_data(
            app_label="accounts",
            export=accounts_data_export,
            erase=accounts_data_erase,
            models=(
                "accounts.User",
                "accounts.RoleGrant",
                "accounts.Consent",
                "account.EmailAddress",
                "account.EmailConfirmation",
                "mfa.Authenticator",
                "knox.AuthToken",
                "admin.LogEntry",
            ),
            exempt={
                "accounts.AuditEvent": "append-only accountability record (UU PDP Pasal 35); it "
                "names people only by a random reference that nothing maps back once the "
                "account is gone, and its actions are in the download",
            },
        )
        # Regions may import nothing of ours, so accounts, just above it, speaks for it.
        registry.register_personal_data(
            app_label="regions",
            exempt={
                "regions.Kecamatan": "a place's name, not a person's",
                "regions.Village": "a place's name, not a person's",
            },
        )


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (administrators only, behind TOTP)."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
