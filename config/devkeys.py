"""The fixed keys of dev and test, in one place so that prod can refuse them.

They are public (they are in this repository): a newcomer's database stays readable across
restarts, and ``config.checks`` refuses every one of them in prod. With the dev webhook secret
anybody could sign a "payment completed" event; with the dev NIK key a NIK hash is as good as
unkeyed (the NIK space is small enough to enumerate).
"""

import base64
import hashlib


def dev_only(label: str) -> str:
    return f"dev-only-NOT-SECRET-{label}"


def dev_fernet_key(label: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(dev_only(label).encode()).digest()).decode()


SECRET_KEY = dev_only("django-secret-key")
NIK_HMAC_KEY = dev_only("nik-hmac-key")
PII_ENCRYPTION_KEY = dev_fernet_key("pii-encryption-key")
STRIPE_WEBHOOK_SECRET = "whsec_dev_only_not_a_secret"  # noqa: S105 (public on purpose)
# Midtrans's sandbox keys start "SB-Mid-server-"; the sandbox gateway signs with this one.
MIDTRANS_SERVER_KEY = "SB-Mid-server-dev_only_not_a_secret"  # public on purpose

ALL = frozenset(
    {SECRET_KEY, NIK_HMAC_KEY, PII_ENCRYPTION_KEY, STRIPE_WEBHOOK_SECRET, MIDTRANS_SERVER_KEY}
)
