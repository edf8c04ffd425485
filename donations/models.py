"""Money: gifts, monthly sponsorships, the double-entry ledger, and what moves money out.

docs/architecture.md, "Money": whole rupiah in BigIntegerField; every ledger transaction's
entries sum to zero across accounts (``recipient:<id>`` earmarked, ``general``, ``operating``,
``clearing:stripe``, ``clearing:bank``, ``payable:warung:<id>``); entries are never updated or
deleted (a PostgreSQL trigger refuses it, and a deferred trigger refuses a transaction that
does not balance); balances are sums. A Gift, a Sponsorship or a decision records what people
asked for; only ``donations.services.ledger`` writes what money did.

Sign convention: a pot of money (a person's earmarked pot, the general fund) has a positive
balance when it holds money; ``operating`` is what costs took; a clearing account is negative
by what came in through it; ``payable:warung:<id>`` is what is owed to a warung and not yet paid.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedTextField, keyed_hash
from accounts.storage import private_storage
from core.history import StatusHistory

# --- The ledger --------------------------------------------------------------------------------

GENERAL = "general"
OPERATING = "operating"
CLEARING_STRIPE = "clearing:stripe"
CLEARING_BANK = "clearing:bank"
CLEARING_MIDTRANS = "clearing:midtrans"
# What each gateway's money passes through before it reaches a pot (each sandbox stands in for
# its gateway). A new gateway adds its clearing account here.
GATEWAY_CLEARING = {
    "stripe": CLEARING_STRIPE,
    "sandbox": CLEARING_STRIPE,
    "midtrans": CLEARING_MIDTRANS,
    "midtrans_sandbox": CLEARING_MIDTRANS,
}


def clearing_account(gateway: str) -> str:
    """The clearing account of a gateway's payments: an unknown gateway is a bug, not money
    to put somewhere."""
    return GATEWAY_CLEARING[gateway]


def recipient_account(recipient_id: int) -> str:
    return f"recipient:{recipient_id}"


def warung_account(warung_id: int) -> str:
    return f"payable:warung:{warung_id}"


def fund_account(recipient_id: int | None) -> str:
    """The pot a gift goes to: a person's earmarked pot, or the general fund."""
    return GENERAL if recipient_id is None else recipient_account(recipient_id)


class CollectionPeriod(models.Model):
    """A permitted collection (UU 9/1961): its dates bound the operating-cost cap."""

    name = models.CharField(_("name"), max_length=120)
    permit_number = models.CharField(_("permit number"), max_length=120, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    cap_percent = models.PositiveSmallIntegerField(_("operating-cost cap (%)"), default=10)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("collection period")
        verbose_name_plural = _("collection periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(cap_percent__lte=100), name="period_cap_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d-%m-%Y} – {self.ends_on:%d-%m-%Y})"


