import pytest
from django.db.utils import OperationalError

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker(settings):
    """Point Celery at ``url`` for one test, and back."""
    from config.celery import app

    original = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url

    yield use
    app.conf.broker_url = original


def test_healthy_when_database_cache_and_broker_answer(client, db, broker):
    broker("memory://")
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_503_when_the_broker_is_down(client, db, broker):
    broker(UNREACHABLE_REDIS)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "down"}
    assert response.json()["status"] == "down"


def test_503_when_the_cache_is_down(client, db, broker, settings):
    broker("memory://")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "down"


def test_503_when_the_database_is_down(client, db, broker, monkeypatch):
    from django.db import connection

    broker("memory://")

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # The database server itself cannot be stopped from inside a test transaction, so the
    # driver's answer to a dead server is what we reproduce.
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz/")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


def test_healthy_with_the_real_redis_broker(client, db, broker, redis_url):
    broker(redis_url)
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_the_report_reveals_no_internals(client, db, broker):
    broker(UNREACHABLE_REDIS)
    body = client.get("/healthz/").content.decode()
    assert "127.0.0.1" not in body
    assert "Error" not in body
