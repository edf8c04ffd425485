"""The base template: landmarks, labels, language switch, Content Security Policy."""

import re

import pytest

PUBLIC_PAGES = ["/", "/privasi/", "/akun/login/", "/akun/signup/", "/akun/password/reset/"]


def directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_page_has_a_strict_content_security_policy(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_pages_carry_no_inline_script_or_style(client, db, url):
    html = client.get(url).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    for script in re.findall(r"<script\b[^>]*>", html):
        # Only files from /static/ or inert JSON data blocks.
        assert "src=" in script or 'type="application/json"' in script, script


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_pages_have_landmarks_a_skip_link_and_a_language(client, db, url):
    html = client.get(url).content.decode()
    assert '<html lang="id">' in html
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<meta name="viewport"' in html


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_form_field_has_a_label(client, db, url):
    html = client.get(url).content.decode()
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labelled, tag


def test_indonesian_is_the_default_and_english_is_under_en(client, db):
    indonesian = client.get("/")
    english = client.get("/en/")
    assert indonesian["Content-Language"] == "id"
    assert english["Content-Language"] == "en"
    assert '<html lang="en">' in english.content.decode()
    assert "Masuk" in indonesian.content.decode()
    assert "Sign in" in english.content.decode()
    assert "Sign in" not in indonesian.content.decode()


def language_links(html: str) -> dict[str, str]:
    nav = html.split('class="language-switch"', 1)[1].split("</nav>", 1)[0]
    return dict(
        (code, href) for href, code in re.findall(r'<a href="([^"]*)" lang="([a-z]+)"', nav)
    )


def test_the_language_switch_links_to_this_page_in_each_language(client, db):
    assert language_links(client.get("/privasi/?x=1").content.decode()) == {
        "id": "/privasi/?x=1",
        "en": "/en/privasi/?x=1",
    }
    assert language_links(client.get("/en/privasi/?x=1").content.decode()) == {
        "id": "/privasi/?x=1",
        "en": "/en/privasi/?x=1",
    }
    english = client.get("/en/privasi/").content.decode()
    assert 'lang="en" hreflang="en" aria-current="page"' in english


def test_anonymous_public_pages_set_no_cookie(client, db):
    for url in ("/", "/en/", "/privasi/"):
        response = client.get(url)
        assert not response.cookies, (url, response.cookies)
        assert 'name="csrfmiddlewaretoken"' not in response.content.decode()


def test_a_demonstration_environment_says_so(client, db, settings):
    assert "demonstration" in client.get("/en/").content.decode().lower()
    settings.PORTAL_ENV = "prod"
    assert "demonstration" not in client.get("/en/").content.decode().lower()


def test_security_headers(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_unknown_pages_are_a_friendly_404(client, db):
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert "skip-link" in response.content.decode()
