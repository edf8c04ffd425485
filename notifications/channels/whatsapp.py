"""The WhatsApp Cloud API (Meta): the one module that talks to it.

A business may open a conversation only with a template approved in advance by Meta, so every
notification goes out as a template message: its name, language and body parameters come from
``Message``. Errors become ``DeliveryError``: temporary ones (rate limits, an expired token, an
outage) are retried by the outbox's backoff until ``NOTIFICATION_MAX_ATTEMPTS``; permanent ones
(a number WhatsApp cannot reach, a request Meta refuses) fail the row at once.
"""

import http.client
import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from core.phones import phone_normalise

from . import DeliveryError, Message

logger = logging.getLogger(__name__)

# Meta's error codes (developers.facebook.com/documentation/business-messaging/whatsapp/support/
# error-codes). Meta advises deciding on ``code``, never on the message's wording.
RATE_LIMITED = {
    4,  # the app made too many API calls
    80007,  # the business account's rate limit
    130429,  # the number's throughput (messages per second)
    131048,  # spam rate limit: too many messages refused or reported
    131056,  # too many messages to the same person in a short time
}
TOKEN_REFUSED = {0, 190}  # AuthException; access token expired or revoked
NOT_PERMITTED = {3, 10} | set(range(200, 300))  # the token may not send from this number
PROVIDER_TROUBLE = {
    1,  # unknown error
    2,  # the service is temporarily unavailable
    131000,  # "something went wrong"
    131016,  # service unavailable
    133004,  # server temporarily unavailable
}
BAD_RECIPIENT = {
    100,  # invalid parameter, such as the "to" number
    131021,  # the recipient is the sending number
    131026,  # message undeliverable: no WhatsApp on that number, or an outdated app
    131030,  # the number is not in the allowed list of a test account
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # The Cloud API never redirects a send; following one would hand the bearer token to
    # whatever host the Location names (and urllib would resend the POST as a bodiless GET).
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _language(code: str) -> str:
    # Our templates are approved in Indonesian and English only.
    return "en" if code.lower().startswith("en") else "id"


class CloudApiChannel:
    """``send(message) -> the Cloud API's message id`` (``wamid.…``)."""

    timeout = 10  # seconds: a worker must not hang on Meta

    def send(self, message: Message) -> str:
        number = phone_normalise(message.to) if message.to else None
        if number is None:
            raise DeliveryError("not a valid phone number for WhatsApp", permanent=True)
        if not message.template_name:
            raise DeliveryError("no WhatsApp template name for this message", permanent=True)
        token = settings.WHATSAPP_ACCESS_TOKEN
        phone_number_id = settings.WHATSAPP_PHONE_NUMBER_ID
        base = settings.WHATSAPP_API_BASE.rstrip("/")
        missing = [
            name
            for name, value in (
                ("WHATSAPP_ACCESS_TOKEN", token),
                ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id),
            )
            if not value
        ]
        problem = ""
        if missing:
            problem = f"WhatsApp is not configured: set {' and '.join(missing)}. Will retry"
        elif urlsplit(base).scheme not in ("https", "http"):
            problem = "WHATSAPP_API_BASE must be an https:// address. Will retry"
        if problem:
            logger.error("notification %s: %s", message.notification_id, problem)
            raise DeliveryError(problem)

        template: dict[str, Any] = {
            "name": message.template_name,
            "language": {"code": _language(message.template_language)},
        }
        if message.parameters:
            template["components"] = [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": str(p)} for p in message.parameters],
                }
            ]
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": number.removeprefix("+"),
            "type": "template",
            "template": template,
        }
        # The scheme is checked above: http(s) only, never file:.
        request = urllib.request.Request(  # noqa: S310
            f"{base}/{phone_number_id}/messages",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        secrets = (token, number.removeprefix("+"))
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            try:
                raw = error.read()
            except (OSError, http.client.HTTPException):
                raw = b""
        except (OSError, http.client.HTTPException) as error:
            # URLError (refused, DNS), TimeoutError, a connection dropped mid-answer.
            reason = getattr(error, "reason", None) or error
            text = _scrub(
                f"WhatsApp Cloud API unreachable, will retry: {type(reason).__name__}: {reason}",
                secrets,
            )[:1000]
            logger.warning("notification %s: %s", message.notification_id, text)
            raise DeliveryError(text) from None

        answer = _json(raw)
        if 200 <= status < 300:
            try:
                return str(answer["messages"][0]["id"])
            except (KeyError, IndexError, TypeError):
                # Meta probably accepted it: sending again could deliver it twice.
                raise DeliveryError(
                    f"WhatsApp Cloud API answered HTTP {status} without a message id; "
                    "not sent again to avoid a duplicate (check WhatsApp Manager)",
                    permanent=True,
                ) from None
        refusal, operator_must_act = _classify(status, answer, secrets)
        log = logger.error if operator_must_act else logger.warning
        log("notification %s: %s", message.notification_id, refusal)
        raise refusal


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    # last_error is a plain column shown to officials: no token, no phone number in it.
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[hidden]")
    return text


def _classify(
    status: int, answer: dict[str, Any], secrets: tuple[str, ...]
) -> tuple[DeliveryError, bool]:
    """The error for an answer that is not a 2xx, and whether the operator must fix something."""
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    code = error.get("code")  # type: ignore[union-attr]
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None
    meta = str(error.get("message") or "")[:300]  # type: ignore[union-attr]
    data = error.get("error_data")  # type: ignore[union-attr]
    details = str(data.get("details") or "")[:300] if isinstance(data, dict) else ""
    said = " ".join(part for part in (meta, details) if part)
    where = f"HTTP {status}" + (f", error {code}" if code is not None else "")

    def failure(summary: str, *, permanent: bool, operator: bool = False):
        text = f"WhatsApp Cloud API {where}: {summary}"
        if said:
            text += f" ({said})"
        return DeliveryError(_scrub(text, secrets)[:1000], permanent=permanent), operator

    if status == 429 or code in RATE_LIMITED:
        return failure("rate limited, will retry", permanent=False)
    if status == 401 or code in TOKEN_REFUSED:
        return failure(
            "the access token was refused (expired or revoked); the operator must renew "
            "WHATSAPP_ACCESS_TOKEN. Will retry",
            permanent=False,
            operator=True,
        )
    if code in NOT_PERMITTED or (status == 403 and code is None):
        return failure(
            "the access token may not send from WHATSAPP_PHONE_NUMBER_ID; the operator must "
            "fix its permissions. Will retry",
            permanent=False,
            operator=True,
        )
    if status >= 500 or code in PROVIDER_TROUBLE:
        return failure("the service is unavailable, will retry", permanent=False)
    if code in BAD_RECIPIENT:
        return failure("the recipient cannot receive this message", permanent=True)
    if 400 <= status < 500:
        return failure("the request was refused", permanent=True)
    return failure("unexpected answer, will retry", permanent=False)
