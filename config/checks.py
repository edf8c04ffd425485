"""System checks that keep an unsafe production from starting.

Registered by ``portal.apps``; run by every management command, by ``config.wsgi`` and
``config.asgi`` before serving, and by the Celery worker before it takes a task. The check that
asks Stripe over the network runs only with ``manage.py check --deploy`` (docs/operations.md,
"Payments"): a start-up must not wait on, or fail with, someone else's service.
"""

import base64
import binascii

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from config import devkeys
from notifications.channels.whatsapp import CloudApiChannel

TAG = "portal_env"

# What docs/operations.md tells an operator to generate: ``secrets.token_urlsafe(50)`` for
# SECRET_KEY (67 characters) and Fernet.generate_key() for PII keys (32 random bytes). Django's
# own rule for SECRET_KEY (at least 50 characters, at least 5 different ones) is the floor.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
# 32 random bytes show about 30 different values; fewer than 16 is a hand-made key
# (b"0" * 32, a password padded out), whatever Fernet's format check says.
FERNET_MIN_DISTINCT_BYTES = 16
# secrets.token_urlsafe(48) is 64 characters; below 32 a NIK hash is weakly keyed.
NIK_HMAC_KEY_MIN_LENGTH = 32


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to even read an empty SECRET_KEY
        return ""


def _weak_secret_key(key: str) -> bool:
    return (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_DISTINCT
        or key.startswith("django-insecure-")
    )


def _weak_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        return False  # not a Fernet key at all: E004 says so
    return len(set(raw)) < FERNET_MIN_DISTINCT_BYTES


def _key_problems(refuse, warn) -> None:
    """The keys must be the operator's own: never a public dev value, never one value for two
    purposes (a leak of one would open the other), never weaker than documented."""
    secret_key = _secret_key()
    fallbacks = list(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])
    pii_keys = list(settings.PII_ENCRYPTION_KEYS)
    named = [
        ("SECRET_KEY", secret_key),
        *((f"SECRET_KEY_FALLBACKS[{i}]", k) for i, k in enumerate(fallbacks, start=1)),
        ("NIK_HMAC_KEY", settings.NIK_HMAC_KEY),
        *((f"PII_ENCRYPTION_KEYS[{i}]", k) for i, k in enumerate(pii_keys, start=1)),
        ("STRIPE_WEBHOOK_SECRET", settings.STRIPE_WEBHOOK_SECRET),
    ]
    for name, value in named:
        if value and (value in devkeys.ALL or value.startswith(devkeys.dev_only(""))):
            refuse(
                "E014",
                f"{name} is the public development value.",
                "The dev keys are in the repository: anybody could sign sessions, forge "
                "payment events or reverse NIK hashes with them. Generate your own "
                "(docs/operations.md, 'Before the first start').",
            )
    seen: dict[str, str] = {}
    for name, value in named:
        if not value:
            continue
        if value in seen and not (
            seen[value].startswith("SECRET_KEY") and name.startswith("SECRET_KEY")
        ):
            refuse(
                "E015",
                f"{name} has the same value as {seen[value]}.",
                "Each key has one purpose: generate a separate value for each.",
            )
        seen.setdefault(value, name)
    if secret_key and _weak_secret_key(secret_key):
        refuse(
            "E016",
            "SECRET_KEY is weaker than documented.",
            f"Use at least {SECRET_KEY_MIN_LENGTH} random characters: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    for position, key in enumerate(pii_keys, start=1):
        if _weak_fernet_key(key):
            refuse(
                "E017",
                f"Key number {position} in PII_ENCRYPTION_KEYS is not random enough.",
                "Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())', then run manage.py rotate_pii_keys.",
            )
    nik_key = settings.NIK_HMAC_KEY
    if nik_key and (len(nik_key) < NIK_HMAC_KEY_MIN_LENGTH or len(set(nik_key)) < 5):
        warn(
            "W001",
            "NIK_HMAC_KEY is weaker than documented.",
            "Every stored NIK hash, every former NIK and every erased person's hash was made "
            "with this key, and only the hash of those is kept: changing it would lose "
            "duplicate detection and the refusal of erased people. Keep it if data exists; "
            "a new deployment should use python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'.",
        )


@checks.register(TAG, deploy=False)
def check_production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.PORTAL_ENV != "prod":
        return []
    errors: list[checks.CheckMessage] = []

    def refuse(id_: str, msg: str, hint: str) -> None:
        errors.append(checks.Error(msg, hint=hint, id=f"portal.{id_}"))

    def warn(id_: str, msg: str, hint: str) -> None:
        errors.append(checks.Warning(msg, hint=hint, id=f"portal.{id_}"))

    _key_problems(refuse, warn)
    if not _secret_key():
        refuse("E001", "SECRET_KEY is not set.", "Set SECRET_KEY to a long random string.")
    if not settings.NIK_HMAC_KEY:
        refuse(
            "E002",
            "NIK_HMAC_KEY is not set.",
            "Set NIK_HMAC_KEY to a long random string; never change it once data is imported.",
        )
    if not settings.PII_ENCRYPTION_KEYS:
        refuse(
            "E003",
            "PII_ENCRYPTION_KEYS is not set.",
            "Set a comma-separated list of Fernet keys; the first one encrypts.",
        )
    for position, key in enumerate(settings.PII_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key)
        except ValueError:
            refuse(
                "E004",
                f"Key number {position} in PII_ENCRYPTION_KEYS is not a valid Fernet key.",
                "Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
            )
    if not settings.ALLOWED_HOSTS:
        refuse(
            "E005",
            "ALLOWED_HOSTS is not set.",
            "List the portal's host names, separated by commas.",
        )
    if settings.DEBUG:
        refuse("E006", "DEBUG is on in prod.", "Unset DEBUG or set it to 0.")
    if settings.PAYMENTS_SANDBOX:
        refuse(
            "E007",
            "The sandbox payment gateway is enabled in prod.",
            "Unset PAYMENTS_SANDBOX: in prod only real gateways take money.",
        )
    if getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None):
        refuse("E008", "An MFA bypass code is set in prod.", "Remove the MFA bypass code.")
    if not settings.DATABASE_URL:
        refuse("E009", "DATABASE_URL is not set.", "Point DATABASE_URL at PostgreSQL.")
    if not settings.REDIS_URL:
        refuse("E010", "REDIS_URL is not set.", "Point REDIS_URL at Redis (broker and cache).")
    if not settings.WHATSAPP_API_BASE.startswith("https://"):
        refuse(
            "E011",
            "WHATSAPP_API_BASE is not an https:// address.",
            "The WhatsApp token travels in every request: use Meta's https address.",
        )
    if not _stripe_api_base_safe():
        refuse(
            "E018",
            "STRIPE_API_BASE is set and is not an https:// address.",
            "The Stripe secret key travels in every request: leave STRIPE_API_BASE empty in "
            "prod (Stripe itself), or give an https address.",
        )
    if settings.MIDTRANS_ENABLED:
        _midtrans_problems(refuse)
    if not settings.PAYMENTS_SANDBOX:
        if not settings.STRIPE_SECRET_KEY:
            refuse(
                "E012",
                "STRIPE_SECRET_KEY is not set.",
                "Set the Stripe secret key (or a restricted key) so card gifts can be taken.",
            )
        if not settings.STRIPE_WEBHOOK_SECRET:
            refuse(
                "E013",
                "STRIPE_WEBHOOK_SECRET is not set.",
                "Set the signing secret of the /donations/stripe/webhook/ endpoint: without it "
                "no payment can be recorded.",
            )
    return errors


