"""Settings of the Rantang Kasih portal, driven by the environment.

`PORTAL_ENV` picks one of three shapes:

- ``dev`` (the default): embedded. SQLite, Celery tasks run eagerly, e-mail to the console,
  sandbox payments, fixed development keys that are clearly not secret.
- ``test``: like dev, but PostgreSQL/Redis are used when ``DATABASE_URL``/``REDIS_URL`` are set.
- ``prod``: everything from the environment. ``config.checks`` refuses to start when a key is
  missing, ``DEBUG`` is on or the sandbox gateway is enabled.

Every variable read here is listed in the README's table of environment variables.
"""

import datetime
import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import devkeys

BASE_DIR = Path(__file__).resolve().parent.parent

PORTAL_ENV = os.environ.get("PORTAL_ENV", "dev").strip().lower()
if PORTAL_ENV not in {"dev", "test", "prod"}:
    raise ImproperlyConfigured(f"PORTAL_ENV must be dev, test or prod, not {PORTAL_ENV!r}.")
IS_PROD = PORTAL_ENV == "prod"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


# Fixed, public keys in dev and test (config/devkeys.py); prod refuses them (config/checks.py).
# --- Keys --------------------------------------------------------------------------------------
# In prod a missing key stays empty: config.checks reports it by name instead of a traceback.
SECRET_KEY = os.environ.get("SECRET_KEY", "" if IS_PROD else devkeys.SECRET_KEY)
# Old signing keys still accepted (sessions, one-time links) while a new SECRET_KEY settles in.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
NIK_HMAC_KEY = os.environ.get("NIK_HMAC_KEY", "" if IS_PROD else devkeys.NIK_HMAC_KEY)
PII_ENCRYPTION_KEYS = env_list("PII_ENCRYPTION_KEYS", "" if IS_PROD else devkeys.PII_ENCRYPTION_KEY)

DEBUG = env_bool("DEBUG", default=PORTAL_ENV == "dev")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PROD else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The absolute address of the portal, for links written outside a request (CLI, e-mail).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The programme's contact, in every page's footer. The phone is shown only when set (a wrong
# number printed on every page is worse than none); it is dialled as written, in E.164 if valid.
PORTAL_CONTACT_EMAIL = os.environ.get(
    "PORTAL_CONTACT_EMAIL", "kontak@rantangkasih.banyuwangikab.go.id"
).strip()
PORTAL_CONTACT_PHONE = os.environ.get("PORTAL_CONTACT_PHONE", "").strip()

# Payments through the sandbox gateway (a local checkout page): dev and test only.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", default=not IS_PROD)

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.sitemaps",
    "django_celery_beat",
    "notifications",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "core",  # no models: the template filters of core.numbers ({% load numbers %})
    "regions",
    "accounts",
    "portal",
    "volunteers",
    "donations",
    "meals",
    "community",  # residents' referrals, concerns on listings, data rights
    "attention",  # the attention queue: items opened and closed by the services above
    "outcomes",  # the outcome figures read every app above: last
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, carrying sessions of the earlier backends over to accounts.backends.
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

if IS_PROD:
    # Static files from gunicorn itself, compressed and cached forever by hashed name. In dev
    # runserver serves them from static/.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=60 if IS_PROD else 0, conn_health_checks=True
        )
    }
elif IS_PROD:
    # Reported by config.checks; the dummy backend lets `manage.py check` say so plainly.
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",  # type: ignore[typeddict-item]
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


if PORTAL_ENV == "test" and REDIS_URL:
    # Tests get their own database number so a run never touches a developer's data.
    REDIS_URL = redis_db(REDIS_URL, env_int("TEST_REDIS_DB", 15))


