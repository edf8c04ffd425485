"""Every page says its one address (canonical), its address in each language (hreflang) and
what a shared link shows (Open Graph), on the portal's own address whatever the Host."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.template import RequestContext, Template
from PIL import Image

from tests.factories import GENTENG
from tests.factories.portal import RecipientFactory

BASE = "https://rantangkasih.example.org"


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.canonical: list[str] = []
        self.alternates: dict[str, str] = {}
        self.og: dict[str, list[str]] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        if tag == "link" and attrs.get("rel") == "alternate" and "hreflang" in attrs:
            self.alternates[attrs["hreflang"]] = attrs["href"]
        if tag == "meta" and (attrs.get("property") or "").startswith("og:"):
            self.og.setdefault(attrs["property"], []).append(attrs["content"])
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def head(html: str) -> Head:
    parser = Head()
    parser.feed(html.split("</head>", 1)[0])
    return parser


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE


@pytest.fixture
def listing(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


# The home page and the listings bring their own share tags (portal/public/_share_tags.html).
OWN_SHARE_TAGS = {"/", "/lansia/"}
PAGES = [
    "/",
    "/privasi/",
    "/lansia/",
    "/donasi/",
    "/donasi/transparansi/",
    "/dampak/",
    "/laporkan/",
    "/kunjungan/",
    "/sertifikat/cek/",
    "/akun/login/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_public_page_has_canonical_hreflang_and_open_graph(client, db, url):
    for prefix, locale in (("", "id_ID"), ("/en", "en_US")):
        found = head(client.get(prefix + url, HTTP_HOST="localhost").content.decode())
        assert found.canonical == [f"{BASE}{prefix}{url}"]
        assert found.alternates == {
            "id": f"{BASE}{url}",
            "en": f"{BASE}/en{url}",
            "x-default": f"{BASE}{url}",
        }
        # Each property once: a page with share tags of its own replaces the defaults.
        assert all(len(values) == 1 for values in found.og.values()), found.og
        og = {name: values[0] for name, values in found.og.items()}
        assert og.get("og:url", found.canonical[0]) == found.canonical[0]
        assert og["og:site_name"] == "Rantang Kasih Banyuwangi"
        assert og["og:type"] == "website"
        assert og["og:locale"] == locale
        assert og["og:title"]
        assert og["og:description"]
        if url not in OWN_SHARE_TAGS:
            assert og["og:url"] == found.canonical[0]
            assert og["og:title"] in found.title
            assert og["og:image"].startswith(f"{BASE}/static/img/og-default-")


def test_a_listings_page_keeps_its_page_number_and_drops_its_filters(client, db):
    found = head(client.get("/lansia/?page=2&q=mbah&kecamatan=35.10.09").content.decode())
    assert found.canonical == [f"{BASE}/lansia/?page=2"]
    assert found.alternates["en"] == f"{BASE}/en/lansia/?page=2"


def test_a_listing_page_announces_itself(client, listing):
    url = f"/lansia/{listing.public_id}/"
    found = head(client.get(url).content.decode())
    assert found.canonical == [f"{BASE}{url}"]
    assert listing.pseudonym in found.og["og:title"][0]


def test_the_default_share_image_is_a_1200_by_630_png_per_language():
    for language in ("id", "en"):
        path = finders.find(f"img/og-default-{language}.png")
        assert path, language
        image = Image.open(path)
        assert (image.format, image.size) == ("PNG", (1200, 630))
    # Drawn once by a committed script, like the favicon.
    assert (settings.BASE_DIR / "bench" / "draw_site_images.py").exists()


def test_pages_may_override_what_a_shared_link_shows(rf, db):
    request = rf.get("/lansia/")
    request.user = AnonymousUser()
    page = Template(
        '{% extends "base.html" %}{% block title %}A "title" & more{% endblock %}'
        "{% block og_type %}article{% endblock %}"
        '{% block og_image %}<meta property="og:image" content="https://x/y.png">{% endblock %}'
    )
    html = page.render(RequestContext(request, {}))
    found = head(html)
    assert found.og["og:type"] == ["article"]
    assert found.og["og:image"] == ["https://x/y.png"]
    assert found.og["og:title"] == ['A "title" & more']
    assert "<title>A &quot;title&quot; &amp; more · Rantang Kasih Banyuwangi</title>" in html


def test_an_error_page_claims_no_address(client, db):
    found = head(client.get("/tidak-ada/").content.decode())
    assert found.canonical == [] and found.alternates == {} and "og:url" not in found.og
