"""Import time of ``ccx`` in fresh processes, over ``python -c pass``, next to its peers.

    .venv-bench/bin/python benchmarks/bench_import.py [--quick]

The target line is ``from ccx import CCX; CCX(api_key=...)``: a client, ready for its first
call. It is measured in a venv holding only the runtime dependencies, built with uv
(``_runtime_venv.py``), against ``import httpx`` there: in the benchmark venv, httpx loads click
and rich for its command line and is twice as slow. The peers (openai, stripe) are measured in
the benchmark venv, against the same line there.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from _harness import (
    Section,
    Stats,
    arguments,
    difference,
    paired,
    process_wall_times,
    python_command,
    ratio,
)
from _runtime_venv import runtime_python

BUDGET_OVER_HTTPX_MS = 15.0
TIMES_FASTER_THAN_OPENAI = 4.0

CLIENT = "from ccx import CCX; CCX(api_key='ccx_test_x')"
RUNTIME = {
    "python -c pass": "pass",
    "import httpx": "import httpx",
    "import ccx": "import ccx",
    CLIENT: CLIENT,
    "+ first parse (from ccx.types import Message)": f"{CLIENT}; from ccx.types import Message",
}
PEERS = {
    "python -c pass": "pass",
    CLIENT: CLIENT,
    "import openai": "import openai",
    "import stripe": "import stripe",
}
RUNTIME_VENV = "runtime venv"
BENCH_VENV = "bench venv"


def main() -> None:
    options = arguments(__doc__).parse_args()
    runs = 1 if options.quick else 5
    runtime = runtime_python()
    commands = {
        (RUNTIME_VENV, name): [str(runtime), "-c", code] for name, code in RUNTIME.items()
    } | {(BENCH_VENV, name): python_command("-c", code) for name, code in PEERS.items()}
    seconds = process_wall_times(
        {f"{venv}: {name}": command for (venv, name), command in commands.items()},
        options.repeats,
        runs=runs,
    )
    section = Section("import", f"fresh processes, median of {runs} per round, over `-c pass`")
    over: dict[str, list[float]] = {}
    for venv, names in ((RUNTIME_VENV, RUNTIME), (BENCH_VENV, PEERS)):
        baseline = seconds[f"{venv}: python -c pass"]
        section.row(
            f"{venv}: python -c pass", Stats.of(v * 1e3 for v in baseline), "ms", "absolute"
        )
        for name in names:
            if name == "python -c pass":
                continue
            key = f"{venv}: {name}"
            over[key] = [
                (mine - base) * 1e3 for mine, base in zip(seconds[key], baseline, strict=True)
            ]
            section.row(key, Stats.of(over[key]), "ms")

    over_httpx = paired(
        over[f"{RUNTIME_VENV}: {CLIENT}"], over[f"{RUNTIME_VENV}: import httpx"], difference
    )
    section.row(f"{RUNTIME_VENV}: client line - import httpx", over_httpx, "ms")
    section.target(
        f"`{CLIENT}` ≤ `import httpx` + {BUDGET_OVER_HTTPX_MS:.0f} ms ({RUNTIME_VENV})",
        f"{over_httpx.median:+.1f} ms",
        over_httpx.median <= BUDGET_OVER_HTTPX_MS,
    )
    faster = paired(over[f"{BENCH_VENV}: import openai"], over[f"{BENCH_VENV}: {CLIENT}"], ratio)
    section.target(
        f"`{CLIENT}` ≥ {TIMES_FASTER_THAN_OPENAI:.0f}× faster than `import openai` ({BENCH_VENV})",
        f"{faster.median:.1f}× faster",
        faster.median >= TIMES_FASTER_THAN_OPENAI,
    )
    section.row("openai / ccx (import time over pass)", faster, "×")
    section.profile = heaviest_imports(runtime, CLIENT)
    section.finish(options)


def heaviest_imports(python: Path, statement: str, count: int = 8) -> list[str]:
    """Self import time of ``statement`` per top-level package, from ``python -X importtime``."""
    completed = subprocess.run(
        [str(python), "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    per_package: dict[str, int] = {}
    for line in completed.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            package = match.group(2).split(".")[0]
            per_package[package] = per_package.get(package, 0) + int(match.group(1))
    heaviest = sorted(per_package.items(), key=lambda item: item[1], reverse=True)[:count]
    return [
        f"-X importtime {statement!r}, self time by package: "
        + ", ".join(f"{package} {micros / 1e3:.1f} ms" for package, micros in heaviest)
    ]


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


if __name__ == "__main__":
    main()
