"""The charts of /dampak/ are SVG a browser can draw in both languages: a number in a machine
attribute is never written the Indonesian way ("4,0"), which no SVG parser reads."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest

from accounts.models import Role
from meals.services.deliveries import delivery_mark
from outcomes.services import outcomes_refresh
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
SVG = "{http://www.w3.org/2000/svg}"
GEOMETRY = ("x", "y", "width", "height", "font-size")


@pytest.fixture
def figures():
    warung = warung_in(GENTENG)
    lead = make_official(Role.LEAD_REVIEWER)
    reached = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    plan = plan_for(reached, warung, actor=lead)
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    # Seven people in Genteng, one reached, and one in Muncar: bar widths of 180 / 7.
    for code in (GENTENG,) * 6 + (MUNCAR,):
        RecipientFactory(kecamatan_code=code, publishable=True, status="published")
    outcomes_refresh(month=TODAY)


def charts(html: str) -> list[ET.Element]:
    """Every <svg> of the page, read by an XML parser in the SVG namespace (inline SVG in HTML
    may leave it out; a standalone SVG file may not)."""
    found = []
    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        if "xmlns=" not in svg.split(">", 1)[0]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        found.append(ET.fromstring(svg))  # noqa: S314 (our own page, in a test)
    return found


@pytest.mark.parametrize("url", ["/dampak/", "/en/dampak/"])
def test_every_chart_parses_as_svg_with_numbers_in_its_attributes(client, figures, url):
    found = charts(client.get(url).content.decode())
    assert len(found) == 2
    fractions = 0
    for svg in found:
        assert svg.tag == f"{SVG}svg"
        box = svg.get("viewBox").split()
        assert len(box) == 4 and all(float(n) >= 0 for n in box), box
        shapes = [*svg.iter(f"{SVG}rect"), *svg.iter(f"{SVG}text")]
        assert shapes
        for shape in shapes:
            for name in GEOMETRY:
                if (value := shape.get(name)) is not None:
                    assert re.fullmatch(r"-?\d+(\.\d+)?", value), (name, value)
                    fractions += float(value) != int(float(value))
    assert fractions, "the figures should give some bars a fractional width"


def test_indonesian_and_english_charts_have_the_same_geometry(client, figures):
    def geometry(url):
        return [
            (shape.tag, tuple(shape.get(name) for name in GEOMETRY))
            for svg in charts(client.get(url).content.decode())
            for shape in svg.iter()
        ]

    assert geometry("/dampak/") == geometry("/en/dampak/")