# docs/architecture.md, "Redis down": the default cache carries every rate limit and allauth's TOTP
# used-code marker, so in prod it falls back to this process's memory while Redis is down
# (core.cache). The anonymous page cache has its own alias without that fallback: a page kept
# in one process's memory would miss another process's invalidation, so it renders instead.
def redis_caches(url: str) -> dict:
    """The caches of prod, on the Redis at ``url`` (a function, so tests can point it at a
    Redis that is down)."""
    options = {"socket_connect_timeout": 2, "socket_timeout": 2, "retry_seconds": 5}
    return {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "rk",
            "OPTIONS": options,
        },
        "pages": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "rk-pages",
            "OPTIONS": {**options, "fallback": False},
        },
    }


if IS_PROD and REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    # allauth keeps its rate limits in the cache: a shared Redis cache would carry 429s from one
    # test run into the next, so dev and test keep theirs in memory.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "public-pages",
        },
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not IS_PROD)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A web request must never hang on a broker that is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task runs; reminders wait in the outbox (send_after), never as an ETA.
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
# How tasks are acknowledged, retried and routed is in config/celery.py.
# Celery's Django fix-up closes the database connection around every task unless told to
# reuse it: a new connection per notification cost more than sending it.
CELERY_DB_REUSE_MAX = 1000

# --- Notifications (the outbox) ----------------------------------------------------------------
NOTIFICATION_BACKENDS = {
    "email": "notifications.channels.email.EmailChannel",
    "whatsapp": os.environ.get(
        "NOTIFICATION_WHATSAPP_BACKEND",
        "notifications.channels.whatsapp.CloudApiChannel"
        if IS_PROD
        else "notifications.channels.console.ConsoleChannel",
    ),
}
if PORTAL_ENV == "test":
    NOTIFICATION_BACKENDS = {
        "email": "notifications.channels.email.EmailChannel",  # Django's locmem mail in tests
        "whatsapp": "notifications.channels.memory.MemoryChannel",
    }
# A claimed row not marked sent within this many seconds is sent again (the worker died).
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 300)
# Due rows go to Celery this many to a task: claimed in one statement, each sent and marked
# on its own (docs/architecture.md, "The outbox").
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 20)
# The longest one send may take, the channels' own timeouts included (WhatsApp's request and
# EMAIL_TIMEOUT, 10 s each). A batch's lease must cover a batch of such sends:
# NOTIFICATION_BATCH_SIZE x NOTIFICATION_SEND_SECONDS <= NOTIFICATION_LEASE_SECONDS, or the
# portal refuses to start (portal.E025); and no send starts with less than this much of its
# lease left.
NOTIFICATION_SEND_SECONDS = env_int("NOTIFICATION_SEND_SECONDS", 15)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
# The WhatsApp Cloud API (Meta): the sending number's id, a system-user token, the version.
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_ACCESS_TOKEN = os.environ.get("WHATSAPP_ACCESS_TOKEN", "")
WHATSAPP_API_BASE = os.environ.get("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0")
# Names of the pre-approved WhatsApp templates, when Meta approved them under other names
# (notification kind=template name, comma-separated).
NOTIFICATION_WHATSAPP_TEMPLATES = dict(
    item.split("=", 1) for item in env_list("NOTIFICATION_WHATSAPP_TEMPLATES") if "=" in item
)

# --- Accounts and allauth ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# One backend: allauth's, reading a signed-in person's roles with them (accounts/backends.py,
# which says why Django's ModelBackend is no longer listed beside it).
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"

# Behind the reverse proxy every request comes from the proxy: allauth's per-IP rate limits
# must read the visitor's address from X-Forwarded-For, trusting this many proxies.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if IS_PROD else 0)

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rantang Kasih] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/ip",
}
# The one-time link printed by `add_official` is a password-reset link: it stops working once a
# password is set (the token covers the password hash) and after this many seconds.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

MFA_ADAPTER = "accounts.mfa_adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rantang Kasih Banyuwangi"
# One 30-second step either way: a phone whose clock is a little off still signs in.
MFA_TOTP_TOLERANCE = 1
# Development convenience only: allauth itself refuses it unless DEBUG is on, and
# config.checks refuses it in prod.
if PORTAL_ENV == "dev" and DEBUG:
    MFA_TOTP_INSECURE_BYPASS_CODE = os.environ.get("MFA_DEV_BYPASS_CODE", "000000") or None

