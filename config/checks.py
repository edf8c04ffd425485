"""System checks that keep an unsafe production from starting.

Registered by ``portal.apps``; run by every management command, by ``config.wsgi`` and
``config.asgi`` before serving, and by the Celery worker before it takes a task.
"""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "portal_env"


def _secret_key_set() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to even read an empty SECRET_KEY
        return False


@checks.register(TAG, deploy=False)
def check_production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.PORTAL_ENV != "prod":
        return []
    errors = []

    def refuse(id_: str, msg: str, hint: str) -> None:
        errors.append(checks.Error(msg, hint=hint, id=f"portal.{id_}"))

    if not _secret_key_set():
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


def raise_if_not_ready() -> None:
    """Refuse to serve or work when the production checks fail."""
    errors = [e for e in check_production_settings() if e.is_serious()]
    if errors:
        raise ImproperlyConfigured(
            "Refusing to start: " + "; ".join(f"{e.id} {e.msg}" for e in errors)
        )
