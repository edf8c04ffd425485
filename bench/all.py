"""Every benchmark in bench/ (the soak aside), one after the other, and one table of figures.

    .venv/bin/python bench/all.py [--quick] [--only NAME ...]      # or: make bench

Each benchmark runs as its own process, as it would alone (``--quick``: its smaller run), with
``BENCH_SUMMARY`` naming a file where it writes its headline figures (``bench/summary.py``).
Its output goes to ``var/bench/<UTC time>/<name>.log``. At the end: one table (figure, goal,
measured, met), how long each benchmark took and the total, and how many goals were met; the
table is also written to ``summary.txt`` beside the logs. A benchmark that fails shows as
failed, with its log, and the others still run.

The figures are figures, not tests: the exit status is 0 when goals are not met, and 1 only
when a benchmark failed (it exited with an error, or was interrupted).

``import_bench.py`` and ``pii_crypto.py`` measure the database that ``DATABASE_URL`` names (and
SQLite without it); here they get the local PostgreSQL unless ``DATABASE_URL`` is set. The
soak (``bench/soak.py``, ten minutes with outages) is left to run on its own.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCHMARKS = [
    "public_pages",
    "public_pages_prod",
    "rendered_pages",
    "cache_hits",
    "booking_bench",
    "import_bench",
    "indicators_bench",
    "notifications_bench",
    "person_page",
    "attention_beat",
    "pii_crypto",
    "webhook_bench",
    "lighthouse",
]
# A run of a benchmark with arguments of its own: name -> (script, arguments).
RUNS = {
    "public_pages_prod": ("public_pages", ["--shape", "prod", "--db", "rantang_bench_pages_prod"]),
}
# The two that measure whatever DATABASE_URL names (each makes and drops a test_ database).
ON_DATABASE_URL = {"import_bench", "pii_crypto"}
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rantang_bench_all"


@dataclass
class Result:
    name: str
    returncode: int | None  # None: not run (interrupted before it)
    seconds: float
    log: Path
    figures: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.returncode not in (0, None)


def read_summary(path: Path) -> list[dict]:
    """The figures a benchmark recorded; a line that is not one becomes a failed row."""
    figures = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            figure = json.loads(line)
            figures.append(
                {
                    "figure": str(figure["figure"]),
                    "goal": str(figure["goal"]),
                    "measured": str(figure["measured"]),
                    "met": figure["met"] if figure["met"] in (True, False) else None,
                }
            )
        except (ValueError, KeyError, TypeError):
            figures.append(
                {"figure": "(unreadable summary line)", "goal": "", "measured": line, "met": False}
            )
    return figures


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def met_word(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "no"


def table(results: list[Result]) -> list[str]:
    """The summary: a row per figure (a failed benchmark's row says so, with its log), then
    each benchmark's time, the total, and how many goals were met."""
    rows = [("benchmark", "figure", "goal", "measured", "met")]
    for result in results:
        name = result.name
        for figure in result.figures:
            met = met_word(figure["met"])
            rows.append((name, figure["figure"], figure["goal"], figure["measured"], met))
            name = ""
        if result.returncode is None:
            rows.append((name, "(not run: interrupted)", "", "", "—"))
        elif result.failed:
            rows.append((name, f"FAILED (exit {result.returncode})", "", str(result.log), "FAILED"))
        elif not result.figures:
            rows.append((name, "(no figures recorded)", "", str(result.log), "—"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = (cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        lines.append("  ".join(cells) + "  " + row[4])
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  ---")
    goals = [f["met"] for result in results for f in result.figures if f["met"] is not None]
    failed = [result for result in results if result.failed]
    lines.append("")
    width = max(len(result.name) for result in results) if results else 0
    for result in results:
        state = (
            "not run"
            if result.returncode is None
            else f"FAILED (exit {result.returncode}), log {result.log}"
            if result.failed
            else "ok"
        )
        lines.append(f"{result.name:<{width}}  {duration(result.seconds):>7}  {state}")
    total = sum(result.seconds for result in results)
    lines.append(f"{'total':<{width}}  {duration(total):>7}")
    lines.append(
        f"{sum(goals)} of {len(goals)} goals met"
        + (f"; {len(failed)} of {len(results)} benchmarks failed" if failed else "")
    )
    return lines


def run_one(name: str, *, quick: bool, log_dir: Path, summary_dir: Path) -> tuple[Result, bool]:
    """Run one benchmark; the result, and whether Ctrl-C stopped it."""
    summary = summary_dir / f"{name}.jsonl"
    log = log_dir / f"{name}.log"
    env = {**os.environ, "BENCH_SUMMARY": str(summary), "PYTHONUNBUFFERED": "1"}
    if name in ON_DATABASE_URL:
        env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    script, arguments = RUNS.get(name, (name, []))
    command = [
        sys.executable,
        str(ROOT / "bench" / f"{script}.py"),
        *arguments,
        *(["--quick"] if quick else []),
    ]
    started = time.monotonic()
    with log.open("wb") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        process = subprocess.Popen(  # noqa: S603  (our own benchmarks, fixed arguments)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        interrupted = False
        try:
            returncode = process.wait()
        except KeyboardInterrupt:
            # The benchmark got the Ctrl-C too: let it stop its servers and drop its database.
            interrupted = True
            returncode = process.wait() or 130
    seconds = time.monotonic() - started
    result = Result(name, returncode, seconds, log.relative_to(ROOT), read_summary(summary))
    return result, interrupted


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's smaller run")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    if args.only:
        args.only = [name.removeprefix("bench/").removesuffix(".py") for name in args.only]
        unknown = sorted(set(args.only) - set(BENCHMARKS))
        if unknown:
            parser.error(f"no benchmark {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}")
    return args


def main() -> int:
    args = parse_args()
    names = [name for name in BENCHMARKS if not args.only or name in args.only]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = ROOT / "var" / "bench" / stamp
    log_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"{len(names)} benchmark(s){' (--quick)' if args.quick else ''}; "
        f"logs in {log_dir.relative_to(ROOT)}/",
        flush=True,
    )
    results: list[Result] = []
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as summary_dir:
        for number, name in enumerate(names, 1):
            if interrupted:
                results.append(Result(name, None, 0.0, Path()))
                continue
            print(f"[{number}/{len(names)}] {name} ...", flush=True)
            result, interrupted = run_one(
                name, quick=args.quick, log_dir=log_dir, summary_dir=Path(summary_dir)
            )
            results.append(result)
            state = f"FAILED (exit {result.returncode})" if result.failed else "done"
            print(f"    {state} in {duration(result.seconds)}", flush=True)
    lines = table(results)
    (log_dir / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))
    return 1 if any(result.failed for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
