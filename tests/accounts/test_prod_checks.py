"""prod refuses to start unsafe; `check --deploy --fail-level WARNING` passes when set up."""

import base64
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import stripe
from cryptography.fernet import Fernet
from django.core import checks
from django.core.checks.registry import registry
from django.test import override_settings

from config import devkeys
from config.checks import (
    check_inspection_thresholds,
    check_outbox_lease,
    check_production_settings,
    check_stripe_settlement_currency,
)
from tests.stripe_api import LocalStripe

ROOT = Path(__file__).resolve().parents[2]

PROD_OK = {
    "PORTAL_ENV": "prod",
    "SECRET_KEY": "x" * 64 + "-not-a-real-secret-but-long-and-varied-1234567890",
    "NIK_HMAC_KEY": "nik-hmac-key-for-the-prod-check-tests-only-0123456789abcdefghij",
    "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "rantangkasih.banyuwangikab.go.id",
    "DATABASE_URL": "postgres://rantang@127.0.0.1:5432/rantang",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "STRIPE_SECRET_KEY": "sk_test_not_a_real_key",
    "STRIPE_WEBHOOK_SECRET": "whsec_not_a_real_secret",
}


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run this project's Python with exactly ``env`` on top of a clean environment."""
    clean = {k: v for k, v in os.environ.items() if k not in PROD_OK and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return python("manage.py", *args, env=env)


def without(key: str) -> dict[str, str]:
    return {k: v for k, v in PROD_OK.items() if k != key}


def ids(**overrides) -> set[str]:
    base = dict(
        PORTAL_ENV="prod",
        SECRET_KEY=PROD_OK["SECRET_KEY"],
        NIK_HMAC_KEY=PROD_OK["NIK_HMAC_KEY"],
        PII_ENCRYPTION_KEYS=[PROD_OK["PII_ENCRYPTION_KEYS"]],
        ALLOWED_HOSTS=["example.org"],
        DEBUG=False,
        PAYMENTS_SANDBOX=False,
        DATABASE_URL=PROD_OK["DATABASE_URL"],
        REDIS_URL=PROD_OK["REDIS_URL"],
        STRIPE_SECRET_KEY=PROD_OK["STRIPE_SECRET_KEY"],
        STRIPE_WEBHOOK_SECRET=PROD_OK["STRIPE_WEBHOOK_SECRET"],
        MIDTRANS_ENABLED=False,
    )
    with override_settings(**{**base, **overrides}):
        return {error.id for error in check_production_settings()}


def test_a_complete_prod_configuration_passes():
    assert ids() == set()
    assert ids(STRIPE_API_BASE="https://stripe-egress.example.org") == set()


@pytest.mark.parametrize(
    ("override", "error_id"),
    [
        ({"SECRET_KEY": ""}, "portal.E001"),
        ({"NIK_HMAC_KEY": ""}, "portal.E002"),
        ({"PII_ENCRYPTION_KEYS": []}, "portal.E003"),
        ({"PII_ENCRYPTION_KEYS": ["not-a-fernet-key"]}, "portal.E004"),
        ({"ALLOWED_HOSTS": []}, "portal.E005"),
        ({"DEBUG": True}, "portal.E006"),
        ({"PAYMENTS_SANDBOX": True}, "portal.E007"),
        ({"MFA_TOTP_INSECURE_BYPASS_CODE": "000000"}, "portal.E008"),
        ({"DATABASE_URL": ""}, "portal.E009"),
        ({"REDIS_URL": ""}, "portal.E010"),
        ({"WHATSAPP_API_BASE": "http://graph.facebook.com/v21.0"}, "portal.E011"),
        ({"STRIPE_SECRET_KEY": ""}, "portal.E012"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "portal.E013"),
        ({"STRIPE_API_BASE": "http://127.0.0.1:12111"}, "portal.E018"),
        ({"STRIPE_API_BASE": "api.stripe.com"}, "portal.E018"),
    ],
)
def test_prod_refuses_each_missing_key_and_unsafe_setting(override, error_id):
    assert ids(**override) == {error_id}


MIDTRANS_OK = {
    "MIDTRANS_ENABLED": True,
    "MIDTRANS_SERVER_KEY": "Mid-server-not-a-real-production-key",
    "MIDTRANS_PRODUCTION": True,
    "MIDTRANS_NOTIFICATION_URL": "https://rantangkasih.example.org/donations/midtrans/notification/",
    "MIDTRANS_API_BASE": "",
    "MIDTRANS_SNAP_BASE": "",
}


def test_midtrans_enabled_with_a_production_key_passes():
    assert ids(**MIDTRANS_OK) == set()
    assert (
        ids(**{**MIDTRANS_OK, "MIDTRANS_API_BASE": "https://midtrans-egress.example.org"}) == set()
    )


@pytest.mark.parametrize(
    ("override", "error_id"),
    [
        ({"MIDTRANS_SERVER_KEY": ""}, "portal.E019"),
        ({"MIDTRANS_SERVER_KEY": devkeys.MIDTRANS_SERVER_KEY}, "portal.E020"),
        ({"MIDTRANS_SERVER_KEY": devkeys.dev_only("midtrans")}, "portal.E020"),
        ({"MIDTRANS_SERVER_KEY": "SB-Mid-server-AbCdEf0123456789"}, "portal.E021"),
        ({"MIDTRANS_PRODUCTION": False}, "portal.E022"),
        ({"MIDTRANS_API_BASE": "http://127.0.0.1:9000"}, "portal.E023"),
        ({"MIDTRANS_SNAP_BASE": "http://app.midtrans.com"}, "portal.E023"),
        ({"MIDTRANS_NOTIFICATION_URL": "http://rantangkasih.example.org/n/"}, "portal.E023"),
    ],
)
def test_prod_refuses_midtrans_with_a_key_or_address_unfit_for_real_money(override, error_id):
    assert ids(**{**MIDTRANS_OK, **override}) == {error_id}


def test_a_sandbox_key_is_not_refused_while_midtrans_is_off():
    settings = {**MIDTRANS_OK, "MIDTRANS_ENABLED": False}
    assert (
        ids(**{**settings, "MIDTRANS_SERVER_KEY": "SB-Mid-server-x", "MIDTRANS_PRODUCTION": False})
        == set()
    )


@pytest.mark.parametrize(
    "override",
    [
        {"SECRET_KEY": devkeys.SECRET_KEY},
        {"SECRET_KEY_FALLBACKS": [devkeys.SECRET_KEY]},
        {"NIK_HMAC_KEY": devkeys.NIK_HMAC_KEY},
        {"PII_ENCRYPTION_KEYS": [devkeys.PII_ENCRYPTION_KEY]},
        {"PII_ENCRYPTION_KEYS": [PROD_OK["PII_ENCRYPTION_KEYS"], devkeys.PII_ENCRYPTION_KEY]},
        {"STRIPE_WEBHOOK_SECRET": devkeys.STRIPE_WEBHOOK_SECRET},
    ],
)
def test_prod_refuses_the_public_dev_keys(override):
    assert "portal.E014" in ids(**override)


@pytest.mark.parametrize(
    "override",
    [
        {"NIK_HMAC_KEY": PROD_OK["SECRET_KEY"]},
        {"STRIPE_WEBHOOK_SECRET": PROD_OK["NIK_HMAC_KEY"]},
        {"SECRET_KEY_FALLBACKS": [PROD_OK["NIK_HMAC_KEY"]]},
        {
            "PII_ENCRYPTION_KEYS": [PROD_OK["PII_ENCRYPTION_KEYS"]] * 1,
            "NIK_HMAC_KEY": PROD_OK["PII_ENCRYPTION_KEYS"],
        },
    ],
)
def test_prod_refuses_one_value_for_two_keys(override):
    assert ids(**override) == {"portal.E015"}


@pytest.mark.parametrize(
    "secret_key",
    ["short-but-not-dev-0123456789", "a" * 80, "django-insecure-" + "k3y" * 20],
)
def test_prod_refuses_a_secret_key_weaker_than_documented(secret_key):
    assert ids(SECRET_KEY=secret_key) == {"portal.E016"}


def test_prod_refuses_a_hand_made_pii_key():
    # A valid Fernet key by format, but 32 zero bytes.
    weak = base64.urlsafe_b64encode(b"\0" * 32).decode()
    assert ids(PII_ENCRYPTION_KEYS=[weak]) == {"portal.E017"}


def test_a_weak_nik_key_is_a_warning_not_a_refusal():
    with override_settings(
        PORTAL_ENV="prod",
        NIK_HMAC_KEY="short",
        PII_ENCRYPTION_KEYS=[PROD_OK["PII_ENCRYPTION_KEYS"]],
        SECRET_KEY=PROD_OK["SECRET_KEY"],
        STRIPE_WEBHOOK_SECRET=PROD_OK["STRIPE_WEBHOOK_SECRET"],
    ):
        found = {(e.id, e.is_serious()) for e in check_production_settings()}
    assert ("portal.W001", False) in found
    assert not any(serious for id_, serious in found if id_ == "portal.W001")


def test_the_web_server_refuses_the_dev_webhook_secret():
    result = python(
        "-c",
        "import config.wsgi",
        env={**PROD_OK, "STRIPE_WEBHOOK_SECRET": devkeys.STRIPE_WEBHOOK_SECRET},
    )
    assert result.returncode != 0
    assert "portal.E014" in result.stderr and "STRIPE_WEBHOOK_SECRET" in result.stderr


def test_dev_and_test_are_not_held_to_prod_rules():
    assert ids(PORTAL_ENV="dev", SECRET_KEY="", PAYMENTS_SANDBOX=True, DEBUG=True) == set()


# --- The settlement currency, asked of Stripe (a local https server) with --deploy only -------

ACCOUNT = {"id": "acct_test_1", "object": "account", "country": "ID", "default_currency": "idr"}


@contextmanager
def stripe_account(answer: tuple[int, dict] = (200, ACCOUNT)):
    """Stripe's /v1/account at a local https address whose certificate the client trusts."""
    with LocalStripe({"/v1/account": answer}, tls=True) as api:
        trusted = stripe.ca_bundle_path
        stripe.ca_bundle_path = api.ca_file
        try:
            yield api
        finally:
            stripe.ca_bundle_path = trusted


def settlement(api: LocalStripe, **overrides) -> list:
    base = dict(
        PORTAL_ENV="prod",
        PAYMENTS_SANDBOX=False,
        STRIPE_SECRET_KEY=PROD_OK["STRIPE_SECRET_KEY"],
        STRIPE_API_BASE=api.base,
    )
    with override_settings(**{**base, **overrides}):
        return check_stripe_settlement_currency()


def test_a_stripe_account_settling_in_rupiah_passes():
    with stripe_account() as api:
        assert settlement(api) == []
    assert [(sent["method"], sent["path"]) for sent in api.requests] == [("GET", "/v1/account")]
    assert api.requests[0]["headers"]["Authorization"] == f"Bearer {PROD_OK['STRIPE_SECRET_KEY']}"


def test_a_stripe_account_settling_in_another_currency_is_a_warning():
    with stripe_account((200, {**ACCOUNT, "default_currency": "usd"})) as api:
        [warning] = settlement(api)
    assert (warning.id, warning.is_serious()) == ("portal.W002", False)
    assert "usd" in warning.msg and "rupiah" in warning.msg
    assert "would not reconcile" in warning.hint and "converting" in warning.hint


def test_a_stripe_that_cannot_be_asked_is_a_warning():
    refused = (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}})
    with stripe_account(refused) as api:
        [warning] = settlement(api)
    assert (warning.id, warning.is_serious()) == ("portal.W003", False)
    assert "AuthenticationError" in warning.hint