# --- APIs (DRF) -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Tokens are stored hashed and expire (django-rest-knox); never a plain-text token.
    "DEFAULT_AUTHENTICATION_CLASSES": ["knox.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "user": "600/minute"},
}
REST_KNOX = {"TOKEN_TTL": datetime.timedelta(days=90), "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rantang Kasih Banyuwangi API",
    "DESCRIPTION": "Open data of public listings, and Diskominfo's batch import of recipients.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- The programme (docs/domain.md): legal and programme figures are settings, not literals -
# A portion costs about Rp12.000 and a person gets two a day: Rp720.000 a month by default.
PORTION_COST_RUPIAH = env_int("PORTION_COST_RUPIAH", 12_000)
MEALS_PER_DAY = env_int("MEALS_PER_DAY", 2)
DAYS_PER_MONTH = 30
LANSIA_MIN_AGE = 60  # UU 13/1998 Pasal 1
# The largest Diskominfo file the portal reads (bytes); bigger files are refused whole.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Anonymous public pages are cached whole this long (invalidated at once when a listing
# changes: core.pagecache). Off in tests, which change data behind the views' backs.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 0 if PORTAL_ENV == "test" else 300)
# A village is named on a public listing only when at least this many people are listed there.
PUBLIC_VILLAGE_MIN_LISTINGS = 5

# --- Money (docs/architecture.md, "Money") ---------------------------------------------------
# What one gift may be, in whole rupiah: below the minimum the card fee eats the gift; the
# maximum keeps a typo (an extra zero) from charging a donor ten times what they meant.
DONATION_MIN_RUPIAH = env_int("DONATION_MIN_RUPIAH", 10_000)
DONATION_MAX_RUPIAH = env_int("DONATION_MAX_RUPIAH", 100_000_000)


def env_rupiah_range(method: str, default: tuple[int, int]) -> tuple[int, int]:
    """A payment method's (smallest, largest) gift from PAYMENT_<METHOD>_MIN_RUPIAH and
    _MAX_RUPIAH, within the overall DONATION_MIN/MAX_RUPIAH bounds."""
    prefix = f"PAYMENT_{method.upper()}"
    low = env_int(f"{prefix}_MIN_RUPIAH", default[0])
    high = env_int(f"{prefix}_MAX_RUPIAH", default[1])
    if not DONATION_MIN_RUPIAH <= low <= high <= DONATION_MAX_RUPIAH:
        raise ImproperlyConfigured(
            f"{prefix}_MIN_RUPIAH ({low}) and {prefix}_MAX_RUPIAH ({high}) must be a range within "
            f"DONATION_MIN_RUPIAH ({DONATION_MIN_RUPIAH}) and DONATION_MAX_RUPIAH "
            f"({DONATION_MAX_RUPIAH})."
        )
    return low, high


# Each payment method's own (smallest, largest) gift, in whole rupiah, keyed by Gift.Method's
# values: what the payment service accepts, or what the finance officers want to check by
# hand. A method not listed takes the overall bounds above; a new method adds its line.
# QRIS takes at most Rp10.000.000 a payment (Bank Indonesia's limit); an e-wallet at most what
# an unverified wallet may hold (Rp2.000.000); a virtual account what the banks' apps allow.
PAYMENT_METHOD_LIMITS = {
    "card": env_rupiah_range("card", (DONATION_MIN_RUPIAH, DONATION_MAX_RUPIAH)),
    "bank_transfer": env_rupiah_range("bank_transfer", (DONATION_MIN_RUPIAH, DONATION_MAX_RUPIAH)),
    "qris": env_rupiah_range("qris", (DONATION_MIN_RUPIAH, min(DONATION_MAX_RUPIAH, 10_000_000))),
    "gopay": env_rupiah_range("gopay", (DONATION_MIN_RUPIAH, min(DONATION_MAX_RUPIAH, 2_000_000))),
    "shopeepay": env_rupiah_range(
        "shopeepay", (DONATION_MIN_RUPIAH, min(DONATION_MAX_RUPIAH, 2_000_000))
    ),
    **{
        va: env_rupiah_range(va, (DONATION_MIN_RUPIAH, DONATION_MAX_RUPIAH))
        for va in ("va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata")
    },
}
# Operating costs may take at most this share of what a collection period received
# (PP 29/1980 Pasal 6); a period may set its own.
OPERATING_COST_CAP_PERCENT = env_int("OPERATING_COST_CAP_PERCENT", 10)
# Stripe (hosted Checkout): the secret key and the webhook endpoint's signing secret. With
# PAYMENTS_SANDBOX the sandbox gateway signs its events with STRIPE_WEBHOOK_SECRET too.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get(
    "STRIPE_WEBHOOK_SECRET", "" if IS_PROD else devkeys.STRIPE_WEBHOOK_SECRET
)
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
# Every call to Stripe gives up after these (connect, read) seconds: the SDK's own default is
# 80 s, longer than a web worker may take. Reconciliation asks again on its next run.
STRIPE_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_CONNECT_TIMEOUT_SECONDS", "5"))
STRIPE_READ_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_READ_TIMEOUT_SECONDS", "20"))
# Where the Stripe API is: empty for Stripe itself; a local fake (stripe-mock, a test
# server) can stand in. Production refuses anything but https (config/checks.py).
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Midtrans (Snap): QRIS, e-wallets and bank virtual accounts, one-off gifts only. Its HTTP
# notification is signed with the server key (SHA-512 of order id, status code, gross amount
# and the key) and every one is confirmed by asking the status API before money is recorded.
# A sandbox key starts "SB-Mid-server-"; production refuses one while Midtrans is enabled
# (config/checks.py). Enabled by default wherever a server key is set (always with the
# sandbox, whose gateway signs its notifications with the dev key).
MIDTRANS_SERVER_KEY = os.environ.get(
    "MIDTRANS_SERVER_KEY", "" if IS_PROD else devkeys.MIDTRANS_SERVER_KEY
)
MIDTRANS_ENABLED = env_bool("MIDTRANS_ENABLED", default=bool(MIDTRANS_SERVER_KEY))
# Midtrans's production API (True) or its sandbox API (False): the key must be of the same.
MIDTRANS_PRODUCTION = env_bool("MIDTRANS_PRODUCTION", default=IS_PROD)
# The portal's notification address, sent with every transaction (X-Override-Notification),
# so a Dashboard setting left pointing elsewhere cannot lose a payment.
MIDTRANS_NOTIFICATION_URL = os.environ.get("MIDTRANS_NOTIFICATION_URL", "")
# Where Midtrans's APIs are: empty for Midtrans itself (production or sandbox, as above); a
# local fake can stand in (tests). Production refuses anything but https.
MIDTRANS_API_BASE = os.environ.get("MIDTRANS_API_BASE", "")
MIDTRANS_SNAP_BASE = os.environ.get("MIDTRANS_SNAP_BASE", "")
MIDTRANS_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("MIDTRANS_CONNECT_TIMEOUT_SECONDS", "5"))
MIDTRANS_READ_TIMEOUT_SECONDS = float(os.environ.get("MIDTRANS_READ_TIMEOUT_SECONDS", "20"))
# How long a donor has to pay, per method, in minutes: a QR or an e-wallet approval is paid at
# once; a virtual account is paid from a banking app or an ATM, often later the same day.
MIDTRANS_EXPIRY_MINUTES = {
    "qris": env_int("MIDTRANS_QRIS_EXPIRY_MINUTES", 15),
    "gopay": env_int("MIDTRANS_GOPAY_EXPIRY_MINUTES", 15),
    "shopeepay": env_int("MIDTRANS_SHOPEEPAY_EXPIRY_MINUTES", 15),
    **{
        va: env_int(f"MIDTRANS_{va.upper()}_EXPIRY_MINUTES", 24 * 60)
        for va in ("va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata")
    },
}
# What Midtrans keeps of a payment, per method: (percent, fixed rupiah), from the programme's
# contract with Midtrans (its API does not report fees; its settlement report does). The
# defaults are Midtrans's published prices; set the contract's with MIDTRANS_FEES_JSON.
MIDTRANS_FEES: dict[str, tuple[float, int]] = {
    "qris": (0.7, 0),
    "gopay": (2.0, 0),
    "shopeepay": (2.0, 0),
    **{va: (0.0, 4_000) for va in ("va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata")},
    **{
        method: (float(percent), int(fixed))
        for method, (percent, fixed) in json.loads(
            os.environ.get("MIDTRANS_FEES_JSON", "{}")
        ).items()
    },
}
# A checkout still open this long after it was opened is asked about (a lost webhook).
PAYMENTS_RECONCILE_AFTER_MINUTES = env_int("PAYMENTS_RECONCILE_AFTER_MINUTES", 60)
# The account donors transfer to, shown with their unique reference.
BANK_TRANSFER_BANK = os.environ.get("BANK_TRANSFER_BANK", "Bank Jatim")
BANK_TRANSFER_ACCOUNT_NUMBER = os.environ.get("BANK_TRANSFER_ACCOUNT_NUMBER", "0011223344")
BANK_TRANSFER_ACCOUNT_NAME = os.environ.get(
    "BANK_TRANSFER_ACCOUNT_NAME", "Rekening Donasi Rantang Kasih Pemkab Banyuwangi"
)
# A unique code of 1 to 999 rupiah added to each transfer's amount, so that a transfer whose
# reference the donor forgot is still found on the statement by its exact amount.
BANK_TRANSFER_UNIQUE_CODE = env_bool("BANK_TRANSFER_UNIQUE_CODE", True)
# A bank's statement export (CSV) a finance officer uploads: the largest accepted file, and how
# long its lines that are not gifts (third parties' data) are kept, counted from their date.
BANK_STATEMENT_MAX_BYTES = env_int("BANK_STATEMENT_MAX_BYTES", 2 * 1024 * 1024)
BANK_STATEMENT_KEEP_DAYS = env_int("BANK_STATEMENT_KEEP_DAYS", 90)
# Transfer proofs (image or PDF) and disbursement proofs: the largest accepted upload.
DONATION_PROOF_MAX_BYTES = env_int("DONATION_PROOF_MAX_BYTES", 5 * 1024 * 1024)
# Proofs one address may send in an hour. The transfer page needs no account and each proof is
# decoded or rendered to be cleaned, so an unlimited page would let anyone burn the server's
# memory and CPU; a donor sends one proof, or a better one.
DONATION_PROOFS_PER_IP_PER_HOUR = env_int("DONATION_PROOFS_PER_IP_PER_HOUR", 10)
# How long a guest's signed link to their gifts stays valid.
DONOR_LINK_MAX_AGE_DAYS = env_int("DONOR_LINK_MAX_AGE_DAYS", 400)
# --- Student visits (volunteers/) --------------------------------------------------------------
# A student younger than this needs a parent's or guardian's recorded consent before their
# first booking (UU PDP Pasal 25: children's data).
VISITS_GUARDIAN_CONSENT_UNDER_AGE = env_int("VISITS_GUARDIAN_CONSENT_UNDER_AGE", 18)
# How long the guardian's signed link works.
VISITS_GUARDIAN_LINK_DAYS = env_int("VISITS_GUARDIAN_LINK_DAYS", 7)
# Students per slot an organiser may offer.
VISITS_SLOT_MIN_CAPACITY = env_int("VISITS_SLOT_MIN_CAPACITY", 2)
VISITS_SLOT_MAX_CAPACITY = env_int("VISITS_SLOT_MAX_CAPACITY", 6)
# At most this many visits to one person in one week (Monday to Sunday, WIB).
VISITS_MAX_PER_PERSON_PER_WEEK = env_int("VISITS_MAX_PER_PERSON_PER_WEEK", 2)
# A recurring slot repeats weekly at most this many times.
VISITS_MAX_REPEAT_WEEKS = 5
# A student may cancel a booking until this many hours before the visit.
VISITS_CANCEL_HOURS_BEFORE = env_int("VISITS_CANCEL_HOURS_BEFORE", 24)
# The exact address is shown to a booked student from this many hours before the visit until
# the end of its day (WIB).
VISITS_ADDRESS_HOURS_BEFORE = 48
# Reminders: the day before at this hour (WIB), and this many hours before the visit.
VISITS_REMINDER_EVE_HOUR = env_int("VISITS_REMINDER_EVE_HOUR", 18)
VISITS_REMINDER_HOURS_BEFORE = 2
# The check-in code is accepted from this many minutes before the visit to the end of its day;
# a booking stops accepting codes after this many wrong ones (an organiser marks it instead).
VISITS_CHECKIN_OPENS_MINUTES_BEFORE = 30
VISITS_CHECKIN_MAX_ATTEMPTS = 5
# A student who attended and has not reported is reminded this many hours after the visit.
VISITS_REPORT_REMINDER_HOURS_AFTER = env_int("VISITS_REPORT_REMINDER_HOURS_AFTER", 3)
# --- Community reports and data rights ---------------------------------------------------------
# A reporter's phone or e-mail is proven by a code typed back: how long it lives, how many
# wrong tries it survives, how many codes one contact may be sent in a day.
COMMUNITY_CODE_TTL_MINUTES = env_int("COMMUNITY_CODE_TTL_MINUTES", 15)
COMMUNITY_CODE_MAX_ATTEMPTS = env_int("COMMUNITY_CODE_MAX_ATTEMPTS", 5)
COMMUNITY_CODES_PER_CONTACT_PER_DAY = env_int("COMMUNITY_CODES_PER_CONTACT_PER_DAY", 5)
# Reports (referrals and concerns) one address may send in an hour; the address is kept only
# as a keyed hash in the cache, for the hour.
COMMUNITY_REPORTS_PER_IP_PER_HOUR = env_int("COMMUNITY_REPORTS_PER_IP_PER_HOUR", 10)
# Listings one verified contact may take down with privacy concerns in a (WIB) day.
COMMUNITY_SUSPENSIONS_PER_CONTACT_PER_DAY = env_int("COMMUNITY_SUSPENSIONS_PER_CONTACT_PER_DAY", 3)
# This many verified concerns within the window alert the lead reviewers (once per window).
COMMUNITY_CONCERN_BURST_COUNT = env_int("COMMUNITY_CONCERN_BURST_COUNT", 10)
COMMUNITY_CONCERN_BURST_MINUTES = env_int("COMMUNITY_CONCERN_BURST_MINUTES", 60)
# Reports whose contact was never verified are deleted after this many hours; a closed
# report's reporter contact and free text are wiped after this many days.
COMMUNITY_UNVERIFIED_RETENTION_HOURS = env_int("COMMUNITY_UNVERIFIED_RETENTION_HOURS", 24)
COMMUNITY_CLOSED_RETENTION_DAYS = env_int("COMMUNITY_CLOSED_RETENTION_DAYS", 180)
# How long a reporter's signed link to their report's status page works; each message about
# a step carries a new one. The page tells steps only, so it may outlive the contact's wiping.
COMMUNITY_STATUS_LINK_DAYS = env_int("COMMUNITY_STATUS_LINK_DAYS", 400)
# UU PDP: access, correction and erasure requests are answered within 3x24 hours.
RIGHTS_REQUEST_DEADLINE_HOURS = env_int("RIGHTS_REQUEST_DEADLINE_HOURS", 72)

