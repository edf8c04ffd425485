"""bench/summary.py and bench/all.py's table, fed figures by hand: no benchmark is run."""

import json
from pathlib import Path

from bench import all as bench_all
from bench.summary import record


def test_record_appends_one_json_line_per_figure(monkeypatch, tmp_path):
    path = tmp_path / "summary.jsonl"
    monkeypatch.setenv("BENCH_SUMMARY", str(path))

    record("listing vs bare", ">= 0.70x", "0.88x", True)
    record("import rows/s", "", "5,367 rows/s", None)

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [
        {"figure": "listing vs bare", "goal": ">= 0.70x", "measured": "0.88x", "met": True},
        {"figure": "import rows/s", "goal": "", "measured": "5,367 rows/s", "met": None},
    ]


def test_record_writes_nothing_when_the_benchmark_runs_alone(monkeypatch, tmp_path):
    monkeypatch.delenv("BENCH_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)

    record("listing vs bare", ">= 0.70x", "0.88x", True)

    assert list(tmp_path.iterdir()) == []


def write_lines(path: Path, *figures: dict) -> Path:
    path.write_text("".join(json.dumps(figure) + "\n" for figure in figures))
    return path


def test_the_table_counts_goals_met_and_shows_a_failed_benchmark(tmp_path):
    pages = write_lines(
        tmp_path / "pages.jsonl",
        {"figure": "listing vs bare", "goal": ">= 0.70x", "measured": "0.88x", "met": True},
        {"figure": "rendered vs bare", "goal": ">= 0.20x", "measured": "0.05x", "met": False},
        {"figure": "detail vs bare", "goal": "", "measured": "0.90x", "met": None},
    )
    results = [
        bench_all.Result("public_pages", 0, 135.0, Path("var/bench/t/public_pages.log")),
        bench_all.Result("webhook_bench", 1, 62.4, Path("var/bench/t/webhook_bench.log")),
    ]
    results[0].figures = bench_all.read_summary(pages)

    lines = bench_all.table(results)
    text = "\n".join(lines)

    assert lines[0].split() == ["benchmark", "figure", "goal", "measured", "met"]
    listing = next(line for line in lines if "listing vs bare" in line)
    assert listing.startswith("public_pages") and listing.split()[-1] == "yes"
    assert next(line for line in lines if "rendered vs bare" in line).split()[-1] == "no"
    assert next(line for line in lines if "detail vs bare" in line).split()[-1] == "—"
    failed = next(line for line in lines if "FAILED (exit 1)" in line)
    assert failed.startswith("webhook_bench")
    assert "var/bench/t/webhook_bench.log" in failed and failed.split()[-1] == "FAILED"
    assert "2m15s" in text and "1m02s" in text
    assert lines[-2].split() == ["total", "3m17s"]
    assert lines[-1] == "1 of 2 goals met; 1 of 2 benchmarks failed"


def test_a_benchmark_that_recorded_nothing_or_garbage_says_so(tmp_path):
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"figure": "half a line\n')
    results = [
        bench_all.Result("pii_crypto", 0, 5.0, Path("a.log")),
        bench_all.Result("lighthouse", 0, 9.0, Path("b.log"), bench_all.read_summary(garbage)),
    ]

    lines = bench_all.table(results)

    assert any("(no figures recorded)" in line for line in lines)
    unreadable = next(line for line in lines if "(unreadable summary line)" in line)
    assert unreadable.split()[-1] == "no"
    assert bench_all.read_summary(tmp_path / "missing.jsonl") == []
    assert lines[-1] == "0 of 1 goals met"
