"""Benchmark (the public face): Lighthouse on the phone pages a new visitor meets.

    npm ci --prefix bench                   # once: Lighthouse 12.2.3 from bench/package-lock.json
    .venv/bin/python bench/lighthouse.py [--runs 3] [--keep-reports DIR]

Prints figures; asserts nothing. It installs nothing: Lighthouse comes from bench/node_modules
(the locked package; it is big, so CI's `npm ci` at the top of the repository does not fetch
it), Chromium from CHROME_PATH (default /usr/bin/chromium). It starts the embedded portal as
`make run` does (PORTAL_ENV=dev: SQLite, eager Celery, console e-mail), on a throwaway SQLite
database in a temporary directory, migrated and seeded with `seed_demo`, served by runserver on a
free port of 127.0.0.1; the server and the directory go away at the end, on failure and on
Ctrl-C too.

Lighthouse runs headless with its defaults for a phone: mobile emulation (a Moto G Power
sized screen) and simulated slow 4G with a 4x slower CPU. Each page is measured ``--runs``
times (default 3); the table gives the median score of each category (0-100) and the median
of the main timings, and below it which audits lost points in any run (performance's own
audits aside: its timings say it).

Pages: the home page, the listings, the first listing shown there, and the fund's giving form.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.public_pages import free_port, tail
from bench.summary import quick_option, record

BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TIMINGS = {  # audit id: column
    "first-contentful-paint": "FCP s",
    "largest-contentful-paint": "LCP s",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--keep-reports", type=Path, help="save each run's JSON report here")
    quick_option(parser, runs=1)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def pinned_lighthouse() -> str:
    return json.loads((BENCH / "package.json").read_text())["devDependencies"]["lighthouse"]


def installed_lighthouse() -> str | None:
    package = BENCH / "node_modules" / "lighthouse" / "package.json"
    if not (LIGHTHOUSE.exists() and package.exists()):
        return None
    return json.loads(package.read_text())["version"]


def chrome_path() -> str | None:
    path = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    return path if os.path.exists(path) or shutil.which(path) else None


# --- The embedded portal -----------------------------------------------------------------------


def portal_env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_ENV": "dev",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *command: str, log) -> None:
    subprocess.run(  # noqa: S603  (our own venv's Python, fixed arguments)
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )


def start_portal(env: dict[str, str], port: int, log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  (our own venv's Python, fixed arguments)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (our server)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wait_until_up(server: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the portal exited ({server.returncode}):\n{tail(log_path)}")
        try:
            if get(f"{base}/healthz/")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the portal did not answer within 60 s:\n{tail(log_path)}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def pages(base: str) -> dict[str, str]:
    status, listings = get(f"{base}/lansia/")
    if status != 200:
        raise RuntimeError(f"GET /lansia/ answered {status}")
    first = next(
        (m for m in re.findall(r'href="(/lansia/[^/"?#]+/)"', listings) if "laporkan" not in m),
        None,
    )
    if first is None:
        raise RuntimeError("no listing linked from /lansia/: did seed_demo publish any?")
    found = {"home": "/", "listings": "/lansia/", "a listing": first, "give (fund)": "/donasi/"}
    for label, path in found.items():
        status, _body = get(base + path)
        if status != 200:
            raise RuntimeError(f"GET {path} ({label}) answered {status}")
    return found


# --- Lighthouse --------------------------------------------------------------------------------


def lighthouse(url: str, chrome: str) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    done = subprocess.run(  # noqa: S603  (the locked Lighthouse, fixed arguments)
        command,
        cwd=BENCH,
        env={**os.environ, "CHROME_PATH": chrome},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Lighthouse on {url} exited {done.returncode}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse on {url}: {report['runtimeError']}")
    return report


def scores(report: dict) -> dict[str, float]:
    found = {}
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        found[category] = float("nan") if score is None else score * 100
    for audit, column in TIMINGS.items():
        value = report["audits"][audit].get("numericValue")
        if value is None:
            found[column] = float("nan")
        elif column.endswith(" s"):
            found[column] = value / 1000
        else:
            found[column] = value
    return found


def lost_points(report: dict) -> set[str]:
    """Audits that count for accessibility, best practices or SEO and did not pass."""
    lost = set()
    for category in CATEGORIES[1:]:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                lost.add(f"{category}: {ref['id']} ({audit['title']})")
    return lost


def print_table(results: dict[str, list[dict[str, float]]], runs: int) -> None:
    columns = ["perf", "a11y", "best-pr.", "SEO", *TIMINGS.values()]
    keys = [*CATEGORIES, *TIMINGS.values()]
    print(f"\nLighthouse {installed_lighthouse()}, mobile, median of {runs} run(s)")
    print(f"{'page':<14}" + "".join(f"{c:>10}" for c in columns))
    for label, runs_of_page in results.items():
        row = []
        for key in keys:
            value = statistics.median(run[key] for run in runs_of_page)
            if key in CATEGORIES or key == "TBT ms":
                row.append(f"{value:>10.0f}")
            elif key == "CLS":
                row.append(f"{value:>10.3f}")
            else:
                row.append(f"{value:>10.1f}")
        print(f"{label:<14}" + "".join(row))
        median = {key: statistics.median(run[key] for run in runs_of_page) for key in keys}
        record(
            f"lighthouse: {label}, perf/a11y/best-pr./SEO",
            "",
            "/".join(f"{median[key]:.0f}" for key in CATEGORIES),
            None,
        )


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    version = installed_lighthouse()
    if version != pinned_lighthouse():
        have = f"Lighthouse {version} is installed" if version else "Lighthouse is not installed"
        print(
            f"{have}; bench/package.json pins {pinned_lighthouse()}. Run: npm ci --prefix bench",
            file=sys.stderr,
        )
        return 2
    chrome = chrome_path()
    if chrome is None:
        print("No Chromium: set CHROME_PATH (default /usr/bin/chromium).", file=sys.stderr)
        return 2
    if args.keep_reports:
        args.keep_reports.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _terminate)

    with tempfile.TemporaryDirectory(prefix="rk-lighthouse-") as tmp:
        workdir = Path(tmp)
        log_path = workdir / "portal.log"
        env = portal_env(workdir)
        server = None
        with log_path.open("w") as log:
            try:
                print("Migrating and seeding a throwaway SQLite database ...", flush=True)
                try:
                    manage(env, "migrate", "--noinput", log=log)
                    manage(env, "seed_demo", log=log)
                except subprocess.CalledProcessError as error:
                    log.flush()
                    print(f"{error}:\n{tail(log_path)}", file=sys.stderr)
                    return 1
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                server = start_portal(env, port, log)
                wait_until_up(server, base, log_path)
                urls = pages(base)
                print(f"The portal at {base}; Chromium {chrome}", flush=True)
                results: dict[str, list[dict[str, float]]] = {}
                lost: dict[str, set[str]] = {}
                for label, path in urls.items():
                    for run in range(1, args.runs + 1):
                        started = time.monotonic()
                        report = lighthouse(base + path, chrome)
                        results.setdefault(label, []).append(scores(report))
                        lost.setdefault(label, set()).update(lost_points(report))
                        if args.keep_reports:
                            name = re.sub(r"\W+", "-", label).strip("-")
                            out = args.keep_reports / f"{name}-{run}.json"
                            out.write_text(json.dumps(report))
                        print(
                            f"  {label} {path}: run {run} in {time.monotonic() - started:.0f} s",
                            flush=True,
                        )
            except KeyboardInterrupt:
                print("Interrupted.", file=sys.stderr)
                return 130
            finally:
                if server is not None:
                    stop(server)

    print_table(results, args.runs)
    print("\nAudits that lost points (in any run):")
    for label, audits in lost.items():
        print(f"  {label} ({urls[label]}):" + ("" if audits else " none"))
        for audit in sorted(audits):
            print(f"    {audit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