class Transaction(models.Model):
    class Kind(models.TextChoices):
        GIFT = "gift", _("Gift received")
        FEE = "fee", _("Payment fee")
        REFUND = "refund", _("Refund")
        DISPUTE = "dispute", _("Disputed payment withdrawn")
        DISPUTE_WON = "dispute_won", _("Disputed payment returned")
        TRANSFER = "transfer", _("Transfer between funds")
        OPERATING_COST = "operating_cost", _("Operating cost")
        DISBURSEMENT = "disbursement", _("Disbursement")
        PAYMENT = "payment", _("Payment to a warung")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    # What made this transaction, unique: the same event posted twice is one transaction.
    external_id = models.CharField(_("source"), max_length=120, unique=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    period = models.ForeignKey(
        CollectionPeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=_("collection period"),
    )
    gift = models.ForeignKey(
        "Gift", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    transfer = models.ForeignKey(
        "FundTransfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disbursement = models.ForeignKey(
        "Disbursement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operating_cost = models.ForeignKey(
        "OperatingCost", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_ref = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(_("account"), max_length=64, db_index=True)
    amount = models.BigIntegerField(_("amount (Rp)"))
    # Set exactly when the account is a person's pot: their figures are read with a join.
    recipient = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d}"


# --- What donors asked for ---------------------------------------------------------------------


def donor_key(email: str) -> str:
    """The keyed hash a donor is found by: the same address, however typed, is one donor."""
    return keyed_hash("donor:" + email.strip().lower())


class Donor(models.Model):
    """Who gave, as far as the portal needs to know: an account, or a guest's e-mail address.

    ``key`` is the keyed hash of the lower-cased address: a guest's signed link names it, and
    two gifts from the same address are the same donor's. ``name`` is the name last given;
    what a receipt or a public page shows is the name frozen on each gift.

    Erased (``erased_at`` set): the address and name are empty and ``key`` is a random
    tombstone, so no link, session or later gift from the same address finds this record
    again; the gifts stay for the financial record.
    """

    key = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="donor",
    )
    email = EncryptedTextField(_("e-mail"))
    name = EncryptedTextField(_("name"), blank=True)
    language = models.CharField(max_length=8, default="id")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")

    def __str__(self) -> str:
        return f"donor {self.pk}"


class MessageStatus(models.TextChoices):
    NONE = "none", _("No message")
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Shown")
    REJECTED = "rejected", _("Not shown")


class Sponsorship(models.Model):
    """A monthly gift: a Stripe subscription; each paid month is a Gift."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the first payment")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        ABANDONED = "abandoned", _("Not started")

    public_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="sponsorships")
    recipient = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsorships",
    )
    amount = models.BigIntegerField(_("monthly amount (Rp)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    show_name = models.BooleanField(_("show my name"), default=False)
    # The name given when the sponsorship was made: each month's gift is issued under it.
    donor_name = EncryptedTextField(_("donor's name"), blank=True)
    # The monthly update e-mail (sponsor_updates_send); the donor turns it off on their page.
    updates = models.BooleanField(_("monthly updates"), default=True)
    gateway = models.CharField(max_length=20)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    customer_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("monthly sponsorship")
        verbose_name_plural = _("monthly sponsorships")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="sponsorship_positive")
        ]

    def __str__(self) -> str:
        return f"sponsorship {self.public_ref}"


def proof_path(instance, filename: str) -> str:
    return f"donations/proofs/{uuid.uuid4().hex}"


class Gift(models.Model):
    """One payment: a one-off gift, one month of a sponsorship, or a bank transfer."""

    class Gateway(models.TextChoices):
        """Who took the money (and whose events record it)."""

        STRIPE = "stripe", _("Stripe")
        SANDBOX = "sandbox", _("Sandbox (test payments)")
        MIDTRANS = "midtrans", _("Midtrans")
        MIDTRANS_SANDBOX = "midtrans_sandbox", _("Midtrans sandbox (test payments)")
        BANK = "bank", _("Bank transfer")

    class Method(models.TextChoices):
        """How the donor paid, from the payment's own details ("" while not known yet)."""

        CARD = "card", _("Card")
        QRIS = "qris", _("QRIS")
        GOPAY = "gopay", _("GoPay")
        SHOPEEPAY = "shopeepay", _("ShopeePay")
        # Bank virtual accounts (Midtrans): a number of the donor's own, which confirms itself.
        VA_BCA = "va_bca", _("BCA virtual account")
        VA_BNI = "va_bni", _("BNI virtual account")
        VA_BRI = "va_bri", _("BRI virtual account")
        VA_MANDIRI = "va_mandiri", _("Mandiri Bill")
        VA_PERMATA = "va_permata", _("Permata virtual account")
        # A transfer to the programme's own account, matched from the bank statement.
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        OTHER = "other", _("Another method")

    class Status(models.TextChoices):
        PENDING = "pending", _("Checkout open")
        PAID = "paid", _("Received")
        FAILED = "failed", _("Payment failed")
        EXPIRED = "expired", _("Checkout abandoned")
        AWAITING_TRANSFER = "awaiting_transfer", _("Waiting for the transfer")
        PROOF_SUBMITTED = "proof_submitted", _("Proof sent, waiting for a check")
        MATCHED = "matched", _("Matched, waiting for confirmation")
        REJECTED = "rejected", _("Transfer not confirmed")
        FLAGGED = "flagged", _("Held: amount or currency disagrees")

    public_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="gifts")
    recipient = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gifts",
        verbose_name=_("for"),
    )
    sponsorship = models.ForeignKey(
        Sponsorship, null=True, blank=True, on_delete=models.PROTECT, related_name="gifts"
    )
    amount = models.BigIntegerField(_("amount (Rp)"))
    fee = models.BigIntegerField(_("fee (Rp)"), default=0)
    fee_recorded_at = models.DateTimeField(null=True, blank=True)
    refunded = models.BigIntegerField(_("refunded (Rp)"), default=0)
    disputed = models.BooleanField(_("disputed"), default=False)
    gateway = models.CharField(_("payment service"), max_length=20, choices=Gateway.choices)
    payment_method = models.CharField(
        _("paid by"), max_length=20, choices=Method.choices, blank=True
    )
    # Why the gateway's fee could not be booked (a balance transaction not in rupiah): the
    # finance officers were told; reconciliation does not ask again.
    fee_refused = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    show_name = models.BooleanField(_("show my name"), default=False)
    # Frozen when the gift is made: the receipt prints it, the public pages show it only with
    # ``show_name``; a later gift under another name changes neither (docs/data-protection.md).
    donor_name = EncryptedTextField(_("donor's name"), blank=True)
    message = models.CharField(_("message"), max_length=280, blank=True)
    message_status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.NONE
    )
    language = models.CharField(max_length=8, default="id")
    # Card payments: the attempt's idempotency key and the gateway's ids, each unique.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    invoice_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Bank transfers: the reference the donor writes, the proof, and the two officers' steps.
    bank_reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    # The unique code (1-999) added to the amount the donor chose: ``amount`` already includes
    # it (docs/architecture.md, "Bank transfers"); None when the transfer has no code.
    transfer_code = models.PositiveSmallIntegerField(_("unique code (Rp)"), null=True, blank=True)
    proof = models.FileField(storage=private_storage, upload_to=proof_path, blank=True)
    proof_content_type = models.CharField(max_length=40, blank=True)
    proof_uploaded_at = models.DateTimeField(null=True, blank=True)
    received_amount = models.BigIntegerField(_("amount on the statement (Rp)"), null=True)
    statement_date = models.DateField(_("statement date"), null=True, blank=True)
    statement_line = models.CharField(_("statement line"), max_length=200, blank=True)
    matched_by_ref = models.UUIDField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    decided_by_ref = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    flag_reason = models.CharField(max_length=300, blank=True)
    receipt_number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="gift_positive"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="gift_fee_not_negative"),
            models.CheckConstraint(
                condition=models.Q(refunded__gte=0), name="gift_refunded_not_negative"
            ),
            # Matching by amount needs each open coded transfer's amount to be its own: the
            # service gives codes under a lock, and this refuses whatever slips past it.
            models.UniqueConstraint(
                fields=["amount"],
                condition=models.Q(
                    gateway="bank",
                    transfer_code__isnull=False,
                    status__in=["awaiting_transfer", "proof_submitted", "matched"],
                ),
                name="gift_open_transfer_amount_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"gift {self.public_ref}"

    @property
    def sandbox(self) -> bool:
        """Paid (or to be paid) through a sandbox gateway: a test payment, no real money."""
        return self.gateway in (Gift.Gateway.SANDBOX, Gift.Gateway.MIDTRANS_SANDBOX)

    @property
    def base_amount(self) -> int:
        """What the donor chose, without the transfer's unique code."""
        return self.amount - (self.transfer_code or 0)

    @property
    def paid_by(self) -> str:
        """How the gift was paid, as receipts and the officers' pages say it."""
        return paid_by_label(self.payment_method, self.gateway)


def paid_by_label(method: str, gateway: str) -> str:
    """How a gift was paid, from its stored values (a row of ``values()`` too): the method and
    the service that took it ("Card (Stripe)"), a bank transfer as such, and while the method
    is not known yet (a payment not confirmed) the service alone."""
    gateways: dict[str, str] = {value: str(label) for value, label in Gift.Gateway.choices}
    if gateway == Gift.Gateway.BANK or not method:
        return gateways.get(gateway, gateway)
    methods: dict[str, str] = {value: str(label) for value, label in Gift.Method.choices}
    services = {
        Gift.Gateway.STRIPE.value: "Stripe",
        Gift.Gateway.SANDBOX.value: gettext("Sandbox"),
        Gift.Gateway.MIDTRANS.value: "Midtrans",
        Gift.Gateway.MIDTRANS_SANDBOX.value: gettext("Sandbox"),
    }
    return gettext("%(method)s (%(service)s)") % {
        "method": methods.get(method, method),
        "service": services.get(gateway, gateway),
    }


class ReceiptCounter(models.Model):
    """The last receipt number given in a year (WIB): numbers have no gaps and no repeats."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class WebhookEvent(models.Model):
    """Every event a gateway sent, once: its id is unique, so a repeat changes nothing."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Not about anything we handle")
        DEFERRED = "deferred", _("Waiting: arrived before what it refers to")
        FLAGGED = "flagged", _("Flagged for the finance officers")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=80, db_index=True)
    gateway = models.CharField(max_length=20)
    # The event as the portal reads it (donations.gateways.events.event_dump): the handlers
    # replay it from here. Never the gateway's raw JSON (donors' addresses, card details).
    payload = models.JSONField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, db_index=True)
    note = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("gateway event")
        verbose_name_plural = _("gateway events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Refund(models.Model):
    """A refund an officer asked the gateway for; the ledger moves when the gateway's event
    says the money went back (``charge.refunded``)."""

    class Status(models.TextChoices):
        # On record before the gateway is asked: if the answer is lost, the officer sends the
        # same request again (same idempotency key), which can never refund twice.
        UNCONFIRMED = "unconfirmed", _("Not confirmed by the payment service yet")
        SENT = "sent", _("Accepted by the payment service")

    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(_("amount (Rp)"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNCONFIRMED
    )
    reason = models.CharField(_("reason"), max_length=300)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gateway_refund_id = models.CharField(max_length=255, blank=True)
    requested_by_ref = models.UUIDField()
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return f"refund of {self.gift_id}: {self.amount}"


class TransferRefund(models.Model):
    """A refund paid from the programme's own bank account to the donor, where the gateway
    cannot give the payment back (a virtual account, QRIS on some acquirers) or the gift came
    by bank transfer. One finance officer records it (amount, reason, the donor's account); a
    second confirms the transfer was made (reference, date), and only then the ledger moves
    (the gift's pot → ``clearing:bank``). The donor's account is asked only for this, kept
    encrypted, reduced to its last four digits once paid, and wiped with the donor."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Waiting for a second officer to confirm the transfer")
        PAID = "paid", _("Paid by transfer")
        CANCELLED = "cancelled", _("Cancelled")

    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="transfer_refunds")
    amount = models.BigIntegerField(_("amount (Rp)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECORDED
    )
    reason = models.CharField(_("reason"), max_length=300)
    # The donor's account, only to pay this refund (docs/data-protection.md).
    payee_bank = EncryptedTextField(_("donor's bank"), blank=True)
    payee_account = EncryptedTextField(_("donor's account number"), blank=True)
    payee_name = EncryptedTextField(_("account holder"), blank=True)
    recorded_by_ref = models.UUIDField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    transfer_reference = models.CharField(_("transfer reference"), max_length=120, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    decided_by_ref = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("refund by transfer")
        verbose_name_plural = _("refunds by transfer")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="transfer_refund_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"refund by transfer of {self.gift_id}: {self.amount}"


class SandboxSession(models.Model):
    """The sandbox gateway's memory of a checkout (dev and test only): it stands in for
    Stripe's servers, so reconciliation can ask it what Stripe would answer."""

    session_id = models.CharField(max_length=64, unique=True)
    mode = models.CharField(max_length=12)  # "payment" or "subscription", as Stripe
    amount_sen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="idr")
    metadata = models.JSONField(default=dict)
    customer_email = models.CharField(max_length=254)
    description = models.CharField(max_length=200)
    success_url = models.CharField(max_length=1000)
    cancel_url = models.CharField(max_length=1000)
    status = models.CharField(max_length=10, default="open")  # open, complete, expired
    payment_intent_id = models.CharField(max_length=64, blank=True)
    subscription_id = models.CharField(max_length=64, blank=True)
    refunded_sen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.session_id


class MidtransSandboxTransaction(models.Model):
    """The Midtrans sandbox's memory of a transaction (dev and test only): it stands in for
    Midtrans's servers, so the notification endpoint and reconciliation can ask it what
    Midtrans's status API would answer. ``status`` is Midtrans's ``transaction_status``."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SETTLEMENT = "settlement"
        EXPIRE = "expire"
        DENY = "deny"
        CANCEL = "cancel"
        REFUND = "refund"
        PARTIAL_REFUND = "partial_refund"

    order_id = models.CharField(max_length=64, unique=True)  # ours: the gift's public_ref
    transaction_id = models.CharField(max_length=64, unique=True)  # Midtrans's: a UUID
    method = models.CharField(max_length=20)  # a Gift.Method value
    amount = models.BigIntegerField()  # whole rupiah
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The status whose notification the portal last accepted (a refused one is sent again).
    notified = models.CharField(max_length=16, blank=True)
    va_number = models.CharField(max_length=32, blank=True)
    biller_code = models.CharField(max_length=8, blank=True)  # Mandiri Bill
    bill_key = models.CharField(max_length=20, blank=True)
    qr_string = models.TextField(blank=True)
    finish_url = models.CharField(max_length=1000)
    back_url = models.CharField(max_length=1000)
    refunded = models.BigIntegerField(default=0)  # whole rupiah, the running total
    # Each refund as Midtrans lists it (refund_key, refund_amount, id, created_at).
    refunds = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.order_id


# --- Money out: decisions that need a second officer -------------------------------------------


class Decision(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second officer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FundTransfer(models.Model):
    """Money moved between pots (e.g. what is left when a person is reached): a recorded
    decision, approved by a second officer before the ledger moves."""

    source = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from (empty: the general fund)"),
    )
    target = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to (empty: the general fund)"),
    )
    amount = models.BigIntegerField(_("amount (Rp)"))
    reason = models.TextField(_("decision and reason"))
    status = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PROPOSED)
    proposed_by_ref = models.UUIDField()
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by_ref = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("transfer between funds")
        verbose_name_plural = _("transfers between funds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="transfer_positive"),
            models.CheckConstraint(
                condition=~models.Q(source__isnull=True, target__isnull=True),
                name="transfer_not_general_to_general",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="transfer_between_two_pots"
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk}: {self.amount}"


class OperatingCost(models.Model):
    """A cost of running the collection, paid from the general fund, under the cap."""

    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="costs")
    description = models.CharField(_("what for"), max_length=200)
    amount = models.BigIntegerField(_("amount (Rp)"))
    incurred_on = models.DateField(_("date"))
    proof = models.FileField(storage=private_storage, upload_to=proof_path, blank=True)
    recorded_by_ref = models.UUIDField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-incurred_on", "-id"]
        verbose_name = _("operating cost")
        verbose_name_plural = _("operating costs")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="cost_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class Disbursement(models.Model):
    """Money paid to a warung for meals, with a line per person and period: recorded by a
    finance officer with proof, approved by a second."""

    warung = models.ForeignKey(
        "meals.Warung", on_delete=models.PROTECT, related_name="disbursements"
    )
    reference = models.CharField(_("transfer reference"), max_length=120)
    proof = models.FileField(storage=private_storage, upload_to=proof_path)
    proof_content_type = models.CharField(max_length=40, blank=True)
    proof_summary = models.CharField(
        _("summary of the proof (public)"),
        max_length=200,
        help_text=_("What the proof shows, without personal data: shown on the public page."),
    )
    paid_on = models.DateField(_("paid on"))
    status = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PROPOSED)
    recorded_by_ref = models.UUIDField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by_ref = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")

    def __str__(self) -> str:
        return f"disbursement {self.pk} to {self.warung_id}"


class DisbursementLine(models.Model):
    """Meals for one person over one period, paid from their pot or from the general fund."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="lines")
    recipient = models.ForeignKey(
        "portal.Recipient", on_delete=models.PROTECT, related_name="disbursement_lines"
    )
    from_general = models.BooleanField(_("paid from the general fund"), default=False)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    portions = models.PositiveIntegerField(_("portions"))
    amount = models.BigIntegerField(_("amount (Rp)"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("disbursement line")
        verbose_name_plural = _("disbursement lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="line_positive"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="line_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.period_start}–{self.period_end}: {self.amount}"


# --- Bank statements: the programme's own accounts and the lines read from their exports -------


class BankAccount(models.Model):
    """An account of the programme that donors transfer to. The column mapping of its bank's
    statement export is kept here, set on the first upload and reused (editable)."""

    bank = models.CharField(_("bank"), max_length=80)
    number = models.CharField(_("account number"), max_length=40, unique=True)
    # {"date": header, "description": header, "credit": header, "debit": header,
    #  "amount": header, "balance": header}: header texts of the export, "" when not mapped.
    mapping = models.JSONField(default=dict, blank=True)
    mapped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "number"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return f"{self.bank} {self.number}"


def statement_path(instance, filename: str) -> str:
    return f"donations/statements/{uuid.uuid4().hex}"


class StatementUpload(models.Model):
    """One statement export a finance officer uploaded. The file is kept (privately) only
    while its columns wait to be mapped; once read, its credit lines are kept
    (``StatementLine``), which is all the matching needs, and the file is deleted."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for its columns to be mapped")
        OPEN = "open", _("Waiting for a second officer")
        CONFIRMED = "confirmed", _("Confirmed and closed")
        EXPIRED = "expired", _("Not mapped within a day: upload it again")

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="uploads")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    staged = models.FileField(storage=private_storage, upload_to=statement_path, blank=True)
    uploaded_by_ref = models.UUIDField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_sha256 = models.CharField(max_length=64)
    rows_read = models.PositiveIntegerField(default=0)
    credits_new = models.PositiveIntegerField(default=0)
    credits_known = models.PositiveIntegerField(default=0)
    debits = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    confirmed_by_ref = models.UUIDField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"statement {self.pk} of {self.account_id}"


class StatementLine(models.Model):
    """A credit on the programme's account. Identified by ``fingerprint``, a keyed hash of
    (account, date, amount, description, running balance, occurrence among identical lines),
    so uploading the same or an overlapping statement adds nothing twice. The description is
    third parties' data: dropped once the upload is closed, the row itself purged 90 days after
    its date (docs/data-protection.md)."""

    class Outcome(models.TextChoices):
        PROPOSED = "proposed", _("Proposed match")
        AMBIGUOUS = "ambiguous", _("Several transfers could match")
        LOOK = "look", _("Reference found, amount differs")
        UNMATCHED = "unmatched", _("No transfer matches")
        MATCHED = "matched", _("Matched to a gift")
        NOT_GIFT = "not_gift", _("Not a gift")

    class Via(models.TextChoices):
        REFERENCE = "reference", _("Reference")
        AMOUNT = "amount", _("Exact amount")

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    upload = models.ForeignKey(StatementUpload, on_delete=models.CASCADE, related_name="lines")
    fingerprint = models.CharField(max_length=64)
    date = models.DateField(db_index=True)
    amount = models.BigIntegerField(_("amount (Rp)"))
    # Whole rupiah only: a credit with sen (bank interest) is never a transfer we asked for.
    whole = models.BooleanField(default=True)
    description = models.CharField(max_length=300, blank=True)
    row_number = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    via = models.CharField(max_length=10, choices=Via.choices, blank=True)
    gift = models.ForeignKey(
        Gift, null=True, blank=True, on_delete=models.SET_NULL, related_name="statement_lines"
    )

    class Meta:
        ordering = ["date", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fingerprint"], name="statement_line_once_per_account"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="statement_credit"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


# --- Histories: every move of a status, written by ``core.transitions`` -------------------------


class GiftTransition(StatusHistory):
    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Gift.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Gift.Status.choices)


class SponsorshipTransition(StatusHistory):
    sponsorship = models.ForeignKey(
        Sponsorship, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=20, choices=Sponsorship.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Sponsorship.Status.choices)


class RefundTransition(StatusHistory):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Refund.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Refund.Status.choices)


class TransferRefundTransition(StatusHistory):
    refund = models.ForeignKey(TransferRefund, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=TransferRefund.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TransferRefund.Status.choices)


class FundTransferTransition(StatusHistory):
    transfer = models.ForeignKey(FundTransfer, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Decision.choices)


class StatementUploadTransition(StatusHistory):
    upload = models.ForeignKey(
        StatementUpload, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        max_length=10, choices=StatementUpload.Status.choices, blank=True
    )
    to_status = models.CharField(max_length=10, choices=StatementUpload.Status.choices)


class DisbursementTransition(StatusHistory):
    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Decision.choices)
