"""The tables of allowed moves of what donors asked for and what officers decided.

Each status moves only through these workflows (``core.transitions``): a history row for every
move, and the gateway's events move a status with a conditional update, so a repeated or
concurrent event changes nothing. Who may ask for a move (a finance officer, a second one) is
the calling service's check; these tables say which moves exist.
"""

from __future__ import annotations

from core.transitions import Workflow

from ..models import (
    Decision,
    Disbursement,
    DisbursementTransition,
    FundTransfer,
    FundTransferTransition,
    Gift,
    GiftTransition,
    Refund,
    RefundTransition,
    Sponsorship,
    SponsorshipTransition,
    StatementUpload,
    StatementUploadTransition,
    TransferRefund,
    TransferRefundTransition,
)

G, S, D = Gift.Status, Sponsorship.Status, Decision

# Who moved a status when no officer did.
GATEWAY = "gateway"
RECONCILIATION = "reconciliation"
DONOR = "donor"

GIFTS: Workflow[Gift, GiftTransition] = Workflow(
    model=Gift,
    history=GiftTransition,
    link="gift",
    moves={
        ("", G.PENDING),  # a card checkout opened
        ("", G.AWAITING_TRANSFER),  # a bank transfer announced, or found on the statement
        # Card payments: the gateway's word. A late payment settles a failed or closed checkout.
        *((origin, G.PAID) for origin in (G.PENDING, G.FAILED, G.EXPIRED)),
        *((origin, G.FLAGGED) for origin in (G.PENDING, G.FAILED, G.EXPIRED)),
        (G.PENDING, G.FAILED),
        (G.PENDING, G.EXPIRED),
        # Bank transfers: the donor's proof, the first officer's match, the second's decision.
        (G.AWAITING_TRANSFER, G.PROOF_SUBMITTED),
        (G.AWAITING_TRANSFER, G.MATCHED),
        (G.PROOF_SUBMITTED, G.MATCHED),
        (G.AWAITING_TRANSFER, G.REJECTED),
        (G.PROOF_SUBMITTED, G.REJECTED),
        (G.MATCHED, G.REJECTED),
        (G.MATCHED, G.PAID),
    },
)

SPONSORSHIPS: Workflow[Sponsorship, SponsorshipTransition] = Workflow(
    model=Sponsorship,
    history=SponsorshipTransition,
    link="sponsorship",
    moves={
        ("", S.PENDING),
        (S.PENDING, S.ACTIVE),
        # A first invoice paid after reconciliation gave the checkout up.
        (S.ABANDONED, S.ACTIVE),
        (S.PENDING, S.ABANDONED),
        *((origin, S.ENDED) for origin in (S.PENDING, S.ACTIVE, S.ABANDONED)),
    },
)

REFUNDS: Workflow[Refund, RefundTransition] = Workflow(
    model=Refund,
    history=RefundTransition,
    link="refund",
    moves={("", Refund.Status.UNCONFIRMED), (Refund.Status.UNCONFIRMED, Refund.Status.SENT)},
)

TRANSFER_REFUNDS: Workflow[TransferRefund, TransferRefundTransition] = Workflow(
    model=TransferRefund,
    history=TransferRefundTransition,
    link="refund",
    moves={
        ("", TransferRefund.Status.RECORDED),
        (TransferRefund.Status.RECORDED, TransferRefund.Status.PAID),
        (TransferRefund.Status.RECORDED, TransferRefund.Status.CANCELLED),
    },
)

_DECIDED = {("", D.PROPOSED), (D.PROPOSED, D.APPROVED), (D.PROPOSED, D.REJECTED)}

FUND_TRANSFERS: Workflow[FundTransfer, FundTransferTransition] = Workflow(
    model=FundTransfer, history=FundTransferTransition, link="transfer", moves=_DECIDED
)

DISBURSEMENTS: Workflow[Disbursement, DisbursementTransition] = Workflow(
    model=Disbursement, history=DisbursementTransition, link="disbursement", moves=_DECIDED
)

_U = StatementUpload.Status

STATEMENT_UPLOADS: Workflow[StatementUpload, StatementUploadTransition] = Workflow(
    model=StatementUpload,
    history=StatementUploadTransition,
    link="upload",
    moves={
        ("", _U.MAPPING),  # the account's columns are not mapped yet: the file waits
        ("", _U.OPEN),
        (_U.MAPPING, _U.OPEN),
        (_U.MAPPING, _U.EXPIRED),  # never mapped: the file is deleted after a day
        (_U.OPEN, _U.CONFIRMED),  # the second officer, or at once when nothing is new
    },
)
