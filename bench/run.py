"""``make bench``: run every benchmark and rewrite docs/benchmarks.md with their figures.

    python bench/run.py [--work /tmp/ham-bench] [--only search,quality,...] [--articles 100000]
                        [--args 'scaling=--sizes 1000,3000' ...]

Each benchmark runs as its own process; its report (stdout) and its JSON are kept in ``--work``,
and the report replaces the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``
in docs/benchmarks.md, with the machine, the versions, the date and the load (``uptime``)
before and after. Text outside the markers (the history of the changes, with their before and
after figures) is kept. ``--only`` reruns some and keeps the other sections as they were;
``--args NAME=ARGS`` adds arguments to one benchmark's command (a later option wins:
``scaling=--sizes 1000,3000``).
The 100,000-article archive is built once per version of bench/make_articles.py and kept in
``--work``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shlex
import sqlite3
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PY = sys.executable


def benchmarks(work: Path, articles: int) -> dict[str, list[str]]:
    """name -> command; ``{json}`` is replaced by the JSON file of that benchmark."""
    archive = archive_path(work, articles)
    found = {
        "search": [PY, "bench/bench_search.py", str(archive), "--json", "{json}"],
        "index": [PY, "bench/index_size.py", "--json", "{json}"],
        "quality": [PY, "bench/search_quality.py", "--json", "{json}"],
        "crawl": [PY, "bench/crawl.py", "--posts", "3000", "--json", "{json}"],
        "scaling": [PY, "bench/crawl_scaling.py", "--json", "{json}"],
        "parse": [PY, "bench/parse.py", "--json", "{json}"],
    }
    if (ROOT / "bench" / "bench_reading.py").exists():  # the reading page's own bench
        found["reading"] = [PY, "bench/bench_reading.py", str(archive)]
    if (ROOT / "bench" / "backfill.py").exists():  # the web-archive backfill, when on main
        found["backfill"] = [PY, "bench/backfill.py", "--json", "{json}"]
    return found


def archive_path(work: Path, articles: int) -> Path:
    digest = hashlib.sha256((ROOT / "bench" / "make_articles.py").read_bytes()).hexdigest()[:10]
    return work / f"archive-{articles}-{digest}.db"


def ensure_archive(work: Path, articles: int) -> None:
    path = archive_path(work, articles)
    if not path.exists():
        run_logged([PY, "bench/make_articles.py", str(articles), str(path)], work / "make.log")


def run_logged(cmd: list[str], log: Path) -> str:
    print(f"$ {' '.join(cmd)}", flush=True)
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    log.write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
    if result.returncode:
        raise SystemExit(f"{cmd[1]} failed ({result.returncode}), see {log}")
    return result.stdout


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if "model name" in ln), "?")
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 2**20
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("scrapy", "datasette", "sqlite-utils", "PySastrawi", "lxml", "trafilatura")
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.platform()}; Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; {packages}."
    )


def replace_section(doc: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in doc:
        return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    return doc.rstrip() + f"\n\n## {name}\n\n{block}\n"


def section(cmd: list[str], report: str, started: str, seconds: float, before: str, after: str):
    text = report if "|" in report else f"```\n{report.strip()}\n```"
    shown = (
        " ".join(cmd[1 : cmd.index("--json")] + cmd[cmd.index("--json") + 2 :])
        if "--json" in cmd
        else " ".join(cmd[1:])
    )
    return (
        f"*`python {shown}`: run {started} UTC, {seconds / 60:.0f} min; load average (1, 5, 15 "
        f"min) before {before}, after {after} on {os.cpu_count()} cores.*\n\n{text}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ham-bench"))
    parser.add_argument("--only", help="comma-separated benchmarks (default: all)")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--args", action="append", default=[], metavar="NAME=ARGS")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    todo = benchmarks(args.work, args.articles)
    if args.only:
        todo = {name: cmd for name, cmd in todo.items() if name in args.only.split(",")}
    for extra in args.args:
        name, _, more = extra.partition("=")
        if name not in todo:
            raise SystemExit(f"--args {extra!r}: no benchmark {name!r} in this run")
        todo[name] = [*todo[name], *shlex.split(more)]
    if {"search", "reading"} & set(todo):
        ensure_archive(args.work, args.articles)
    doc = DOC.read_text()
    doc = replace_section(doc, "machine", machine())
    for name, cmd in todo.items():
        json_file = args.work / f"{name}.json"
        cmd = [part.replace("{json}", str(json_file)) for part in cmd]
        before, started, clock = load(), time.strftime("%Y-%m-%d %H:%M", time.gmtime()), time.time()
        report = run_logged(cmd, args.work / f"{name}.log")
        doc = replace_section(
            doc, name, section(cmd, report, started, time.time() - clock, before, load())
        )
        DOC.write_text(doc)  # after each benchmark: a long run keeps what it measured
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