# Meals: health inspections of the warung. After a pass the next is due in six
# months, after a failure in two weeks (an inspector may set another date).
MEALS_INSPECTION_INTERVAL_DAYS = env_int("MEALS_INSPECTION_INTERVAL_DAYS", 180)
MEALS_REINSPECTION_DAYS = env_int("MEALS_REINSPECTION_DAYS", 14)
MEALS_INSPECTION_MAX_PHOTOS = 6
# The result an inspection's checklist score allows (docs/operations.md, "Health
# inspections"): "pass" at or above INSPECTION_PASS_SCORE, "pass with notes" at or above
# INSPECTION_PASS_WITH_NOTES_SCORE, "fail" at any score. Out of 11 items: 9 met (82) pass,
# 7 or 8 met (64, 73) pass with notes, 6 or fewer (55 and below) fail. config/checks.py
# refuses to start with 0 <= with notes <= pass <= 100 broken.
INSPECTION_PASS_SCORE = env_int("INSPECTION_PASS_SCORE", 80)
INSPECTION_PASS_WITH_NOTES_SCORE = env_int("INSPECTION_PASS_WITH_NOTES_SCORE", 60)

# Which version of the privacy notice (templates/portal/privacy.html) people consent to.
PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11")

# --- Languages and time ------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
# The portal's own catalogue, then its corrections of allauth's Indonesian to the glossary
# (docs/glossary.md: "Anda", "kata sandi", "email"), made by scripts/glossary_apply.py.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_allauth"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