# Midtrans's sandbox server keys start so (its Dashboard, "Access Keys"); production keys
# start "Mid-server-".
MIDTRANS_SANDBOX_KEY_PREFIX = "SB-Mid-server-"


def _midtrans_problems(refuse) -> None:
    """Midtrans enabled in prod takes real money: its key must be a production key of the
    operator's own, against Midtrans's production API, over https only."""
    key = settings.MIDTRANS_SERVER_KEY
    if not key:
        refuse(
            "E019",
            "MIDTRANS_ENABLED is on and MIDTRANS_SERVER_KEY is not set.",
            "Set the production server key from Midtrans's Dashboard, or unset "
            "MIDTRANS_ENABLED: without it no notification can be verified.",
        )
    elif key in devkeys.ALL or key.startswith(devkeys.dev_only("")):
        refuse(
            "E020",
            "MIDTRANS_SERVER_KEY is the public development value.",
            "Anybody could sign a Midtrans notification with it: set the production server "
            "key from Midtrans's Dashboard.",
        )
    elif key.startswith(MIDTRANS_SANDBOX_KEY_PREFIX):
        refuse(
            "E021",
            "MIDTRANS_SERVER_KEY is a Midtrans sandbox key.",
            "In prod Midtrans takes real money: set the production server key (it starts "
            "'Mid-server-') and MIDTRANS_PRODUCTION=1.",
        )
    if not settings.MIDTRANS_PRODUCTION:
        refuse(
            "E022",
            "MIDTRANS_PRODUCTION is off: Midtrans's sandbox API would be asked.",
            "Set MIDTRANS_PRODUCTION=1 with the production server key.",
        )
    for name in ("MIDTRANS_API_BASE", "MIDTRANS_SNAP_BASE", "MIDTRANS_NOTIFICATION_URL"):
        value = getattr(settings, name)
        if value and not value.startswith("https://"):
            refuse(
                "E023",
                f"{name} is set and is not an https:// address.",
                "The server key travels in every request to Midtrans, and a notification "
                "address must be https: leave the API bases empty (Midtrans itself) and give "
                "the portal's https address.",
            )


def _stripe_api_base_safe() -> bool:
    base = settings.STRIPE_API_BASE
    return not base or base.startswith("https://")


