"""Midtrans's HTTP API as a small real server on 127.0.0.1, written from its documentation
(docs.midtrans.com: Snap "Backend Integration", "Get Transaction Status", "Refund
Transaction", "HTTP(S) Notification / Webhooks", "Transaction Status Cycle", status codes):

    with LocalMidtrans(server_key) as api:          # http://127.0.0.1:<port>, Snap and Core API
        settings.MIDTRANS_API_BASE = settings.MIDTRANS_SNAP_BASE = api.base
        ...                                         # the portal opens a Snap transaction
        api.settle(order_id)                        # the donor pays (or expire, deny, cancel)
        body = api.notification(order_id)           # what Midtrans would POST, signed

- ``POST /snap/v1/transactions``: Basic auth by server key; 201 ``{token, redirect_url}``; a
  repeated ``order_id`` is refused (400, ``error_messages``), as is a gross amount that is not
  the sum of the items.
- A Snap transaction has no transaction at Midtrans until the donor chooses how to pay on its
  page (``api.choose``; every status change below chooses first): until then the status API
  answers 404, as Midtrans's does.
- ``GET /v2/<order_id or transaction_id>/status``: the transaction's JSON (``status_code``
  201 pending, 200 settlement, 407 expire, 202 deny, 200 cancel), signed like a notification.
- ``POST /v2/<id>/refund`` (and ``/refund/online/direct``): only settled GoPay, ShopeePay,
  QRIS and card payments (412 otherwise), no more than what is left (414), a ``refund_key``
  already used is refused (406); the transaction becomes ``refund`` / ``partial_refund`` with
  ``refund_amount`` the total refunded and ``refunds`` listing each.
- ``api.failing = True`` answers 503 to everything (Midtrans down); ``delay`` holds every
  answer that long (a timeout under test).

``api.requests`` lists what arrived (method, path, headers, JSON body).
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import uuid
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from donations.gateways.midtrans import notification_body

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")

# Snap's enabled_payments name → what its transactions say of the payment.
_CHANNELS: dict[str, dict[str, Any]] = {
    "other_qris": {"payment_type": "qris", "acquirer": "gopay"},
    "gopay": {"payment_type": "gopay"},
    "shopeepay": {"payment_type": "shopeepay"},
    "bca_va": {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bca"}]},
    "bni_va": {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bni"}]},
    "bri_va": {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bri"}]},
    "permata_va": {"payment_type": "bank_transfer", "permata_va_number": ""},
    "echannel": {"payment_type": "echannel", "biller_code": "70012", "bill_key": ""},
}
_REFUNDABLE = {"gopay", "shopeepay", "qris", "credit_card"}
_STATUS_CODES = {
    "pending": "201",
    "settlement": "200",
    "capture": "200",
    "expire": "407",
    "deny": "202",
    "cancel": "200",
    "refund": "200",
    "partial_refund": "200",
}


def _now() -> str:
    return datetime.datetime.now(tz=WIB).strftime("%Y-%m-%d %H:%M:%S")


def _money(amount: int) -> str:
    return f"{amount}.00"


class LocalMidtrans:
    def __init__(self, server_key: str, *, delay: float = 0.0):
        self.server_key = server_key
        self.delay = delay
        self.failing = False
        self.requests: list[dict[str, Any]] = []
        self.snap: dict[str, dict[str, Any]] = {}  # order_id → the Snap request body
        self.transactions: dict[str, dict[str, Any]] = {}  # order_id → status JSON
        self._lock = threading.Lock()
        self._release = threading.Event()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what tests do ------------------------------------------------------------------------

    def choose(self, order_id: str) -> dict[str, Any]:
        """The donor chose the Snap page's method: Midtrans now has a pending transaction."""
        with self._lock:
            if order_id in self.transactions:
                return self.transactions[order_id]
            request = self.snap[order_id]
            channel = request["enabled_payments"][0]
            details = json.loads(json.dumps(_CHANNELS[channel]))
            number = str(uuid.uuid4().int)[:12]
            for account in details.get("va_numbers", []):
                account["va_number"] = number
            if "permata_va_number" in details:
                details["permata_va_number"] = number
            if "bill_key" in details:
                details["bill_key"] = number
            self.transactions[order_id] = {
                "status_code": "201",
                "status_message": "Success, transaction is found",
                "transaction_id": str(uuid.uuid4()),
                "order_id": order_id,
                "merchant_id": "G000000000",
                "gross_amount": _money(request["transaction_details"]["gross_amount"]),
                "currency": "IDR",
                "transaction_time": _now(),
                "transaction_status": "pending",
                "fraud_status": "accept",
                **details,
            }
            return self.transactions[order_id]

    def set_status(self, order_id: str, status: str, **fields: Any) -> dict[str, Any]:
        """Move a transaction (choosing its method first if nobody did)."""
        self.choose(order_id)
        with self._lock:
            data = self.transactions[order_id]
            data.update(transaction_status=status, status_code=_STATUS_CODES[status], **fields)
            if status == "settlement":
                data.setdefault("settlement_time", _now())
            return dict(data)

    def settle(self, order_id: str, **fields: Any) -> dict[str, Any]:
        return self.set_status(order_id, "settlement", **fields)

    def expire(self, order_id: str) -> dict[str, Any]:
        return self.set_status(order_id, "expire")

    def deny(self, order_id: str) -> dict[str, Any]:
        return self.set_status(order_id, "deny")

    def cancel(self, order_id: str) -> dict[str, Any]:
        return self.set_status(order_id, "cancel")

    def notification(self, order_id: str, **claims: Any) -> dict[str, Any]:
        """The notification Midtrans would POST about the transaction now, signed with the
        server key; ``claims`` change what it says (still signed: a notification the status
        API contradicts)."""
        with self._lock:
            data = {**self.transactions[order_id], **claims}
        data["status_message"] = "midtrans payment notification"
        return notification_body(data, self.server_key)

    # --- the API ------------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.server_key}:".encode()).decode()
        return header == f"Basic {expected}"

    def _snap_create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        details = body.get("transaction_details") or {}
        order_id, gross = details.get("order_id"), details.get("gross_amount")
        if not isinstance(order_id, str) or not order_id or not isinstance(gross, int):
            return 400, {"error_messages": ["transaction_details is required"]}
        items = body.get("item_details") or []
        if items and sum(item["price"] * item["quantity"] for item in items) != gross:
            return 400, {
                "error_messages": ["transaction_details.gross_amount is not equal to the sum"]
            }
        with self._lock:
            if order_id in self.snap:
                return 400, {"error_messages": ["transaction_details.order_id sudah digunakan"]}
            self.snap[order_id] = body
        token = str(uuid.uuid4())
        return 201, {"token": token, "redirect_url": f"{self.base}/snap/v4/redirection/{token}"}

    def _find(self, key: str) -> dict[str, Any] | None:
        for data in self.transactions.values():
            if key in (data["order_id"], data["transaction_id"]):
                return data
        return None

    def _status(self, key: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            data = self._find(key)
            if data is None:
                return 404, {
                    "status_code": "404",
                    "status_message": "Transaction doesn't exist.",
                    "id": str(uuid.uuid4()),
                }
            return 200, notification_body(dict(data), self.server_key)

    def _refund(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            data = self._find(key)
            if data is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            if data["payment_type"] not in _REFUNDABLE or data["transaction_status"] not in (
                "settlement",
                "partial_refund",
            ):
                return 200, {
                    "status_code": "412",
                    "status_message": "Merchant cannot modify the status of the transaction",
                }
            refunds = data.setdefault("refunds", [])
            refund_key = body.get("refund_key") or str(uuid.uuid4())
            if any(item["refund_key"] == refund_key for item in refunds):
                return 200, {"status_code": "406", "status_message": "Duplicate refund ID"}
            gross = int(float(data["gross_amount"]))
            done = sum(int(float(item["refund_amount"])) for item in refunds)
            amount = body.get("amount", gross - done)
            if not isinstance(amount, int) or amount <= 0 or done + amount > gross:
                return 200, {
                    "status_code": "414",
                    "status_message": "Refund request is rejected due to invalid amount",
                }
            refunds.append(
                {
                    "refund_chargeback_id": len(refunds) + 1,
                    "refund_amount": _money(amount),
                    "created_at": _now(),
                    "reason": body.get("reason", ""),
                    "refund_key": refund_key,
                    "refund_method": "online",
                }
            )
            status = "refund" if done + amount == gross else "partial_refund"
            data.update(
                transaction_status=status, status_code="200", refund_amount=_money(done + amount)
            )
            return 200, {
                "status_code": "200",
                "status_message": "Success, refund request is approved",
                "transaction_id": data["transaction_id"],
                "order_id": data["order_id"],
                "payment_type": data["payment_type"],
                "transaction_time": data["transaction_time"],
                "transaction_status": status,
                "gross_amount": data["gross_amount"],
                "refund_chargeback_id": len(refunds),
                "refund_amount": _money(amount),
                "refund_key": refund_key,
            }

    def _answer(self, method: str, path: str, headers, body: Any) -> tuple[int, dict[str, Any]]:
        if self.failing:
            return 503, {"status_code": "503", "status_message": "Midtrans is under maintenance"}
        if not self._authorised(headers.get("Authorization")):
            message = "Access denied due to unauthorized transaction, please check server key"
            if path.startswith("/snap/"):
                return 401, {"error_messages": [message]}
            return 401, {"status_code": "401", "status_message": message}
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["snap", "v1", "transactions"]:
            return self._snap_create(body if isinstance(body, dict) else {})
        if method == "GET" and len(parts) == 3 and parts[0] == "v2" and parts[2] == "status":
            return self._status(parts[1])
        if method == "POST" and len(parts) >= 3 and parts[0] == "v2" and parts[2] == "refund":
            return self._refund(parts[1], body if isinstance(body, dict) else {})
        return 404, {"status_code": "404", "status_message": "The requested resource is not found"}

    def __enter__(self) -> LocalMidtrans:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                api.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                if api.delay:
                    api._release.wait(api.delay)
                status, answer = api._answer(self.command, path, self.headers, body)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (a timeout under test)

            do_GET = do_POST = _reply

            def log_message(self, format, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