# --- Files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploads that carry personal data never get a URL: they are read through views that check
# permission (accounts.storage.private_file_response).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
# STORAGE_BACKEND=local keeps uploads on this host's disk (the embedded default); s3 keeps them
# in two buckets of an S3-compatible store, so several web hosts share them: a private bucket
# (no public URL, objects private; views stream them after their check) and a public one for
# re-encoded photos. docs/operations.md, "Object storage".
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "us-east-1").strip()
STORAGE_PRIVATE_BUCKET = os.environ.get("STORAGE_PRIVATE_BUCKET", "rantang-kasih-private")
STORAGE_PUBLIC_BUCKET = os.environ.get("STORAGE_PUBLIC_BUCKET", "rantang-kasih-public")


def s3_options(bucket: str) -> dict[str, object]:
    """django-storages options for one bucket; credentials from the environment only."""
    return {
        "bucket_name": bucket,
        "endpoint_url": AWS_S3_ENDPOINT_URL,
        "region_name": AWS_S3_REGION_NAME,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        # Path-style addresses (http://host/bucket/key) work with MinIO and moto alike.
        "addressing_style": "path",
    }


if STORAGE_BACKEND == "s3":
    UPLOAD_STORAGES: dict[str, dict[str, object]] = {
        "default": {
            "BACKEND": "accounts.storage_s3.PublicS3Storage",
            "OPTIONS": s3_options(STORAGE_PUBLIC_BUCKET),
        },
        "private": {
            "BACKEND": "accounts.storage_s3.PrivateS3Storage",
            "OPTIONS": s3_options(STORAGE_PRIVATE_BUCKET),
        },
    }
