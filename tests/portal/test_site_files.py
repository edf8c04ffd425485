"""Files asked for at fixed addresses (/favicon.ico), and pages search engines may index."""

import io

import pytest
from PIL import Image


def test_favicon_is_a_real_icon_at_the_root_in_every_language(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=86400" in response["Cache-Control"] and "public" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]
    # One address whatever the language (outside i18n_patterns), and no cookie.
    assert client.get("/en/favicon.ico").status_code == 404
    assert not response.cookies


@pytest.mark.parametrize("url", ["/donasi/", "/en/donasi/"])
def test_the_fund_giving_page_may_be_indexed(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "noindex" not in response.content.decode()
    assert "noindex" not in response.get("X-Robots-Tag", "")


def test_student_visits_are_explained_to_anyone_before_signing_in(client, db):
    response = client.get("/kunjungan/")
    assert response.status_code == 200
    assert 'href="/kunjungan/daftar/"' in response.content.decode()
    assert not response.cookies
