"""Import time of ``ccx`` in fresh processes, over ``python -c pass``, next to its peers.

    .venv-bench/bin/python benchmarks/bench_import.py [--quick]

``import ccx`` alone loads almost nothing (public names are lazy), so the stricter figure is
``from ccx import CCX``: the client, ready to be constructed. The floor is ``import httpx,
pydantic``; ``from pydantic import BaseModel`` (what parsing the first response loads) is shown
beside it.
"""

from __future__ import annotations

import re
import subprocess

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

BUDGET_OVER_FLOOR_MS = 20.0
TIMES_FASTER_THAN_OPENAI = 4.0

STATEMENTS = {
    "python -c pass": "pass",
    "import ccx": "import ccx",
    "from ccx import CCX": "from ccx import CCX",
    "import httpx, pydantic": "import httpx, pydantic",
    "import httpx; from pydantic import BaseModel": "import httpx; from pydantic import BaseModel",
    "import openai": "import openai",
    "import stripe": "import stripe",
}
CLIENT = "from ccx import CCX"
FLOOR = "import httpx, pydantic"
"""The brief's baseline; pydantic loads lazily, so this is lighter than any use of a model."""


def main() -> None:
    options = arguments(__doc__).parse_args()
    runs = 1 if options.quick else 5
    commands = {name: python_command("-c", code) for name, code in STATEMENTS.items()}
    seconds = process_wall_times(commands, options.repeats, runs=runs)
    baseline = seconds["python -c pass"]

    section = Section("import", f"fresh processes, median of {runs} per round, over `-c pass`")
    section.row("python -c pass", Stats.of(value * 1e3 for value in baseline), "ms", "absolute")
    over = {
        name: [(mine - base) * 1e3 for mine, base in zip(seconds[name], baseline, strict=True)]
        for name in STATEMENTS
        if name != "python -c pass"
    }
    for name, milliseconds in over.items():
        section.row(name, Stats.of(milliseconds), "ms")

    for statement in ("import ccx", CLIENT):
        over_floor = paired(over[statement], over[FLOOR], difference)
        section.target(
            f"`{statement}` ≤ `{FLOOR}` + {BUDGET_OVER_FLOOR_MS:.0f} ms",
            f"{over_floor.median:+.1f} ms",
            over_floor.median <= BUDGET_OVER_FLOOR_MS,
        )
    faster = paired(over["import openai"], over[CLIENT], ratio)
    section.target(
        f"`{CLIENT}` ≥ {TIMES_FASTER_THAN_OPENAI:.0f}× faster than `import openai`",
        f"{faster.median:.1f}× faster",
        faster.median >= TIMES_FASTER_THAN_OPENAI,
    )
    section.row("openai / ccx (import time over pass)", faster, "×")
    section.profile = heaviest_imports(CLIENT)
    section.finish(options)


def heaviest_imports(statement: str, count: int = 8) -> list[str]:
    """Self import time of ``statement`` per top-level package, from ``python -X importtime``."""
    completed = subprocess.run(
        python_command("-X", "importtime", "-c", statement),
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
