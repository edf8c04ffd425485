"""Numbers meant for machines (SVG geometry, a progress bar's value, data attributes) are written
the one way every parser reads, whatever the page's language: never "4,0", never "150.000"."""

import re
from html.parser import HTMLParser

import pytest

from donations.selectors.progress import public_listings_progress
from tests.factories import GENTENG
from tests.factories.donations import TEST_WEBHOOK_SECRET, paid_gift
from tests.factories.portal import RecipientFactory

# Attributes whose value is a number (or a list of numbers) read by a browser or a script.
NUMERIC = {"x", "y", "width", "height", "viewbox", "value", "min", "max", "step", "font-size"}
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d{1,2})?")


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None or (name == "value" and tag not in {"progress", "meter"}):
                continue
            if name in NUMERIC or (name.startswith("data-") and re.search(r"\d", value)):
                self.found.append((tag, name, value))


def machine_attributes(html: str) -> list[tuple[str, str, str]]:
    parser = Attributes()
    parser.feed(html)
    return parser.found


@pytest.fixture
def listing(db, settings):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    person = RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)
    paid_gift(recipient=person, amount=150_000)
    return person


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_machine_numbers_are_never_localised(client, listing, settings, prefix):
    # The thousands separator is off today; a number that would follow it if it were turned on
    # is a number a template forgot to unlocalise.
    settings.USE_THOUSAND_SEPARATOR = True
    raised = public_listings_progress([listing])[listing.public_id].raised
    assert raised >= 1000
    seen = 0
    for url in ("/", "/lansia/", f"/lansia/{listing.public_id}/", "/dampak/", "/donasi/"):
        for tag, name, value in machine_attributes(client.get(prefix + url).content.decode()):
            if name == "viewbox":
                assert all(PLAIN_NUMBER.fullmatch(n) for n in value.split()), (url, tag, value)
            elif name.startswith("data-") and not PLAIN_NUMBER.fullmatch(value):
                assert not re.fullmatch(r"[\d.,\s]+", value), (url, tag, name, value)
            elif not name.startswith("data-") and not value.endswith("%"):
                assert PLAIN_NUMBER.fullmatch(value), (url, tag, name, value)
            seen += 1
    assert seen
    page = client.get(f"{prefix}/lansia/{listing.public_id}/").content.decode()
    assert f'data-raised="{raised}"' in page
