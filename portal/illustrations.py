"""The illustrations of the listings: one per generic need, and one for a listing without any.

Drawn for the project (CC0, static/img/illustrations/LICENSE): simple shapes, warm colours,
never a person and so never a likeness (docs/architecture.md, "What the public may see"). Each
drawing is a list of shapes defined once here and written two ways: as the SVG files a page
shows (``python -m portal.illustrations`` writes them; a test holds the files to this module)
and onto the share image (portal.share_images), which Pillow draws without an SVG renderer.
"""

from __future__ import annotations

import math
import pathlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 240, 150
# The panel behind every drawing (the SVGs are transparent; pages and the share image lay
# them on this colour).
BACKGROUND = "#fcebd7"

DAILY_MEALS = "daily_meals"
COMPANIONSHIP = "companionship"
HOME_REPAIR = "home_repair"
DEFAULT = "default"
NAMES = (DAILY_MEALS, COMPANIONSHIP, HOME_REPAIR, DEFAULT)

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    r: float = 0


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: str


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str


@dataclass(frozen=True)
class Line:
    """A stroke with round ends and joins."""

    points: tuple[Point, ...]
    stroke: str
    width: float


Shape = Rect | Ellipse | Polygon | Line


def choose(need_codes: Sequence[str]) -> str:
    """The drawing for a person's needs: the first need beside daily meals the official
    named (what sets this person's listing apart), else daily meals, else the default."""
    for code in need_codes:
        if code in (COMPANIONSHIP, HOME_REPAIR):
            return code
    return DAILY_MEALS if DAILY_MEALS in need_codes else DEFAULT


# --- Shapes built from curves ----------------------------------------------------------------


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> list[Point]:
    """Points along an ellipse from ``start`` to ``end`` degrees (0 is right, 90 is down)."""
    steps = max(6, int(abs(end - start) / 10))
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def _heart(cx: float, cy: float, size: float, fill: str) -> Polygon:
    points = []
    for i in range(48):
        t = 2 * math.pi * i / 48
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((cx + x * size / 32, cy - y * size / 32))
    return Polygon(tuple(points), fill)