@pytest.mark.parametrize(
    "override",
    [
        {"PORTAL_ENV": "dev"},
        {"PORTAL_ENV": "test"},
        {"PAYMENTS_SANDBOX": True},
        {"STRIPE_SECRET_KEY": ""},  # E012 says so
        {"STRIPE_API_BASE": "http://127.0.0.1:9"},  # E018 says so: the key is not sent there
    ],
)
def test_stripe_is_not_asked_outside_prod_or_where_it_cannot_be(override):
    with stripe_account() as api:
        assert settlement(api, **override) == []
    assert api.requests == []


def test_the_settlement_check_runs_with_deploy_only():
    assert check_stripe_settlement_currency in registry.get_checks(include_deployment_checks=True)
    assert check_stripe_settlement_currency not in registry.get_checks()


def manage_trusting(api: LocalStripe, *args: str, env: dict[str, str]):
    """manage.py in a fresh process that trusts the local Stripe's certificate."""
    script = (
        "import sys, stripe; stripe.ca_bundle_path = sys.argv[1]; "
        "sys.argv = ['manage.py', *sys.argv[2:]]; import manage; manage.main()"
    )
    return python("-c", script, api.ca_file, *args, env={**env, "STRIPE_API_BASE": api.base})


def test_check_deploy_passes_at_warning_level_in_prod():
    with stripe_account() as api:
        result = manage_trusting(api, "check", "--deploy", "--fail-level", "WARNING", env=PROD_OK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert [sent["path"] for sent in api.requests] == ["/v1/account"]


def test_check_deploy_warns_of_an_account_not_settling_in_rupiah():
    with stripe_account((200, {**ACCOUNT, "default_currency": "sgd"})) as api:
        result = manage_trusting(api, "check", "--deploy", "--fail-level", "WARNING", env=PROD_OK)
    assert result.returncode != 0
    assert "portal.W002" in result.stderr and "sgd" in result.stderr


def test_a_start_up_does_not_ask_stripe():
    with stripe_account() as api:
        result = manage_trusting(api, "check", env=PROD_OK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert api.requests == []


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "NIK_HMAC_KEY", "PII_ENCRYPTION_KEYS", "ALLOWED_HOSTS"]
)
def test_manage_py_refuses_to_start_prod_without_a_key(missing):
    result = manage("check", env=without(missing))
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_web_server_refuses_to_load_without_a_key():
    result = python("-c", "import config.wsgi", env=without("NIK_HMAC_KEY"))
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr
    assert "NIK_HMAC_KEY" in result.stderr