else:
    UPLOAD_STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "accounts.storage.PrivateStorage",
            "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
        },
    }
STORAGES = {
    **UPLOAD_STORAGES,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PROD
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Rantang Kasih Banyuwangi <noreply@rantangkasih.banyuwangikab.go.id>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The right-hand side of every outbox e-mail's Message-ID (<rk-…@this>): the sender's domain
# unless set. A repeat of a message carries the same Message-ID (docs/architecture.md).
_sender = DEFAULT_FROM_EMAIL.strip().rstrip(">").rpartition("@")
_sender_domain = _sender[2].strip() if _sender[1] else ""
NOTIFICATION_MESSAGE_ID_DOMAIN = (
    os.environ.get("NOTIFICATION_MESSAGE_ID_DOMAIN", "").strip()
    or _sender_domain
    or urlsplit(PORTAL_BASE_URL).hostname
    or "localhost"
)
if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*", NOTIFICATION_MESSAGE_ID_DOMAIN):
    raise ImproperlyConfigured(
        f"NOTIFICATION_MESSAGE_ID_DOMAIN={NOTIFICATION_MESSAGE_ID_DOMAIN!r} is not a domain name"
    )
if IS_PROD:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Security ----------------------------------------------------------------------------------
# docs/architecture.md, "Redis down": sessions stay in the database, so nobody is signed out
# when Redis goes (Django's default, written out so that nobody moves them to the cache by
# accident).
# Django's database sessions, their one read per request built once per process.
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if IS_PROD:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer and the compose healthcheck ask over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The Content Security Policy allows only what the portal serves itself: no inline script or
# style, no third-party origin. A page that needs another origin widens the policy on its own
# view only (django-csp's ``csp_update``: the giving pages, for Stripe's hosted checkout).
CSP_FORM_ACTIONS = ["'self'"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # allauth draws the TOTP enrolment QR code as a data: URI.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": CSP_FORM_ACTIONS,
    }
}

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if PORTAL_ENV == "test":
    # A model exercising the encrypted fields, used by the test suite only.
    INSTALLED_APPS += ["tests.pii_testapp"]
    # Tests create hundreds of accounts; a slow hash proves nothing there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Periodic tasks ----------------------------------------------------------------------------
