"""A listing's share image (``og:image``): a 1200x630 PNG drawn here with Pillow.

It holds the listing's illustration, pseudonym, kecamatan, needs and this month's progress,
and nothing else: never a photo, even a consented one, since a preview a messenger scraped
cannot be recalled when the consent is withdrawn (docs/architecture.md, "What the public may
see"). The image is drawn from a ``ShareCard`` only, which carries no photo and no story.

Its address carries ``ShareCard.version``, a digest of everything drawn: when a gift moves the
progress the page links a new address, so a messenger's cached preview of the old figures is
never taken for the new one. The text is DejaVu Sans, shipped in static/fonts/ with its licence.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from core.numbers import format_percent

from .illustrations import BACKGROUND, HEIGHT, WIDTH, Ellipse, Polygon, Rect, Shape, shapes
from .selectors.public import PublicProfile
from .templatetags.rupiah import rupiah

SIZE = (1200, 630)
# Raised whenever the drawing below changes, so every address changes with it.
LAYOUT = 1
_SUPERSAMPLE = 2  # drawn at twice the size and reduced: smooth edges without anti-aliasing

INK, MUTED, BRAND, PAPER, TRACK, NEED_INK = (
    "#1f1a17",
    "#5b524c",
    "#8a3b12",
    "#fffdf8",
    "#eadfd3",
    "#0f5123",
)


@dataclass(frozen=True)
class ShareCard:
    """Everything the share image shows, as it is written (in the page's language)."""

    illustration: str
    pseudonym: str
    kecamatan: str
    needs: str
    raised: str
    remaining: str
    percent: int

    @property
    def version(self) -> str:
        data = json.dumps({"layout": LAYOUT, **asdict(self)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:12]


def share_card(profile: PublicProfile, *, raised: int, need: int) -> ShareCard:
    """The card of a public profile and its month's figures, in the active language."""
    percent = 0 if need <= 0 else min(100, raised * 100 // need)
    left = max(need - raised, 0)
    return ShareCard(
        illustration=profile.illustration,
        pseudonym=profile.pseudonym,
        kecamatan=_("Kecamatan %(kecamatan)s") % {"kecamatan": profile.kecamatan},
        needs=" · ".join(profile.needs),
        raised=_("%(raised)s of %(need)s") % {"raised": rupiah(raised), "need": rupiah(need)},
        remaining=(
            _("%(amount)s still needed this month") % {"amount": rupiah(left)}
            if left
            else _("This month's meals are funded")
        ),
        percent=percent,
    )


@functools.lru_cache(maxsize=16)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(settings.BASE_DIR / "static" / "fonts" / name), size)


def _draw_shape(draw: ImageDraw.ImageDraw, shape: Shape, x0: float, y0: float, k: float) -> None:
    def at(x: float, y: float) -> tuple[float, float]:
        return (x0 + x * k, y0 + y * k)

    if isinstance(shape, Rect):
        box = (*at(shape.x, shape.y), *at(shape.x + shape.w, shape.y + shape.h))
        draw.rounded_rectangle(box, radius=shape.r * k, fill=shape.fill)
    elif isinstance(shape, Ellipse):
        box = (
            *at(shape.cx - shape.rx, shape.cy - shape.ry),
            *at(shape.cx + shape.rx, shape.cy + shape.ry),
        )
        draw.ellipse(box, fill=shape.fill)
    elif isinstance(shape, Polygon):
        draw.polygon([at(x, y) for x, y in shape.points], fill=shape.fill)
    else:
        points = [at(x, y) for x, y in shape.points]
        width = shape.width * k
        draw.line(points, fill=shape.stroke, width=round(width), joint="curve")
        for x, y in (points[0], points[-1]):  # round ends, as the SVG's stroke-linecap
            draw.ellipse(
                (x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=shape.stroke
            )


def _fitted(
    text: str, *, bold: bool, size: int, smallest: int, width: float
) -> tuple[str, ImageFont.FreeTypeFont]:
    """The text at the largest size from ``size`` down to ``smallest`` that fits ``width``;
    cut with an ellipsis when even the smallest does not."""
    for step in range(size, smallest - 1, -2):
        font = _font(bold, step)
        if font.getlength(text) <= width:
            return text, font
    font = _font(bold, smallest)
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…", font


def _lines(text: str, *, font: ImageFont.FreeTypeFont, width: float, most: int) -> list[str]:
    """``text`` broken at spaces into at most ``most`` lines of ``width``, the last cut with an
    ellipsis when the rest does not fit."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < most:
        line = words.pop(0)
        while words and font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words or (lines and font.getlength(lines[-1]) > width):
        last = lines[-1] if lines else ""
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1:] = [last.rstrip() + "…"]
    return lines


def share_image_png(card: ShareCard) -> bytes:
    s = _SUPERSAMPLE
    image = Image.new("RGB", (SIZE[0] * s, SIZE[1] * s), PAPER)
    draw = ImageDraw.Draw(image)

    # The illustration, on its panel at the left.
    draw.rectangle((0, 0, 560 * s, SIZE[1] * s), fill=BACKGROUND)
    k = 520 / WIDTH
    x0, y0 = 20, (SIZE[1] - HEIGHT * k) / 2
    for shape in shapes(card.illustration):
        _draw_shape(draw, shape, x0 * s, y0 * s, k * s)

    left, width = 610, 550

    def text(y: float, value: str, *, bold: bool, size: int, smallest: int, fill: str) -> None:
        value, font = _fitted(
            value, bold=bold, size=size * s, smallest=smallest * s, width=width * s
        )
        draw.text((left * s, y * s), value, font=font, fill=fill)

    text(56, "Rantang Kasih Banyuwangi", bold=True, size=28, smallest=20, fill=BRAND)
    # The pseudonym, large, on one line or two.
    name_font = _font(True, 68 * s)
    if name_font.getlength(card.pseudonym) > width * s:
        name_font = _font(True, 52 * s)
    y: float = 104
    for line in _lines(card.pseudonym, font=name_font, width=width * s, most=2):
        draw.text((left * s, y * s), line, font=name_font, fill=INK)
        y += name_font.size / s * 1.15
    y += 14
    text(y, card.kecamatan, bold=False, size=34, smallest=24, fill=MUTED)
    if card.needs:
        text(y + 50, card.needs, bold=False, size=30, smallest=20, fill=NEED_INK)

    # This month's progress, at the foot of the card.
    bar_y, bar_h = 420, 30
    draw.rounded_rectangle(
        (left * s, bar_y * s, (left + width) * s, (bar_y + bar_h) * s),
        radius=bar_h * s / 2,
        fill=TRACK,
    )
    if card.percent:
        filled = max(bar_h, width * card.percent / 100)
        draw.rounded_rectangle(
            (left * s, bar_y * s, (left + filled) * s, (bar_y + bar_h) * s),
            radius=bar_h * s / 2,
            fill=BRAND,
        )
    percent = format_percent(card.percent)
    percent_font = _font(True, 40 * s)
    percent_width = percent_font.getlength(percent)
    draw.text(((left + width) * s - percent_width, 466 * s), percent, font=percent_font, fill=BRAND)
    raised, font = _fitted(
        card.raised,
        bold=True,
        size=36 * s,
        smallest=24 * s,
        width=width * s - percent_width - 24 * s,
    )
    draw.text((left * s, 470 * s), raised, font=font, fill=INK)
    text(528, card.remaining, bold=False, size=30, smallest=22, fill=MUTED)
    draw.rectangle((0, (SIZE[1] - 14) * s, SIZE[0] * s, SIZE[1] * s), fill=BRAND)

    out = io.BytesIO()
    image.resize(SIZE, Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()
