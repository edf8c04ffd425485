"""Who may do what with the money (docs/architecture.md: finance officers work, administrators read;
a second, different officer confirms)."""

from __future__ import annotations

from typing import Any

from accounts.models import Role, User
from accounts.permissions import has_any_role, is_second_person

from .models import Decision, Disbursement, FundTransfer, Gift, TransferRefund

# The finance pages: every figure, gift and decision, read-only for administrators.
FINANCE_READ_ROLES = frozenset({Role.FINANCE_OFFICER, Role.ADMINISTRATOR})
# Whatever moves money or touches a donor: matching, deciding, refunds, moderation, exports.
FINANCE_WORK_ROLES = frozenset({Role.FINANCE_OFFICER})


def may_read_finance(user: Any) -> bool:
    return has_any_role(user, FINANCE_READ_ROLES)


def may_work_on_finance(user: Any) -> bool:
    return has_any_role(user, FINANCE_WORK_ROLES)


# --- Maker-checker: the officer who made a record never decides it ------------------------------


def may_check_transfer(user: User, gift: Gift) -> bool:
    return is_second_person(user, gift.matched_by_ref)


def may_check_transfer_refund(user: User, refund: TransferRefund) -> bool:
    return is_second_person(user, refund.recorded_by_ref)


def may_confirm_transfer_refund(user: Any, refund: TransferRefund) -> bool:
    """Confirm that a recorded refund by transfer was paid: a finance officer who did not
    record it."""
    return (
        may_work_on_finance(user)
        and refund.status == TransferRefund.Status.RECORDED
        and may_check_transfer_refund(user, refund)
    )


def may_check_fund_transfer(user: User, proposal: FundTransfer) -> bool:
    return is_second_person(user, proposal.proposed_by_ref)


def may_check_disbursement(user: User, disbursement: Disbursement) -> bool:
    return is_second_person(user, disbursement.recorded_by_ref)


def may_decide_transfer(user: Any, gift: Gift) -> bool:
    """Confirm (or reject) a matched bank transfer: a finance officer who did not match it."""
    return (
        may_work_on_finance(user)
        and gift.status == Gift.Status.MATCHED
        and may_check_transfer(user, gift)
    )


def may_decide_fund_transfer(user: Any, proposal: FundTransfer) -> bool:
    return (
        may_work_on_finance(user)
        and proposal.status == Decision.PROPOSED
        and may_check_fund_transfer(user, proposal)
    )


def may_decide_disbursement(user: Any, disbursement: Disbursement) -> bool:
    return (
        may_work_on_finance(user)
        and disbursement.status == Decision.PROPOSED
        and may_check_disbursement(user, disbursement)
    )
