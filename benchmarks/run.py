"""Run every benchmark, each in its own process, print one table and save it as JSON.

    .venv-bench/bin/python benchmarks/run.py            # make bench
    .venv-bench/bin/python benchmarks/run.py --quick    # make bench-quick
    .venv-bench/bin/python benchmarks/run.py --only webhooks --only mock
    .venv-bench/bin/python benchmarks/run.py --markdown # the last results, as README tables

Each script also runs alone (``python benchmarks/bench_mock.py --quick``) and prints its own
section. A script that fails is reported and the others still run; the exit status says so.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import Section, markdown, python_command, render

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
QUICK_RESULTS = HERE / "results" / "quick.json"
"""Where ``--quick`` writes, so a smoke run never replaces the full results."""
BENCHMARKS = (
    "import",
    "client",
    "parse",
    "sync_send",
    "async_send",
    "webhooks",
    "mock",
    "broadcast",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short run (under 2 minutes)")
    parser.add_argument("--repeats", type=int, default=None, help="rounds per figure (≥ 5)")
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run just these (repeatable)"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="where to write the JSON (default: results/)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the saved results as Markdown and exit"
    )
    options = parser.parse_args()
    output: Path = options.output or (QUICK_RESULTS if options.quick else RESULTS)
    if options.markdown:
        print(markdown(_load(output)))
        return 0

    started = time.perf_counter()
    load_at_start = os.getloadavg()
    sections: list[Section] = []
    failed: list[str] = []
    for name in options.only or BENCHMARKS:
        section = _run(name, quick=options.quick, repeats=options.repeats)
        if section is None:
            failed.append(name)
        else:
            sections.append(section)
    elapsed = time.perf_counter() - started

    print("\n" + "=" * 100)
    print(render(sections))
    command = "make bench-quick" if options.quick else "make bench"
    if options.only or options.repeats:
        command = shlex.join(["python", "benchmarks/run.py", *sys.argv[1:]])
    missed = [
        f"{section.benchmark}: {target.goal}"
        for section in sections
        for target in section.targets
        if not target.met
    ]
    print(f"{len(missed)} target(s) missed, {len(failed)} benchmark(s) failed, {elapsed:.0f} s")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "command": command,
                "quick": options.quick,
                "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
                    timespec="seconds"
                ),
                "seconds": round(elapsed, 1),
                "machine": {**_machine(), "load_average_at_start": _rounded(load_at_start)},
                "failed": failed,
                "missed": missed,
                "sections": [section.to_json() for section in sections],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"wrote {output}")
    return 1 if failed else 0


def _run(name: str, *, quick: bool, repeats: int | None) -> Section | None:
    """One script in a fresh interpreter (imports matter); its section, or None if it failed."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / f"{name}.json"
        arguments = [str(HERE / f"bench_{name}.py"), "--json", str(output)]
        if quick:
            arguments.append("--quick")
        if repeats is not None:
            arguments += ["--repeats", str(repeats)]
        print(f"--- {name}", flush=True)
        started = time.perf_counter()
        completed = subprocess.run(python_command(*arguments), cwd=HERE, check=False)
        print(f"--- {name}: {time.perf_counter() - started:.0f} s", flush=True)
        if completed.returncode != 0 or not output.exists():
            print(f"!!! {name} failed with exit status {completed.returncode}", flush=True)
            return None
        return Section.from_json(json.loads(output.read_text()))


def _load(path: Path) -> list[Section]:
    saved: dict[str, Any] = json.loads(path.read_text())
    return [Section.from_json(section) for section in saved["sections"]]


def _rounded(load: tuple[float, float, float]) -> list[float]:
    return [round(value, 2) for value in load]


def _machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was when the run ended."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": _rounded(os.getloadavg()),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=HERE,
        ).stdout.strip(),
    }


if __name__ == "__main__":
    sys.exit(main())
