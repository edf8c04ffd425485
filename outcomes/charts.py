"""Server-rendered SVG charts of the impact page: geometry here, drawing in the template.

Plain shapes with their numbers written beside them, readable on a narrow phone screen, no
script; the same numbers are in a table under each chart.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 320  # the viewBox width: the SVG scales to the screen


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    height: int  # whole units: the viewBox is written as it is
    rows: list[Row]


def paired_bars(items: list[tuple[str, int, int]], *, label_width: float = 96) -> Chart:
    """Horizontal bars, two per item (a figure and the one it is compared with), one row per
    item: ``items`` is (label, first value, second value)."""
    top, row_height, bar_height = 4.0, 30.0, 11.0
    span = WIDTH - label_width - 44
    peak = max([max(a, b) for _label, a, b in items] + [1])
    rows = []
    for index, (label, first, second) in enumerate(items):
        y = top + index * row_height
        bars = []
        for offset, value in ((0.0, first), (bar_height + 1, second)):
            width = span * value / peak
            bars.append(
                Bar(
                    x=label_width,
                    y=y + offset,
                    width=round(max(width, 0.5 if value else 0), 1),
                    height=bar_height,
                    value=value,
                    label_x=round(label_width + width + 3, 1),
                    label_y=round(y + offset + bar_height - 2, 1),
                )
            )
        rows.append(Row(label=label, label_y=round(y + bar_height + 1, 1), bars=bars))
    return Chart(height=round(top + len(items) * row_height), rows=rows)
