"""HEAD is answered wherever GET is (RFC 9110 9.3.2): link checkers, uptime monitors and
WhatsApp's link preview send it first, and a 405 tells them the page is broken."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import GENTENG
from tests.factories.portal import RecipientFactory


@pytest.fixture
def listing(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


def public_pages(listing) -> list[str]:
    pages = [
        "/",
        "/privasi/",
        "/lansia/",
        f"/lansia/{listing.public_id}/",
        f"/lansia/{listing.public_id}/laporkan/",
        "/donasi/",
        f"/donasi/untuk/{listing.public_id}/",
        "/donasi/transparansi/",
        "/dampak/",
        "/laporkan/",
        "/kunjungan/",
        "/sertifikat/cek/",
        "/akun/login/",
        "/akun/signup/",
        "/akun/password/reset/",
    ]
    return [
        *pages,
        *(f"/en{page}" for page in pages),
        "/robots.txt",
        "/sitemap.xml",
        "/favicon.ico",
        "/api/v1/listings/",
        "/api/v1/outcomes/",
        "/healthz/",
    ]


def test_head_on_every_public_page_is_a_200_without_a_body(client, listing):
    for url in public_pages(listing):
        got = client.get(url)
        head = client.head(url)
        assert head.status_code == 200 == got.status_code, url
        assert head.content == b"", url
        assert head["Content-Type"] == got["Content-Type"], url


def test_head_on_an_officials_page_asks_for_the_same_sign_in_as_get(client, db):
    for url in ("/petugas/", "/petugas/registri/", "/kunjungan/jadwal/", "/akun/saya/"):
        get, head = client.get(url), client.head(url)
        assert head.status_code == get.status_code == 302, url
        assert head["Location"] == get["Location"], url


def test_head_never_runs_what_a_post_would(client, db, settings):
    # A view that tells GET from POST by asking "is it GET?" would take a HEAD for a submission:
    # the sandbox checkout would answer 400 (no outcome chosen) instead of showing its page.
    from donations.models import SandboxSession

    settings.PAYMENTS_SANDBOX = True
    session = SandboxSession.objects.create(
        session_id="cs_sandbox_head",
        mode="payment",
        amount_sen=5_000_000,
        customer_email="a@example.com",
        description="Rantang Kasih",
        success_url="/donasi/",
        cancel_url="/donasi/",
    )
    url = "/donasi/sandbox/cs_sandbox_head/"
    assert client.head(url).status_code == client.get(url).status_code == 200
    session.refresh_from_db()
    assert session.status == "open"


def queries(method, url) -> tuple[int, bytes, int]:
    with CaptureQueriesContext(connection) as captured:
        response = method(url)
    return len(captured.captured_queries), response.content, response.status_code


@pytest.fixture
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


@pytest.mark.usefixtures("_cache_on")
def test_a_head_is_answered_from_the_page_cache_where_the_get_would_be(client, listing):
    for url in ("/", "/lansia/", f"/lansia/{listing.public_id}/", "/en/lansia/"):
        spent, body, status = queries(client.get, url)
        assert spent > 0 and body and status == 200
        spent, body, status = queries(client.head, url)
        assert (spent, body, status) == (0, b"", 200), url


@pytest.mark.usefixtures("_cache_on")
def test_a_head_first_fills_the_cache_with_the_whole_page(client, listing):
    url = f"/lansia/{listing.public_id}/"
    spent, body, status = queries(client.head, url)
    assert spent > 0 and body == b"" and status == 200
    spent, body, status = queries(client.get, url)
    assert spent == 0 and status == 200
    assert listing.pseudonym in body.decode()


@pytest.mark.usefixtures("_cache_on")
def test_a_head_with_a_cookie_is_never_answered_from_the_cache(client, listing):
    client.get("/lansia/")
    client.cookies["sessionid"] = "anything"
    spent, body, status = queries(client.head, "/lansia/")
    assert spent > 0 and body == b"" and status == 200
