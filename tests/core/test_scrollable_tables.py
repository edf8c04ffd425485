"""A table that scrolls sideways on a phone can be scrolled from the keyboard too (axe's
scrollable-region-focusable): every ``.table-wrap`` is focusable and named."""

from pathlib import Path

from django.conf import settings


def test_every_scrolling_table_wrapper_is_focusable_and_named():
    wrappers = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        start = text.find('class="table-wrap"')
        while start != -1:
            tag = text[text.rfind("<", 0, start) : text.find(">", start) + 1]
            wrappers.append((template.name, tag))
            start = text.find('class="table-wrap"', start + 1)
    assert wrappers
    bad = [
        (name, tag)
        for name, tag in wrappers
        if not ('tabindex="0"' in tag and 'role="region"' in tag and "aria-label=" in tag)
    ]
    assert bad == []
