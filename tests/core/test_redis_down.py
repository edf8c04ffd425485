"""docs/architecture.md, "Redis down": pages render, sign-in and sign-up work, and every rate limit
falls back to a per-process limit, never to "no limit" and never to an error page.

The caches are prod's (``config.settings.redis_caches``), pointed at a Redis that is not there,
or at a redis-server this file starts, stops and starts again."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from community.models import Referral
from config.settings import redis_caches
from tests.conftest import deliver_notifications, missing_service
from tests.factories import GENTENG, PASSWORD, UserFactory, make_official, totp_code
from tests.factories.community import post_referral, referral_data
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
REDIS_SERVER = "/usr/bin/redis-server"


def use_redis(settings, url: str, **options) -> None:
    settings.CACHES = redis_caches(url)
    for alias in settings.CACHES:
        settings.CACHES[alias]["OPTIONS"].update(options)
    # What an earlier test counted in this process's fallback memory is not this test's.
    caches["default"].clear()


@pytest.fixture
def redis_down(settings):
    use_redis(settings, CLOSED)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- Everything a visitor does still works -------------------------------------------------------


def test_a_donor_signs_in_and_lands_on_their_page(client, redis_down):
    donor = UserFactory()
    response = sign_in(client, donor.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert client.get(reverse("accounts:home")).status_code == 200


def test_an_official_signs_in_with_their_code_and_a_used_code_stays_used(client, redis_down):
    official = make_official("data_officer")
    response = sign_in(client, official.email)
    assert response["Location"] == reverse("mfa_authenticate")
    code = totp_code(official)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:import_upload")
    assert client.get(reverse("portal:officials_home")).status_code == 200

    # The used-code marker fell back to memory too: the same code does not open a second door.
    client.logout()
    sign_in(client, official.email)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_up_works(client, redis_down):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "warga@example.org",
            "password1": "sebuah-kata-sandi-panjang",
            "password2": "sebuah-kata-sandi-panjang",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.filter(email="warga@example.org").exists()


def test_a_password_reset_is_requested_and_sent(client, redis_down):
    UserFactory(email="lupa@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "lupa@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    deliver_notifications()
    assert mail.outbox[-1].to == ["lupa@example.org"]


def test_the_report_pages_open_and_take_a_referral(client, redis_down):
    assert client.get(reverse("community:referral_create")).status_code == 200
    response = post_referral(client)
    assert response.status_code == 302
    assert "/laporkan/kode/" in response["Location"]
    listing = RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)
    concern = reverse("community:concern_create", args=[listing.public_id])
    assert client.get(concern).status_code == 200


def test_public_pages_render_and_are_not_cached(client, redis_down, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    listing = RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)
    for url in ("/", "/lansia/", f"/lansia/{listing.public_id}/"):
        for _visit in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            # Rendered every time: no process keeps its own copy of a public page.
            assert captured.captured_queries, url
    assert listing.pseudonym in response.content.decode()


# --- Every rate limit still holds ------------------------------------------------------------


def test_failed_sign_ins_are_still_limited(client, redis_down):
    donor = UserFactory()
    for _ in range(5):  # ACCOUNT_RATE_LIMITS: login_failed 5/5m/key
        sign_in(client, donor.email, "wrong")
    response = sign_in(client, donor.email)
    assert response.status_code == 200
    assert "Terlalu banyak percobaan masuk" in str(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session


def test_sign_in_attempts_per_address_are_still_limited(client, redis_down, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    donor = UserFactory()
    for _ in range(3):
        assert sign_in(client, donor.email).status_code == 302
        client.logout()
    assert sign_in(client, donor.email).status_code == 429


def test_one_address_still_sends_only_so_many_reports(client, redis_down, settings):
    settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR = 2
    for n in range(2):
        assert post_referral(client, phone=f"0812345678{n:02d}").status_code == 302
    assert post_referral(client, phone="081234567899").status_code == 429
    assert Referral.objects.count() == 2
    other = client.post(
        reverse("community:referral_create"),
        referral_data(phone="081234567898"),
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302


def test_the_open_data_api_is_still_throttled(client, redis_down, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert [client.get("/api/v1/listings/").status_code for _ in range(3)] == [200, 200, 429]


# --- The breaker, the log and the health check ---------------------------------------------------


def test_an_outage_is_logged_once_and_redis_is_not_asked_again_at_once(settings, caplog):
    # A port of its own: the breaker is per address and process, and no other test opened it.
    port = free_port()
    use_redis(settings, f"redis://:secret@127.0.0.1:{port}/0")
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for n in range(20):
            cache.set(f"k{n}", n)
            assert cache.get(f"k{n}") == n
    assert not cache.breaker.allows()
    warnings = [record for record in caplog.records if record.name == "core.cache"]
    assert len(warnings) == 1
    assert f"127.0.0.1:{port}" in warnings[0].getMessage()
    assert "secret" not in caplog.text


def test_the_page_cache_never_falls_back(redis_down):
    from redis.exceptions import ConnectionError

    with pytest.raises(ConnectionError):
        caches["pages"].set("public-page:x", "a page")


def test_the_health_check_still_reports_redis_down(client, redis_down):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "memory://"
    try:
        response = client.get("/healthz/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "down"


# --- A Redis that goes away and comes back ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int, directory) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            *(REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return server
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def stop_redis(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which(REDIS_SERVER):
        missing_service(f"redis-server is not installed at {REDIS_SERVER}")
    port = free_port()
    servers = [start_redis(port, tmp_path)]
    yield port, servers, tmp_path
    for server in servers:
        if server.poll() is None:
            stop_redis(server)


def test_sign_in_and_limits_survive_redis_going_away_and_the_cache_returns(
    client, settings, own_redis, caplog
):
    import redis

    port, servers, directory = own_redis
    use_redis(settings, f"redis://127.0.0.1:{port}/0", retry_seconds=0.2)
    direct = redis.Redis(port=port)
    cache = caches["default"]
    cache.set("before", "in redis")
    assert direct.get("rk:1:before") is not None

    stop_redis(servers[0])
    donor, other = UserFactory(), UserFactory()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert sign_in(client, donor.email)["Location"] == reverse("accounts:home")
        client.logout()
        for _ in range(5):
            sign_in(client, other.email, "wrong")
        refused = sign_in(client, other.email)
        assert refused.status_code == 200
        assert "_auth_user_id" not in client.session
    assert "does not answer" in caplog.text

    servers.append(start_redis(port, directory))
    time.sleep(0.3)  # the breaker's pause
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        cache.set("after", "in redis again")
    assert direct.get("rk:1:after") is not None
    assert cache.get("after") == "in redis again"
    assert "answers again" in caplog.text
    assert sign_in(client, donor.email)["Location"] == reverse("accounts:home")


def test_the_redis_client_is_built_once_per_pool_not_per_call(settings):
    """Django builds a ``redis.Redis`` per cache call; ours keeps one per pool (core.cache
    KeptClient), which also must not stop it from failing over when Redis is down."""
    use_redis(settings, CLOSED)
    backend = caches["pages"]._cache
    assert backend.get_client() is backend.get_client()
    assert backend.get_client(write=True) is backend.get_client()
    with pytest.raises(Exception):  # noqa: B017 (whichever error Redis down is, it is raised)
        caches["pages"].get("anything")
