"""Run a module with its full (generation 2) garbage collections timed, one line per pause.

    python benchmarks/_gc_pauses.py LOG -m ccx.mock --port 4010 ...

A sampling profiler spreads a collection over whatever allocation set it off, so a server
whose tail latency grows with its heap shows no hotspot; the pauses themselves do.
"""

from __future__ import annotations

import gc
import runpy
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["read_pauses"]


def read_pauses(log: Path) -> list[float]:
    """The pauses a run recorded, in milliseconds, oldest first."""
    if not log.exists():
        return []
    return [float(line) for line in log.read_text().split()]


def _record_full_collections(log: Path) -> None:
    output = log.open("w", buffering=1)
    started = 0.0

    def timed(phase: str, info: dict[str, Any]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        elif info["generation"] == 2:
            output.write(f"{(time.perf_counter() - started) * 1e3:.1f}\n")

    gc.callbacks.append(timed)


def main() -> None:
    log, flag, module, *arguments = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: _gc_pauses.py LOG -m MODULE [ARGUMENTS...]")
    _record_full_collections(Path(log))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
