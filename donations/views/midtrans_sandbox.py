"""The Midtrans sandbox's pages (dev and test only; 404 when the sandbox is off): a QR to
"scan" with its countdown, an e-wallet's approval, a virtual account to "pay" from a bank app.

Each outcome is posted as Midtrans's notification to the real endpoint, which asks the
sandbox's status API before it records anything. An outcome the portal refused is undone (the
transaction is pending again and the page says so), so paying once the fault is gone records
the gift once. The server decides expiry: a page opened after it shows the payment expired and
tells the portal, once.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..gateways.midtrans.sandbox import notification_post, status_now
from ..models import Gift, MidtransSandboxTransaction

logger = logging.getLogger(__name__)

Status = MidtransSandboxTransaction.Status

E_WALLETS = ("gopay", "shopeepay")
# What each button does at "Midtrans": a QR or an e-wallet the donor declines is denied; a
# virtual account cannot be declined, only cancelled before it is paid.
OUTCOMES = {"pay": Status.SETTLEMENT, "fail": Status.DENY, "expire": Status.EXPIRE}


def _sandbox_only() -> None:
    if not settings.PAYMENTS_SANDBOX:
        raise Http404


def _kind(method: str) -> str:
    if method == "qris":
        return "qris"
    if method in E_WALLETS:
        return "ewallet"
    return "va"


def qr_path(text: str, size: int = 29) -> str:
    """An SVG path of a QR-like picture of ``text``: three finder squares and modules drawn
    from its hash. It looks like a QR code to the eye and is, on purpose, not one: no bank app
    can scan a sandbox payment."""
    finders = [(0, 0), (size - 7, 0), (0, size - 7)]

    def in_finder(x: int, y: int) -> bool | None:
        for fx, fy in finders:
            if fx - 1 <= x <= fx + 7 and fy - 1 <= y <= fy + 7:
                dx, dy = x - fx, y - fy
                if not (0 <= dx <= 6 and 0 <= dy <= 6):
                    return False  # the white separator
                ring = max(abs(dx - 3), abs(dy - 3))
                return ring != 2
        return None

    stream = b""
    counter = 0
    while len(stream) * 8 < size * size:
        stream += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    parts = []
    for y in range(size):
        for x in range(size):
            dark = in_finder(x, y)
            if dark is None:
                if x == 6 or y == 6:
                    dark = (x + y) % 2 == 0  # timing pattern
                else:
                    bit = y * size + x
                    dark = bool(stream[bit // 8] >> (bit % 8) & 1)
            if dark:
                parts.append(f"M{x} {y}h1v1h-1z")
    return "".join(parts)


def _clock(seconds: int) -> str:
    """The time left as the page's script counts it: 14:59, or 23:59:59 for a day."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _refused(status: int) -> str:
    return _(
        "The portal refused the payment service's message (status %(status)s), so nothing "
        "was recorded. You can try again."
    ) % {"status": status}


# A virtual account's bank, as its own app names it (the method's label says "virtual account").
BANK_NAMES: dict[str, str] = {
    Gift.Method.VA_BCA: "BCA",
    Gift.Method.VA_BNI: "BNI",
    Gift.Method.VA_BRI: "BRI",
    Gift.Method.VA_MANDIRI: "Mandiri",
    Gift.Method.VA_PERMATA: "Permata",
}


def _page(request, txn: MidtransSandboxTransaction, *, status: int = 200, **extra):
    now_status = status_now(txn)
    seconds_left = max(0, int((txn.expires_at - timezone.now()).total_seconds()))
    context = {
        "txn": txn,
        "kind": _kind(txn.method),
        "method_label": dict(Gift.Method.choices).get(txn.method, txn.method),
        "bank_name": BANK_NAMES.get(txn.method, ""),
        "state": now_status,
        "seconds_left": seconds_left,
        "clock": _clock(seconds_left),
        "qr": qr_path(txn.qr_string) if txn.qr_string else "",
        **extra,
    }
    return render(request, "donations/midtrans_sandbox.html", context, status=status)


def _expired_by_the_clock(txn: MidtransSandboxTransaction) -> MidtransSandboxTransaction:
    """A pending transaction whose time ran out is expired at "Midtrans", once."""
    if txn.status != Status.PENDING or status_now(txn) != Status.EXPIRE:
        return txn
    with transaction.atomic():
        txn = MidtransSandboxTransaction.objects.select_for_update().get(pk=txn.pk)
        if txn.status == Status.PENDING and status_now(txn) == Status.EXPIRE:
            txn.status = Status.EXPIRE
            txn.save(update_fields=["status"])
    return txn


def _tell_portal(request, txn: MidtransSandboxTransaction):
    """Send what the portal has not accepted yet (Midtrans retries a refused notification);
    the page with the refusal, or None."""
    if txn.status == Status.PENDING or txn.notified == txn.status:
        return None
    code = notification_post(txn)
    if 200 <= code < 300:
        return None
    logger.warning("the endpoint refused the Midtrans sandbox's %s: %s", txn.status, code)
    return _page(request, txn, status=502, error=_refused(code))


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request, order_id: str):
    _sandbox_only()
    txn = get_object_or_404(MidtransSandboxTransaction, order_id=order_id)
    txn = _expired_by_the_clock(txn)
    refused = _tell_portal(request, txn)
    if refused is not None:
        return refused
    if request.method != "POST":
        return _page(request, txn)
    if txn.status != Status.PENDING:
        # A tap on a finished payment (a second tap, or after it expired): the thank-you page
        # says what became of it.
        return redirect(txn.finish_url)
    outcome = request.POST.get("outcome")
    if outcome not in OUTCOMES:
        return _page(request, txn, status=400)
    with transaction.atomic():
        txn = MidtransSandboxTransaction.objects.select_for_update().get(pk=txn.pk)
        if txn.status != Status.PENDING:
            # A second tap on the same button: the first one's outcome stands.
            return redirect(txn.finish_url)
        before = (txn.expires_at, txn.settled_at)
        target = OUTCOMES[outcome]
        if target == Status.DENY and _kind(txn.method) == "va":
            target = Status.CANCEL
        txn.status = target
        if target == Status.SETTLEMENT:
            txn.settled_at = timezone.now()
        elif target == Status.EXPIRE:
            txn.expires_at = min(txn.expires_at, timezone.now())
        txn.save(update_fields=["status", "settled_at", "expires_at"])
    code = notification_post(txn)
    if not 200 <= code < 300:
        logger.warning("the endpoint refused the Midtrans sandbox's %s: %s", target, code)
        # Nothing was recorded (the endpoint answers 2xx once it has), so the payment is
        # pending again for the donor to try once the fault is gone.
        MidtransSandboxTransaction.objects.filter(pk=txn.pk, status=target).update(
            status=Status.PENDING, expires_at=before[0], settled_at=before[1]
        )
        txn.refresh_from_db()
        return _page(request, txn, status=502, error=_refused(code))
    return redirect(txn.finish_url)