@checks.register(TAG, deploy=True)
def check_stripe_settlement_currency(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The Stripe account must settle in rupiah: the ledger is in whole rupiah, and a fee or
    payout in another currency cannot be booked without a conversion that would hide the
    difference (``donations.services.giving.gift_fee_record`` refuses such a fee)."""
    if settings.PORTAL_ENV != "prod" or settings.PAYMENTS_SANDBOX:
        return []
    if not settings.STRIPE_SECRET_KEY or not _stripe_api_base_safe():
        return []  # E012 or E018 says so; the key is not sent anywhere unsafe to find out
    # Lazy: config sits below the apps; only this check needs the gateway.
    from donations.gateways import GatewayError  # noqa: PLC0415
    from donations.gateways.stripe import StripeGateway  # noqa: PLC0415

    try:
        currency = StripeGateway().settlement_currency()
    except GatewayError as error:
        if str(error) == "APIConnectionError":
            # Not reached (a network blip): said, but not a reason to stop a deploy.
            return [
                checks.Info(
                    "Stripe could not be reached to ask which currency the account settles in.",
                    hint="Run manage.py check --deploy again once this host reaches Stripe.",
                    id="portal.I003",
                )
            ]
        return [
            checks.Warning(
                "Stripe could not be asked which currency the account settles in.",
                hint=f"Stripe answered {error}. Check STRIPE_SECRET_KEY and that this host "
                "reaches Stripe, then run manage.py check --deploy again.",
                id="portal.W003",
            )
        ]
    if currency != "idr":
        return [
            checks.Warning(
                f"The Stripe account settles in {currency or 'an unknown currency'}, not "
                "rupiah (idr).",
                hint="Its payouts would not reconcile with the portal's rupiah ledger, and "
                "converting them would hide it: fees in another currency are refused and "
                "listed for the finance officers. Set the account's default currency to IDR "
                "at Stripe (docs/operations.md, 'Payments').",
                id="portal.W002",
            )
        ]
    return []


@checks.register(TAG, deploy=False)
def check_inspection_thresholds(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In every environment: the scores that allow "pass" and "pass with notes" must keep
    0 <= with notes <= pass <= 100 (docs/operations.md, "Health inspections"). Otherwise a
    pass would be easier than a pass with notes, or out of reach, and every inspection form
    would explain a rule that cannot be followed."""
    passing = settings.INSPECTION_PASS_SCORE
    notes = settings.INSPECTION_PASS_WITH_NOTES_SCORE
    if 0 <= notes <= passing <= 100:
        return []
    return [
        checks.Error(
            f"INSPECTION_PASS_SCORE ({passing}) and INSPECTION_PASS_WITH_NOTES_SCORE ({notes}) "
            "do not keep 0 <= pass with notes <= pass <= 100.",
            hint="A pass needs the higher score, a pass with notes the lower one, both out of "
            "100: for example INSPECTION_PASS_SCORE=80 and INSPECTION_PASS_WITH_NOTES_SCORE=60 "
            "(the defaults).",
            id="portal.E024",
        )
    ]


@checks.register(TAG, deploy=False)
def check_outbox_lease(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In every environment: a batch of the outbox must fit in its lease
    (docs/architecture.md, "The outbox"). A worker claims a batch's rows with one lease and
    sends them one after another; were the lease shorter than a batch of slow sends, the
    beat would hand the batch's last rows to another worker while the first still holds
    them, and a person would get a message twice although nothing crashed."""
    size = settings.NOTIFICATION_BATCH_SIZE
    send = settings.NOTIFICATION_SEND_SECONDS
    lease = settings.NOTIFICATION_LEASE_SECONDS
    if size < 1 or send < 1 or size * send > lease:
        return [
            checks.Error(
                f"NOTIFICATION_BATCH_SIZE ({size}) x NOTIFICATION_SEND_SECONDS ({send}) is more "
                f"than NOTIFICATION_LEASE_SECONDS ({lease}), or one of the first two is below 1.",
                hint="A batch of the slowest sends must end within its lease: lower "
                "NOTIFICATION_BATCH_SIZE or raise NOTIFICATION_LEASE_SECONDS (the defaults: "
                "20 x 15 <= 300).",
                id="portal.E025",
            )
        ]
    timeouts = {"WhatsApp's request": CloudApiChannel.timeout}
    if getattr(settings, "EMAIL_TIMEOUT", None):
        timeouts["EMAIL_TIMEOUT"] = settings.EMAIL_TIMEOUT
    longer = {name: seconds for name, seconds in timeouts.items() if seconds > send}
    if longer:
        return [
            checks.Warning(
                f"NOTIFICATION_SEND_SECONDS ({send}) is shorter than "
                + ", ".join(f"{name} ({seconds} s)" for name, seconds in longer.items())
                + ".",
                hint="A send that runs into its channel's timeout would outlast what a batch's "
                "lease allows it: raise NOTIFICATION_SEND_SECONDS (and the lease with it).",
                id="portal.W004",
            )
        ]
    return []


def raise_if_not_ready() -> None:
    """Refuse to serve or work when the production checks (or, in any environment, the
    inspection thresholds or the outbox's lease) fail."""
    errors = [
        e
        for e in [
            *check_production_settings(),
            *check_inspection_thresholds(),
            *check_outbox_lease(),
        ]
        if e.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured(
            "Refusing to start: " + "; ".join(f"{e.id} {e.msg}" for e in errors)
        )
