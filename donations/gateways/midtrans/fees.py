"""What Midtrans keeps of a payment. Its API does not say (its settlement report does), so the
fee comes from the programme's contract, ``MIDTRANS_FEES`` (percent, fixed rupiah) per method;
the finance officers check it against the settlement report each month
(docs/operations.md, "Midtrans")."""

from __future__ import annotations

import math

from django.conf import settings


def midtrans_fee(method: str, amount: int) -> int | None:
    """The fee of a payment of ``amount`` rupiah by ``method``, rounded up to the rupiah (a cost
    is never under-counted); None for a method the contract does not price."""
    price = settings.MIDTRANS_FEES.get(method)
    if price is None:
        return None
    percent, fixed = price
    return math.ceil(amount * percent / 100) + fixed