def test_the_sandbox_gateway_cannot_be_switched_on_in_prod():
    result = manage("check", env={**PROD_OK, "PAYMENTS_SANDBOX": "1"})
    assert result.returncode != 0
    assert "portal.E007" in result.stderr


def test_the_celery_worker_exits_without_a_key():
    worker = ["-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    result = python(*worker, env=without("PII_ENCRYPTION_KEYS"))
    assert result.returncode != 0
    assert "PII_ENCRYPTION_KEYS" in result.stderr


def test_a_stripe_that_cannot_be_reached_is_noted_without_stopping_a_deploy(monkeypatch):
    """A network blip during a deploy: said (I003), below the WARNING level the compose file's
    ``check --deploy --fail-level WARNING`` stops at."""
    import socket

    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(
        PORTAL_ENV="prod",
        PAYMENTS_SANDBOX=False,
        STRIPE_SECRET_KEY=PROD_OK["STRIPE_SECRET_KEY"],
        STRIPE_API_BASE=f"https://127.0.0.1:{port}",
        STRIPE_CONNECT_TIMEOUT_SECONDS=0.5,
    ):
        [note] = check_stripe_settlement_currency()
    assert note.id == "portal.I003"
    assert note.level < checks.WARNING


# --- Inspection thresholds: checked in every environment, at every start ----------------------


@pytest.mark.parametrize(
    ("passing", "notes", "refused"),
    [
        (80, 60, False),  # the defaults
        (70, 70, False),  # a pass with notes only where a pass is allowed too
        (100, 0, False),
        (50, 60, True),  # a pass easier than a pass with notes
        (101, 60, True),  # a pass out of reach
        (80, -1, True),
    ],
)
def test_the_inspection_thresholds_must_keep_pass_above_pass_with_notes(passing, notes, refused):
    for env in ("dev", "prod"):
        with override_settings(
            PORTAL_ENV=env,
            INSPECTION_PASS_SCORE=passing,
            INSPECTION_PASS_WITH_NOTES_SCORE=notes,
        ):
            found = [(e.id, e.is_serious()) for e in check_inspection_thresholds()]
        assert found == ([("portal.E024", True)] if refused else [])


def test_a_start_with_the_inspection_pass_below_pass_with_notes_is_refused():
    bad = {"INSPECTION_PASS_SCORE": "50", "INSPECTION_PASS_WITH_NOTES_SCORE": "60"}
    result = python("-c", "import config.wsgi", env={**PROD_OK, **bad})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and "portal.E024" in result.stderr
    # In dev too: every management command runs the system checks.
    result = manage("check", env={"PORTAL_ENV": "dev", "DATABASE_URL": "", **bad})
    assert result.returncode != 0
    assert "portal.E024" in result.stderr


@pytest.mark.parametrize(
    ("size", "send", "lease", "found"),
    [
        (20, 15, 300, []),  # the defaults: a batch of the slowest sends ends within its lease
        (30, 10, 300, []),
        (1, 300, 300, []),
        (21, 15, 300, [("portal.E025", True)]),  # the batch's last sends would outlive it
        (50, 10, 300, [("portal.E025", True)]),
        (0, 15, 300, [("portal.E025", True)]),
        (20, 0, 300, [("portal.E025", True)]),
        # Shorter than WhatsApp's 10-second request timeout: said, not refused.
        (2, 5, 300, [("portal.W004", False)]),
    ],
)
def test_a_batch_of_the_outbox_must_fit_in_its_lease(size, send, lease, found):
    with override_settings(
        NOTIFICATION_BATCH_SIZE=size,
        NOTIFICATION_SEND_SECONDS=send,
        NOTIFICATION_LEASE_SECONDS=lease,
    ):
        assert [(e.id, e.is_serious()) for e in check_outbox_lease()] == found


def test_a_send_allowance_below_the_mail_timeout_is_said():
    with override_settings(EMAIL_TIMEOUT=30, NOTIFICATION_SEND_SECONDS=15):
        [warning] = check_outbox_lease()
    assert warning.id == "portal.W004" and "EMAIL_TIMEOUT (30 s)" in warning.msg


def test_a_start_with_a_batch_longer_than_its_lease_is_refused():
    bad = {"NOTIFICATION_BATCH_SIZE": "50", "NOTIFICATION_SEND_SECONDS": "15"}
    result = python("-c", "import config.wsgi", env={**PROD_OK, **bad})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and "portal.E025" in result.stderr
    # In dev too, and the worker refuses with the same check (config.celery's worker_init).
    result = manage("check", env={"PORTAL_ENV": "dev", "DATABASE_URL": "", **bad})
    assert result.returncode != 0
    assert "portal.E025" in result.stderr
