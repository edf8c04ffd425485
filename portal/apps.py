from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Registry and public site")

    def ready(self) -> None:
        # Registers the production checks (config is not an app of its own).
        from accounts import registry
        from accounts.models import Role
        from config import checks  # noqa: F401

        from .selectors.import_batches import data_officer_waiting
        from .selectors.personal_data import portal_recipient_export
        from .selectors.review import reviewer_waiting

        # Where each of these roles lands after signing in, with what waits there.
        registry.register_role_work(
            role=Role.DATA_OFFICER,
            url_name="portal:import_upload",
            title=_("Import a Diskominfo file"),
            waiting=data_officer_waiting,
        )
        registry.register_role_work(
            role=Role.REVIEWER,
            url_name="portal:review_queue",
            title=_("Review queue"),
            waiting=reviewer_waiting,
        )
        registry.register_role_work(
            role=Role.ADMINISTRATOR, url_name="portal:officials_home", title=_("Officials' area")
        )

        officials = (
            "officials' actions on the registry (who entered, edited, moved or imported), "
            "audit-logged; an official's deleted account leaves the row without them"
        )
        registry.register_personal_data(
            app_label="portal",
            exempt={
                "portal.Recipient": officials + "; the rest is the elderly person's (recipient)",
                "portal.RecipientTransition": officials,
                "portal.PhotoConsent": officials + "; the consenting family member is recorded "
                "as the elderly person's data (recipient)",
                "portal.ImportBatch": officials + "; the file name is Diskominfo's",
            },
        )
        registry.register_personal_data(
            app_label="portal",
            subject=registry.Subject.RECIPIENT,
            export=portal_recipient_export,
            models=("portal.Recipient", "portal.RecipientTransition", "portal.PhotoConsent"),
            exempt={
                "portal.ImportBatch": "an import's file name and counts: nobody's in particular"
            },
        )
