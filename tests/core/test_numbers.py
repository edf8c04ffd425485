"""Numbers as people read them, one way per language (core.numbers and ``{% load numbers %}``),
and a sweep over the templates that keeps them from writing numbers any other way."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from core.numbers import (
    NO_FIGURE,
    format_count,
    format_decimal,
    format_hours,
    format_number,
    format_percent,
)

ID, EN = "id", "en"


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (1_234, "1.234", "1,234"),
        (50_880, "50.880", "50,880"),
        (1_234_567, "1.234.567", "1,234,567"),
        (-1_234, "-1.234", "-1,234"),
        (None, NO_FIGURE, NO_FIGURE),
    ],
)
def test_counts_group_thousands_per_language(value, indonesian, english):
    assert format_count(value, language=ID) == indonesian
    assert format_count(value, language=EN) == english


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (2.5, "2,5", "2.5"),
        (3.0, "3", "3"),
        (Decimal("1234.5"), "1.234,5", "1,234.5"),
        (2.25, "2,3", "2.3"),  # half up on the written value, not the float's 2.2499…
        (0.04, "0", "0"),
    ],
)
def test_decimals_take_the_languages_mark_and_drop_a_whole_zero(value, indonesian, english):
    assert format_decimal(value, language=ID) == indonesian
    assert format_decimal(value, language=EN) == english


def test_a_fixed_number_of_decimals_is_kept_when_asked():
    assert format_number(3, 1, language=ID) == "3,0"
    assert format_number(1.25, 2, language=EN) == "1.25"
    assert format_number(-0.04, 1, language=ID) == "0,0"  # never "-0,0"


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (3.94, "3,9%", "3.9%"),
        (50.0, "50,0%", "50.0%"),
        (0.04, "0,0%", "0.0%"),
        (Decimal("62.5"), "62,5%", "62.5%"),
        (10, "10%", "10%"),  # a rule set in whole per cent, a progress rounded to whole
        (45, "45%", "45%"),
        (None, NO_FIGURE, NO_FIGURE),
    ],
)
def test_percentages_have_no_space_and_the_languages_decimal_mark(value, indonesian, english):
    assert format_percent(value, language=ID) == indonesian
    assert format_percent(value, language=EN) == english
    assert " " not in format_percent(value, language=ID)
    assert "\u00a0" not in format_percent(value, language=ID)


def test_a_percentage_may_be_asked_whole():
    assert format_percent(3.94, 0, language=ID) == "4%"
    assert format_percent(10, 1, language=EN) == "10.0%"


def test_hours_from_minutes():
    assert format_hours(90, language=ID) == "1,5"
    assert format_hours(90, language=EN) == "1.5"
    assert format_hours(120, language=ID) == "2"
    assert format_hours(100, language=ID) == "1,7"


def test_the_active_language_decides_and_an_unknown_one_is_written_the_indonesian_way():
    with translation.override("en"):
        assert format_percent(3.94) == "3.9%"
    with translation.override("id"):
        assert format_percent(3.94) == "3,9%"
    assert format_count(1234, language="fr") == "1.234"


FILTERS = Template(
    "{% load numbers %}{{ n|count }} {{ h|decimal }} {{ h|decimal:2 }} {{ s|percent }} "
    "{{ s|percent:0 }} {{ cap|percent }} [{{ missing|percent }}] [{{ text|count }}]"
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (ID, "12.345 1,5 1,50 3,9% 4% 10% [–] [–]"),
        (EN, "12,345 1.5 1.50 3.9% 4% 10% [–] [–]"),
    ],
)
def test_the_template_filters(language, expected):
    context = Context({"n": 12345, "h": 1.5, "s": 3.94, "cap": 10, "missing": None, "text": "x"})
    with translation.override(language):
        assert FILTERS.render(context) == expected


def test_the_filters_read_a_number_handed_over_as_text():
    template = Template("{% load numbers %}{{ n|count }} {{ s|percent }}")
    with translation.override(ID):
        assert template.render(Context({"n": "1234", "s": "3.94"})) == "1.234 3,9%"


# --- The templates write numbers only through these filters ------------------------------------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A number followed by a space (or a no-break space) and the sign, written by a template: a
# variable's output or a literal ("10 %"), inside or outside a {% blocktranslate %}.
SPACED_PERCENT = re.compile(r"(\}\}|\d)(\s|&nbsp;|&#160;|\u00a0)+%(?!\})")
# A variable's output glued to a literal "%": the filter writes the sign itself, with the
# decimal mark of the language ("{{ share }}%" would write "3.9%" on an Indonesian page).
GLUED_PERCENT = re.compile(r"\}\}%(?!\})")


def _template_lines():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg"}:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                yield path.relative_to(TEMPLATES), number, line


def test_no_template_formats_numbers_with_floatformat():
    found = [f"{p}:{n}" for p, n, line in _template_lines() if "floatformat" in line]
    assert not found, f"use |decimal, |percent or |count from {{% load numbers %}}: {found}"


def test_no_template_writes_a_percent_sign_itself():
    found = [
        f"{p}:{n}: {line.strip()[:120]}"
        for p, n, line in _template_lines()
        if SPACED_PERCENT.search(line) or GLUED_PERCENT.search(line)
    ]
    assert not found, "write percentages with |percent (core.numbers):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "{{ share }} %",
        "{{ share }}&nbsp;%",
        "{{ share }}\u00a0%",
        "{{ share|floatformat:1 }}%",
        "at most 10 % of it",
        "{% blocktranslate %}{{ percent }}% raised{% endblocktranslate %}",
    ],
)
def test_the_sweep_catches_each_way_a_percent_was_written(line):
    assert SPACED_PERCENT.search(line) or GLUED_PERCENT.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "{{ share|percent }}",
        "{% if a %}{{ b }}{% endif %}",
        "{{ x }} {% translate 'y' %}",
        'width="100%"',
    ],
)
def test_the_sweep_lets_the_filters_and_template_tags_be(line):
    assert not (SPACED_PERCENT.search(line) or GLUED_PERCENT.search(line))
