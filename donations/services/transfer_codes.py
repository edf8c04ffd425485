"""The unique code of a bank transfer: 1 to 999 rupiah added to the amount the donor chose, so
that a transfer without its reference is still found on the statement by its exact amount
(docs/architecture.md, "Bank transfers")."""

from __future__ import annotations

import secrets

from django.conf import settings

from ..models import BankAccount, Gift

OPEN_TRANSFER = (
    Gift.Status.AWAITING_TRANSFER,
    Gift.Status.PROOF_SUBMITTED,
    Gift.Status.MATCHED,
)
CODE_MAX = 999


def bank_account_default() -> BankAccount:
    """The programme's account that donors transfer to (``BANK_TRANSFER_BANK`` and
    ``BANK_TRANSFER_ACCOUNT_NUMBER``), written the first time it is needed."""
    account, _created = BankAccount.objects.get_or_create(
        number=settings.BANK_TRANSFER_ACCOUNT_NUMBER,
        defaults={"bank": settings.BANK_TRANSFER_BANK},
    )
    return account


def transfer_code_choose(*, base: int, highest: int) -> int | None:
    """A code for a new transfer of ``base`` rupiah such that base + code is the amount of no
    other open transfer, and at most ``highest`` (the method's limit). Call inside the
    transaction that writes the gift: the row lock on the account makes two donors at the
    same moment wait for each other, so they never get the same amount.

    None when codes are off, or when every code is taken for this amount: the transfer then
    has its reference only. Refusing the donor because 999 others have not paid yet would
    lose a gift; a transfer without a code is still matched by its reference, or by hand."""
    if not settings.BANK_TRANSFER_UNIQUE_CODE:
        return None
    account = bank_account_default()
    BankAccount.objects.select_for_update().get(pk=account.pk)
    top = min(CODE_MAX, highest - base)
    if top < 1:
        return None
    # Any open transfer's amount counts, coded or not, and whatever base it came from:
    # matching reads only the amount on the statement.
    taken = set(
        Gift.objects.filter(
            gateway=Gift.Gateway.BANK,
            status__in=OPEN_TRANSFER,
            amount__gt=base,
            amount__lte=base + top,
        ).values_list("amount", flat=True)
    )
    free = [code for code in range(1, top + 1) if base + code not in taken]
    if not free:
        return None
    return secrets.choice(free)
