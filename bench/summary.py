"""What a benchmark hands to ``bench/all.py``: one JSON line per headline figure.

A benchmark calls ``record()`` for each figure it prints that a goal is set for (or that is
worth a line in the summary). The line goes to the file named by ``BENCH_SUMMARY``; when that
is unset (a benchmark run alone) nothing is written, and the benchmark prints as before.
"""

import argparse
import json
import os
import sys


def record(figure: str, goal: str, measured: str, met: bool | None) -> None:
    """Append one figure to the summary. ``met`` is None for a figure reported, not a goal."""
    path = os.environ.get("BENCH_SUMMARY")
    if not path:
        return
    line = json.dumps({"figure": figure, "goal": goal, "measured": measured, "met": met})
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(line + "\n")


def quick_option(parser: argparse.ArgumentParser, **smaller) -> None:
    """Add ``--quick``: the same measurement on a smaller run (``smaller`` are the defaults it
    changes; an option given on the command line still wins)."""
    shown = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in smaller.items())
    parser.add_argument("--quick", action="store_true", help=f"a smaller run: {shown}")
    if "--quick" in sys.argv[1:]:
        parser.set_defaults(**smaller)