def _leaf(start: Point, end: Point, bulge: float, fill: str) -> Polygon:
    """A lens between two points, ``bulge`` wide at its middle."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    side_a, side_b = [], []
    for i in range(13):
        f = i / 12
        off = math.sin(math.pi * f) * bulge / 2
        px, py = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
        side_a.append((px + nx * off, py + ny * off))
        side_b.append((px - nx * off, py - ny * off))
    return Polygon(tuple(side_a + side_b[::-1][1:-1]), fill)


def _steam(x: float, bottom: float, top: float, colour: str, phase: float = 0) -> Line:
    steps = 10
    return Line(
        tuple(
            (
                x + 3.2 * math.sin(phase + math.pi * 2 * i / steps),
                bottom - (bottom - top) * i / steps,
            )
            for i in range(steps + 1)
        ),
        colour,
        3,
    )


def _half_ellipse(cx: float, cy: float, rx: float, ry: float, fill: str, *, lower: bool) -> Polygon:
    points = _arc(cx, cy, rx, ry, 0, 180) if lower else _arc(cx, cy, rx, ry, 180, 360)
    return Polygon(tuple(points), fill)


# --- The drawings ----------------------------------------------------------------------------

TERRACOTTA, TERRACOTTA_LIGHT, BROWN, BROWN_DARK = "#c8602f", "#dc7a44", "#8a3b12", "#5e270b"
GOLD, CREAM, TEAL, GREEN, GREEN_DARK = "#f2a94e", "#fffaf0", "#2f7d6d", "#6a9a45", "#4f7a32"
RED, STEAM, SHADOW, WALL, ROOF, WOOD = (
    "#e0564a",
    "#e3b48a",
    "#efd3b2",
    "#f5dcb5",
    "#a8432a",
    "#8a5a2b",
)


def _daily_meals() -> list[Shape]:
    shapes: list[Shape] = [
        Ellipse(120, 138, 96, 7, SHADOW),
        _leaf((28, 134), (214, 132), 20, GREEN),
        Line(((34, 134), (208, 132)), GREEN_DARK, 1.5),
        # The rantang: three tiers under a lid, held by two side bars and a handle.
        Line(tuple(_arc(92, 44, 44, 30, 180, 360)), BROWN_DARK, 6),
    ]
    for top, colour in ((48, TERRACOTTA_LIGHT), (76, TERRACOTTA), (104, TERRACOTTA_LIGHT)):
        shapes += [Rect(56, top, 72, 26, colour, 4), Rect(56, top + 11, 72, 4, GOLD)]
    shapes += [
        Rect(51, 40, 82, 10, BROWN, 4),
        Ellipse(92, 38, 7, 4, BROWN_DARK),
        Rect(45, 42, 7, 88, BROWN, 3),
        Rect(132, 42, 7, 88, BROWN, 3),
        # A bowl of warm rice beside it.
        _half_ellipse(180, 112, 27, 15, CREAM, lower=False),
        Ellipse(172, 104, 4, 2.5, "#ffffff"),
        _half_ellipse(180, 112, 31, 22, TEAL, lower=True),
        Rect(149, 110, 62, 4, "#256a5c", 2),
        _steam(170, 90, 62, STEAM),
        _steam(181, 88, 56, STEAM, phase=math.pi),
        _steam(192, 90, 64, STEAM),
        _heart(208, 34, 20, RED),
    ]
    return shapes


def _companionship() -> list[Shape]:
    shapes: list[Shape] = [
        Ellipse(120, 138, 100, 7, SHADOW),
        Rect(20, 126, 200, 8, "#b97a4b", 4),
        # A teapot.
        Line(tuple(_arc(94, 100, 16, 18, 270, 450)), BROWN_DARK, 5),
        Line(((52, 106), (34, 86), (28, 84)), TEAL, 8),
        Ellipse(72, 104, 28, 22, TEAL),
        Rect(44, 106, 56, 4, "#256a5c"),
        Ellipse(72, 83, 15, 5, "#256a5c"),
        Ellipse(72, 77, 5, 4, BROWN_DARK),
    ]
    # Two glasses of tea, side by side.
    for x in (140, 186):
        shapes += [
            Ellipse(x, 125, 22, 4, "#d9c2a5"),
            Polygon(((x - 15, 92), (x + 15, 92), (x + 12, 124), (x - 12, 124)), "#f6e7d3"),
            Polygon(
                ((x - 13.5, 100), (x + 13.5, 100), (x + 11.2, 122), (x - 11.2, 122)), "#b5522b"
            ),
            Ellipse(x, 92, 15, 3.5, "#e9d5bb"),
            _steam(x - 5, 86, 60, STEAM),
            _steam(x + 6, 84, 58, STEAM, phase=math.pi),
        ]
    shapes.append(_heart(163, 36, 24, RED))
    return shapes


def _home_repair() -> list[Shape]:
    return [
        Ellipse(120, 138, 100, 7, SHADOW),
        Ellipse(36, 34, 14, 14, GOLD),
        # A small house, a fresh plank nailed on its roof.
        Rect(66, 72, 104, 62, WALL),
        Polygon(((54, 76), (118, 28), (182, 76)), ROOF),
        Line(((70, 64), (166, 64)), "#86331f", 2),
        Line(((86, 52), (150, 52)), "#86331f", 2),
        Line(((102, 40), (134, 40)), "#86331f", 2),
        Polygon(((124, 44), (156, 54), (152, 64), (120, 54)), "#e0a869"),
        Ellipse(126, 50, 1.6, 1.6, "#4b4f54"),
        Ellipse(150, 58, 1.6, 1.6, "#4b4f54"),
        Rect(106, 96, 24, 38, "#6b3e26", 2),
        Ellipse(125, 116, 2, 2, GOLD),
        Rect(78, 86, 20, 18, GOLD, 2),
        Line(((88, 86), (88, 104)), "#6b3e26", 2),
        Line(((78, 95), (98, 95)), "#6b3e26", 2),
        Rect(140, 86, 20, 18, GOLD, 2),
        Line(((150, 86), (150, 104)), "#6b3e26", 2),
        Line(((140, 95), (160, 95)), "#6b3e26", 2),
        # A hammer leaning on the wall, and a plant by the door.
        Line(((206, 136), (190, 96)), WOOD, 6),
        Polygon(((180, 96), (198, 89), (201, 96), (183, 103)), "#4b4f54"),
        _leaf((40, 134), (26, 106), 10, GREEN),
        _leaf((44, 134), (54, 104), 10, GREEN_DARK),
        _leaf((42, 134), (42, 110), 8, GREEN),
    ]


def _default() -> list[Shape]:
    return [
        Ellipse(120, 138, 70, 7, SHADOW),
        Ellipse(44, 36, 14, 14, GOLD),
        Line(((120, 120), (120, 70)), GREEN_DARK, 4),
        _leaf((120, 104), (86, 88), 16, GREEN),
        _leaf((120, 94), (154, 76), 16, GREEN),
        _heart(120, 52, 42, RED),
        Polygon(((96, 112), (144, 112), (138, 138), (102, 138)), TERRACOTTA),
        Rect(92, 108, 56, 9, TERRACOTTA_LIGHT, 3),
    ]


DRAWINGS = {
    DAILY_MEALS: _daily_meals,
    COMPANIONSHIP: _companionship,
    HOME_REPAIR: _home_repair,
    DEFAULT: _default,
}


def shapes(name: str) -> list[Shape]:
    return DRAWINGS[name]()


# --- As SVG ----------------------------------------------------------------------------------


def _n(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points(points: Iterable[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        corner = f' rx="{_n(shape.r)}"' if shape.r else ""
        return (
            f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" '
            f'height="{_n(shape.h)}"{corner} fill="{shape.fill}"/>'
        )
    if isinstance(shape, Ellipse):
        return (
            f'<ellipse cx="{_n(shape.cx)}" cy="{_n(shape.cy)}" rx="{_n(shape.rx)}" '
            f'ry="{_n(shape.ry)}" fill="{shape.fill}"/>'
        )
    if isinstance(shape, Polygon):
        return f'<polygon points="{_points(shape.points)}" fill="{shape.fill}"/>'
    return (
        f'<polyline points="{_points(shape.points)}" fill="none" stroke="{shape.stroke}" '
        f'stroke-width="{_n(shape.width)}" stroke-linecap="round" stroke-linejoin="round"/>'
    )


def svg(name: str) -> str:
    body = "".join(_svg_shape(shape) for shape in shapes(name))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">{body}</svg>\n'
    )


def static_path(name: str) -> str:
    """The drawing's path under static/."""
    return f"img/illustrations/{name}.svg"


ROOT = pathlib.Path(__file__).resolve().parent.parent / "static"


def write_files(root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    written = []
    for name in NAMES:
        path = root / static_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_files():
        sys.stdout.write(f"{written}\n")
