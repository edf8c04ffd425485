"""Erasing a donor (docs/data-protection.md, "Donations").

Receipts and the ledger are financial records kept ten years (UU KUP Pasal 28 ayat 11): the
gifts stay, and a received gift keeps the name its receipt was issued under, readable only by
finance officers. Everything else that says who the donor is goes: the record's address and
name, the names and messages shown on public pages, the names of gifts that were never
received, and their proofs of payment.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from accounts.registry import AccountOwner
from core.pagecache import public_pages_changed

from ..models import Donor, Gift, MessageStatus, SandboxSession, Sponsorship, TransferRefund
from ..selectors.donors import donors_of
from .sponsorships import sponsorship_cancel
from .transitions import SPONSORSHIPS

# What an erased donor's key becomes: random, so it matches no address's keyed hash (a later
# gift from the same address makes a new donor) and no signed link already sent.
_TOMBSTONE_PREFIX = "erased:"
ERASER = "erasure"


def _tombstone() -> str:
    return _TOMBSTONE_PREFIX + uuid.uuid4().hex


def donor_erase(*, donor: Donor) -> None:
    """Wipe one donor record. A monthly sponsorship still charging is stopped at the gateway
    first: after erasure no link reaches it, so the person could not stop it themselves. When
    the gateway cannot be reached the ``ValidationError`` of ``sponsorship_cancel`` goes up
    and nothing is erased (the caller's transaction rolls back): try again later."""
    with transaction.atomic():
        donor = Donor.objects.select_for_update().get(pk=donor.pk)
        if donor.erased_at is not None:
            return
        for sponsorship in Sponsorship.objects.select_for_update().filter(donor=donor):
            if sponsorship.status == Sponsorship.Status.ACTIVE and sponsorship.subscription_id:
                # Ended when the gateway's event confirms, as any cancellation.
                sponsorship_cancel(sponsorship=sponsorship)
            elif sponsorship.status == Sponsorship.Status.PENDING:
                SPONSORSHIPS.move(
                    sponsorship,
                    Sponsorship.Status.ABANDONED,
                    actor_label=ERASER,
                    reason="donor erased",
                )
        # Monthly gifts to come are issued under no name.
        Sponsorship.objects.filter(donor=donor).update(
            show_name=False, donor_name="", updates=False
        )
        gifts = Gift.objects.filter(donor=donor)
        gifts.update(show_name=False, message="", message_status=MessageStatus.NONE)
        for gift in gifts.filter(receipt_number__isnull=True).exclude(proof=""):
            gift.proof.delete(save=False)
        gifts.filter(receipt_number__isnull=True).update(
            donor_name="", proof="", proof_content_type="", statement_line=""
        )
        # The account a refund by transfer was to be paid to: the refund stays (the ledger's
        # record), the account does not.
        TransferRefund.objects.filter(gift__donor=donor).update(
            payee_bank="", payee_account="", payee_name=""
        )
        donor.key = _tombstone()
        donor.email = ""
        donor.name = ""
        donor.user = None
        donor.erased_at = timezone.now()
        donor.save(update_fields=["key", "email", "name", "user", "erased_at"])
        # A name or message they chose to show may be on any cached public page (the accounts,
        # the person's page): gone now, not when the cache expires.
        public_pages_changed()


def donations_erase(owner: AccountOwner) -> None:
    """The personal-data erase step: every donor record of the account and of its verified
    addresses, and what the sandbox gateway (which stands in for Stripe's servers in dev and
    test) keeps of those addresses."""
    for donor in list(donors_of(user=owner.user, emails=owner.verified_emails)):
        donor_erase(donor=donor)
    for email in {email.strip() for email in owner.verified_emails if email.strip()}:
        SandboxSession.objects.filter(customer_email__iexact=email).update(customer_email="")
