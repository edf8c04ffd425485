from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Why each model that looks personal is neither exported nor erased (docs/data-protection.md,
# "Donations").
_LEDGER = (
    "The double-entry ledger: amounts, accounts and receipt numbers, no one's identity; kept "
    "ten years as a financial record (UU KUP Pasal 28 ayat 11)."
)
_OFFICERS = (
    "An officer's decision on the financial record, by their public_ref: kept ten years (UU KUP "
    "Pasal 28 ayat 11); once the officer's account is gone the ref names no one."
)
_OFFICER_HISTORY = (
    "An officer's decision on the financial record: kept (UU KUP Pasal 28 ayat 11); the actor "
    "is set to none when the account is deleted."
)

ACCOUNT_MODELS = (
    "donations.Donor",
    "donations.Gift",
    "donations.Sponsorship",
    "donations.Refund",
    "donations.GiftTransition",
    "donations.SponsorshipTransition",
    "donations.RefundTransition",
    "donations.TransferRefund",
    "donations.TransferRefundTransition",
    "donations.SandboxSession",
)
ACCOUNT_EXEMPT = {
    "donations.Transaction": _LEDGER,
    "donations.Entry": _LEDGER,
    "donations.ReceiptCounter": "The last receipt number of a year: no personal data.",
    "donations.CollectionPeriod": "A permitted collection's name and dates, not a person's.",
    "donations.WebhookEvent": (
        "A gateway's event as the portal reads it (gateways.events.event_dump of the typed "
        "event): ids, amounts, currencies and statuses. The gateway's JSON, with the donor's "
        "e-mail address, name and card details, is never stored."
    ),
    "donations.FundTransfer": _OFFICERS,
    "donations.OperatingCost": _OFFICERS,
    "donations.Disbursement": _OFFICERS,
    "donations.DisbursementLine": _LEDGER,
    "donations.FundTransferTransition": _OFFICER_HISTORY,
    "donations.DisbursementTransition": _OFFICER_HISTORY,
    "donations.StatementUploadTransition": _OFFICER_HISTORY,
}
RECIPIENT_EXEMPT = {
    "donations.Gift": (
        "The donor's record, not the elderly person's: it names them by pseudonym only; what "
        "was given for them is exported as monthly totals."
    ),
    "donations.Sponsorship": (
        "The donor's record, not the elderly person's: exported as monthly totals."
    ),
    "donations.DisbursementLine": (
        "Meals paid for them, kept as a financial record (UU KUP Pasal 28 ayat 11): exported as "
        "monthly totals."
    ),
    "donations.FundTransfer": _OFFICERS,
}


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = _("Donations")

    def ready(self) -> None:
        from accounts.models import Role
        from accounts.registry import Subject, register_personal_data, register_role_work
        from meals.registry import register_warung_payouts

        from .selectors.officials import finance_officer_waiting
        from .selectors.personal_data import donations_export, recipient_donations_export
        from .selectors.warung import warung_payouts
        from .services.erasure import donations_erase

        # The warung's daily link shows what the warung was paid (meals may not import us).
        register_warung_payouts(warung_payouts)
        # Where these roles land after signing in: the bank-transfer queue, their own gifts.
        register_role_work(
            role=Role.FINANCE_OFFICER,
            url_name="donations:fin_transfers",
            title=_("Bank transfers"),
            waiting=finance_officer_waiting,
        )
        register_role_work(role=Role.DONOR, url_name="donations:donor_home", title=_("My gifts"))

        register_personal_data(
            app_label="donations",
            subject=Subject.ACCOUNT,
            export=donations_export,
            erase=donations_erase,
            models=ACCOUNT_MODELS,
            exempt=ACCOUNT_EXEMPT,
        )
        # Nothing is erased for an elderly person: the ledger and its lines are financial
        # records, and the pseudonym on a gift is not their identity.
        register_personal_data(
            app_label="donations",
            subject=Subject.RECIPIENT,
            export=recipient_donations_export,
            models=("donations.Entry",),
            exempt=RECIPIENT_EXEMPT,
        )
