"""The WhatsApp channel against a local stand-in for Meta's Cloud API, alone and through the
outbox."""

import json
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from notifications.channels import DeliveryError, Message
from notifications.channels.whatsapp import CloudApiChannel
from notifications.models import Notification
from notifications.services import notification_deliver, notification_enqueue

TOKEN = "EAAG-secret-system-user-token-0123456789"
PHONE_NUMBER_ID = "109876543210"
WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ1"
ACCEPTED = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
    "messages": [{"id": WAMID, "message_status": "accepted"}],
}


def meta_error(code: int, message: str, details: str = "") -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Ab"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class FakeCloudApi:
    """Records every request; answers with the queued replies, then with an acceptance."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[tuple[int, object, dict[str, str]]] = []
        self.stall = False
        self.release = threading.Event()

    def reply(self, status: int, body: object = b"", **headers: str) -> None:
        self.replies.append((status, body, headers))


@pytest.fixture
def cloud_api(settings):
    api = FakeCloudApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            api.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
            if api.stall:
                api.release.wait(5)
            status, answer, headers = api.replies.pop(0) if api.replies else (200, ACCEPTED, {})
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST  # a followed redirect would arrive as a GET

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.WHATSAPP_API_BASE = f"http://127.0.0.1:{server.server_port}/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "whatsapp": "notifications.channels.whatsapp.CloudApiChannel",
    }
    yield api
    api.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def message(**changes) -> Message:
    fields = {
        "notification_id": 7,
        "channel": "whatsapp",
        "to": "0812-3456-7890",
        "template_name": "rk_import_finished",
        "template_language": "id",
        "parameters": ["data.xlsx", "12", "3"],
    }
    return Message(**{**fields, **changes})


def send_error(**changes) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        CloudApiChannel().send(message(**changes))
    return caught.value


# --- The request ---------------------------------------------------------------------------------


def test_sends_the_template_with_the_normalised_number_and_returns_the_message_id(cloud_api):
    provider_id = CloudApiChannel().send(message())

    assert provider_id == WAMID
    [request] = cloud_api.requests
    assert request.method == "POST"
    assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "rk_import_finished",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "data.xlsx"},
                        {"type": "text", "text": "12"},
                        {"type": "text", "text": "3"},
                    ],
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("language", "code"), [("id", "id"), ("en", "en"), ("en-us", "en"), ("", "id")]
)
def test_language_is_indonesian_or_english(cloud_api, language, code):
    CloudApiChannel().send(message(template_language=language))

    assert cloud_api.requests[0].json()["template"]["language"] == {"code": code}


@pytest.mark.parametrize("spelling", ["+6281234567890", "6281234567890", "+62 812-3456-7890"])
def test_every_spelling_of_a_number_goes_out_as_e164_digits(cloud_api, spelling):
    CloudApiChannel().send(message(to=spelling))

    assert cloud_api.requests[0].json()["to"] == "6281234567890"


def test_a_template_without_parameters_has_no_body_component(cloud_api):
    CloudApiChannel().send(message(parameters=[]))

    assert "components" not in cloud_api.requests[0].json()["template"]


def test_a_base_with_a_trailing_slash_makes_the_same_path(cloud_api, settings):
    settings.WHATSAPP_API_BASE += "/"

    CloudApiChannel().send(message())

    assert cloud_api.requests[0].path == f"/v21.0/{PHONE_NUMBER_ID}/messages"


# --- Refusals before any request -----------------------------------------------------------------


@pytest.mark.parametrize("number", ["", "12345", "0812", "not a number", "+62123"])
def test_an_invalid_number_is_refused_for_good_without_calling_meta(cloud_api, number):
    error = send_error(to=number)

    assert error.permanent
    assert cloud_api.requests == []


@pytest.mark.parametrize("setting", ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"])
def test_missing_configuration_is_temporary_and_named(cloud_api, settings, setting):
    setattr(settings, setting, "")

    error = send_error()

    assert not error.permanent
    assert setting in str(error)
    assert cloud_api.requests == []


# --- Meta's errors -------------------------------------------------------------------------------

RATE_LIMITS = [
    pytest.param(429, {}, id="http-429"),
    pytest.param(400, meta_error(130429, "(#130429) Rate limit hit"), id="130429"),
    pytest.param(400, meta_error(131048, "(#131048) Spam rate limit hit"), id="131048"),
    pytest.param(400, meta_error(131056, "(#131056) Pair rate limit hit"), id="131056"),
    pytest.param(400, meta_error(80007, "(#80007) Rate limit issues"), id="80007"),
]
BAD_RECIPIENTS = [
    pytest.param(400, meta_error(131026, "(#131026) Message undeliverable"), id="131026"),
    pytest.param(
        400,
        meta_error(131030, "(#131030) Recipient phone number not in allowed list"),
        id="131030",
    ),
    pytest.param(
        400,
        meta_error(100, "(#100) Invalid parameter", "Invalid WhatsApp ID 6281234567890"),
        id="100",
    ),
    pytest.param(400, meta_error(132001, "(#132001) Template name does not exist"), id="132001"),
]
TOKEN_REFUSED = [
    pytest.param(
        401,
        meta_error(190, f"Error validating access token: Session has expired. Token {TOKEN}"),
        id="401-190",
    ),
    pytest.param(401, b"", id="401-empty"),
    pytest.param(400, meta_error(190, "Malformed access token"), id="400-190"),
]
OUTAGES = [
    pytest.param(500, meta_error(131000, "(#131000) Something went wrong"), id="500"),
    pytest.param(503, b"<html>Service Unavailable</html>", id="503-html"),
    pytest.param(400, meta_error(131016, "(#131016) Service unavailable"), id="131016"),
]


@pytest.mark.parametrize(("status", "body"), RATE_LIMITS)
def test_rate_limits_are_temporary(cloud_api, status, body):
    cloud_api.reply(status, body)

    error = send_error()

    assert not error.permanent
    assert "rate limit" in str(error)


@pytest.mark.parametrize(("status", "body"), BAD_RECIPIENTS)
def test_a_recipient_or_request_meta_refuses_is_permanent(cloud_api, status, body):
    cloud_api.reply(status, body)

    error = send_error()

    assert error.permanent
    assert str(body["error"]["code"]) in str(error)
    assert "6281234567890" not in str(error)  # last_error is not encrypted


@pytest.mark.parametrize(("status", "body"), TOKEN_REFUSED)
def test_a_refused_token_is_temporary_and_tells_the_operator_to_renew_it(
    cloud_api, caplog, status, body
):
    cloud_api.reply(status, body)

    with caplog.at_level("DEBUG"):
        error = send_error()

    assert not error.permanent
    assert "renew WHATSAPP_ACCESS_TOKEN" in str(error)
    assert TOKEN not in str(error)
    assert "renew WHATSAPP_ACCESS_TOKEN" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(("status", "body"), OUTAGES)
def test_outages_are_temporary(cloud_api, status, body):
    cloud_api.reply(status, body)

    assert not send_error().permanent


def test_an_unreachable_api_is_temporary(cloud_api, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WHATSAPP_API_BASE = f"http://127.0.0.1:{port}/v21.0"

    error = send_error()

    assert not error.permanent
    assert "unreachable" in str(error)


def test_a_slow_api_times_out_as_temporary(cloud_api, monkeypatch):
    monkeypatch.setattr(CloudApiChannel, "timeout", 0.3)
    cloud_api.stall = True

    error = send_error()

    assert not error.permanent
    assert "unreachable" in str(error)


def test_a_redirect_is_not_followed_with_the_token(cloud_api, settings):
    cloud_api.reply(302, b"", Location=f"{settings.WHATSAPP_API_BASE}/elsewhere")

    error = send_error()

    assert not error.permanent
    assert len(cloud_api.requests) == 1


def test_an_acceptance_without_a_message_id_is_not_sent_twice(cloud_api):
    cloud_api.reply(200, {"messaging_product": "whatsapp"})

    error = send_error()

    assert error.permanent
    assert "duplicate" in str(error)


# --- Through the outbox --------------------------------------------------------------------------


def enqueue(**changes) -> Notification:
    fields = {
        "template": "import_finished",
        "dedup_key": "import_finished:test",
        "context": {"file_name": "data.xlsx", "created": 12, "rejected": 3},
        "to_address": "+6281234567890",
        "channel": "whatsapp",
        "language": "en",
    }
    return notification_enqueue(**{**fields, **changes})


@pytest.mark.django_db
def test_the_outbox_sends_and_records_the_message_id(cloud_api):
    notification = enqueue()

    assert notification_deliver(notification.pk) == "sent"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.provider_id == WAMID
    assert notification.attempts == 1
    template = cloud_api.requests[0].json()["template"]
    assert template["name"] == "import_finished"
    assert template["language"] == {"code": "en"}
    assert [p["text"] for p in template["components"][0]["parameters"]] == [
        "data.xlsx",
        "12",
        "3",
    ]


TEMPORARY = [
    pytest.param(429, {}, "rate limit", id="rate-limit"),
    pytest.param(401, meta_error(190, f"Invalid token {TOKEN}"), "renew", id="token"),
    pytest.param(502, b"Bad Gateway", "unavailable", id="outage"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "body", "said"), TEMPORARY)
def test_a_temporary_failure_waits_for_a_later_attempt(cloud_api, status, body, said):
    notification = enqueue()
    cloud_api.reply(status, body)
    before = timezone.now()

    assert notification_deliver(notification.pk) == "retry"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert notification.send_after > before + timedelta(seconds=30)
    assert notification.lease_until is None
    assert said in notification.last_error
    assert TOKEN not in notification.last_error


@pytest.mark.django_db
def test_missing_configuration_leaves_the_row_waiting(cloud_api, settings):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    notification = enqueue()

    assert notification_deliver(notification.pk) == "retry"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert "WHATSAPP_ACCESS_TOKEN" in notification.last_error


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "body"), BAD_RECIPIENTS[:3])
def test_a_permanent_failure_fails_the_row_at_once(cloud_api, status, body):
    notification = enqueue()
    cloud_api.reply(status, body)

    assert notification_deliver(notification.pk) == "failed"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert str(body["error"]["code"]) in notification.last_error


@pytest.mark.django_db
def test_an_invalid_number_fails_the_row_without_calling_meta(cloud_api):
    notification = enqueue(to_address="+62123")

    assert notification_deliver(notification.pk) == "failed"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error
    assert cloud_api.requests == []


@pytest.mark.django_db
def test_the_outbox_gives_up_after_the_last_attempt(cloud_api, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = enqueue()
    outcomes = []
    for _attempt in range(3):
        cloud_api.reply(401, meta_error(190, "Session has expired"))
        outcomes.append(notification_deliver(notification.pk))
        # Make the backoff's wait pass.
        Notification.objects.filter(pk=notification.pk).update(send_after=timezone.now())

    assert outcomes == ["retry", "retry", "failed"]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 3
    assert "renew WHATSAPP_ACCESS_TOKEN" in notification.last_error
    assert TOKEN not in notification.last_error
    assert len(cloud_api.requests) == 3


@pytest.mark.django_db
def test_a_renewed_token_sends_the_waiting_row(cloud_api):
    notification = enqueue()
    cloud_api.reply(401, meta_error(190, "Session has expired"))
    assert notification_deliver(notification.pk) == "retry"
    Notification.objects.filter(pk=notification.pk).update(send_after=timezone.now())

    assert notification_deliver(notification.pk) == "sent"

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""