# Celery beat (django_celery_beat's scheduler copies these entries into its tables at start).
CELERY_BEAT_SCHEDULE = {
    # docs/architecture.md: nothing waits as a Celery ETA; every minute the outbox sends what is due
    # and what a dead worker left behind.
    "notifications.dispatch_due": {
        "task": "notifications.dispatch_due",
        "schedule": datetime.timedelta(minutes=1),
    },
    # Each official's attention items and review queue, every morning at 07:00 WIB (only
    # when something waits).
    "portal.review_digest": {
        "task": "portal.review_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # Payments: checkouts open over an hour, missing fees, lost monthly invoices, deferred
    # gateway events, sponsorships of people who left the programme.
    "donations.reconcile": {
        "task": "donations.reconcile",
        "schedule": datetime.timedelta(minutes=10),
    },
    # docs/data-protection.md: statement lines that are not gifts are purged after 90 days.
    "donations.statement_lines_purge": {
        "task": "donations.statement_lines_purge",
        "schedule": crontab(hour=2, minute=30),
    },
    # The 1st of each month, 09:00 WIB: a short update to each monthly sponsor.
    "donations.sponsor_updates": {
        "task": "donations.sponsor_updates",
        "schedule": crontab(minute=0, hour=9, day_of_month=1),
    },
    # docs/architecture.md: staged import files are deleted once confirmed or after 24 hours.
    "portal.staged_imports_purge": {
        "task": "portal.staged_imports_purge",
        "schedule": datetime.timedelta(hours=1),
    },
    # Student visits: remind students who attended and have not reported yet.
    "volunteers.report_reminders": {
        "task": "volunteers.report_reminders",
        "schedule": datetime.timedelta(minutes=15),
    },
    # Community reports and data rights: overdue 3x24-hour requests alert the lead
    # reviewers; reporters hear when the person they reported is listed or reached; reports
    # past their retention are deleted or wiped.
    "community.rights_overdue_alert": {
        "task": "community.rights_overdue_alert",
        "schedule": datetime.timedelta(minutes=15),
    },
    "community.referral_progress": {
        "task": "community.referral_progress",
        "schedule": datetime.timedelta(minutes=30),
    },
    "community.retention_purge": {
        "task": "community.retention_purge",
        "schedule": datetime.timedelta(hours=1),
    },
    # Meals: overdue inspections suspend their warung (00:15 WIB daily); the
    # stored outcome figures of the public impact page are refreshed hourly.
    "meals.inspections_overdue": {
        "task": "meals.inspections_overdue",
        "schedule": crontab(hour=0, minute=15),
    },
    # The attention queue: unmarked warung-days (from 21:00 WIB), overdue inspections, and
    # items past their deadline escalated to the lead reviewers (once).
    "attention.sweep": {
        "task": "attention.sweep",
        "schedule": datetime.timedelta(minutes=15),
    },
    "meals.outcomes_refresh": {
        "task": "meals.outcomes_refresh",
        "schedule": crontab(minute=5),
    },
}
