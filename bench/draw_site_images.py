"""Draw the site's fixed images once, from static/img/icon.svg: the favicon and the default
share image. Not run by the site or the tests; its output is committed.

    .venv/bin/python bench/draw_site_images.py

- static/img/favicon.ico: 16, 32 and 48 px, each drawn from the SVG at its own size (a browser
  asks for /favicon.ico whatever the page says; portal.views.site serves it there).
- static/img/og-default-id.png and og-default-en.png: 1200x630, the Open Graph image of every
  page that has none of its own. No photo, no person: the brand and one sentence.

The SVG is drawn by the system's Chromium (Pillow cannot read SVG) through Playwright, with the
fonts of the machine; Pillow writes the .ico. CHROMIUM_PATH overrides /usr/bin/chromium.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "static" / "img"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ICON_SIZES = (16, 32, 48)
# The words of the share image, per language (the site's description, shortened).
SHARE_TEXT = {
    "id": ("Makan setiap hari untuk lansia Banyuwangi", "Dimasak warung setempat, dibiayai warga."),
    "en": ("Daily meals for Banyuwangi's elderly", "Cooked by local warung, paid for by citizens."),
}
PAGE = """<!DOCTYPE html><html><head><style>
html, body {{ margin: 0; }}
body {{ width: {w}px; height: {h}px; overflow: hidden; background: {bg}; }}
</style></head><body>{body}</body></html>"""


def share_svg(icon: str, headline: str, line: str) -> str:
    # The icon's own drawing, scaled: one source for the favicon and the share image.
    inner = icon.split(">", 1)[1].rsplit("</svg>", 1)[0]
    font = "DejaVu Sans, Liberation Sans, Noto Sans, sans-serif"
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630"
  viewBox="0 0 1200 630">
  <rect width="1200" height="630" fill="#fffdf8"/>
  <rect y="560" width="1200" height="70" fill="#8a3b12"/>
  <g transform="translate(90 110) scale(7.5)">{inner}</g>
  <text x="390" y="200" font-family="{font}" font-size="76" font-weight="700"
    fill="#1f1a17">Rantang Kasih</text>
  <text x="392" y="262" font-family="{font}" font-size="40" fill="#5b524c">Banyuwangi</text>
  <text x="90" y="420" font-family="{font}" font-size="42" font-weight="700"
    fill="#1f1a17">{headline}</text>
  <text x="90" y="486" font-family="{font}" font-size="34" fill="#5b524c">{line}</text>
</svg>"""


def shoot(page, body: str, width: int, height: int, *, transparent: bool) -> Image.Image:
    page.set_viewport_size({"width": width, "height": height})
    background = "transparent" if transparent else "#fffdf8"
    page.set_content(PAGE.format(w=width, h=height, bg=background, body=body))
    png = page.screenshot(omit_background=transparent, type="png")
    return Image.open(io.BytesIO(png)).convert("RGBA" if transparent else "RGB")


def main() -> int:
    from playwright.sync_api import sync_playwright

    icon = (IMG / "icon.svg").read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        sized = icon.replace("<svg ", '<svg width="{0}" height="{0}" ', 1)
        icons = [
            shoot(page, sized.format(size), size, size, transparent=True) for size in ICON_SIZES
        ]
        largest = icons[-1]
        largest.save(
            IMG / "favicon.ico",
            format="ICO",
            sizes=[(s, s) for s in ICON_SIZES],
            append_images=icons[:-1],
        )
        for language, (headline, line) in SHARE_TEXT.items():
            image = shoot(page, share_svg(icon, headline, line), 1200, 630, transparent=False)
            image.save(IMG / f"og-default-{language}.png", format="PNG", optimize=True)
        browser.close()
    for name in ("favicon.ico", "og-default-id.png", "og-default-en.png"):
        print(f"{name}: {(IMG / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
