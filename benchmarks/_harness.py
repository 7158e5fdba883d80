"""What every benchmark shares: repeats, median/min/max, ratios, targets, the table and JSON.

Machines here are shared and noisy, so no figure stands alone: each is compared with a
baseline measured in the same run, candidates take turns within each round (so a noisy
moment hurts them alike), and ratios are taken per round before the median.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MIN_REPEATS",
    "Sampler",
    "Section",
    "Stats",
    "Timings",
    "arguments",
    "difference",
    "interleaved",
    "markdown",
    "overhead_hotspots",
    "paired",
    "process_wall_times",
    "python_command",
    "ratio",
    "render",
]

MIN_REPEATS = 5
"""Fewer repeats than this make a median that one noisy moment can move."""


@dataclass(frozen=True)
class Stats:
    """Median, min and max of one figure over its repeats."""

    median: float
    min: float
    max: float
    repeats: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        collected = list(values)
        if not collected:
            raise ValueError("no values to summarise")
        return cls(statistics.median(collected), min(collected), max(collected), len(collected))

    def scaled(self, factor: float) -> Stats:
        """The same figure in another unit (seconds to milliseconds: ``scaled(1e3)``)."""
        return Stats(self.median * factor, self.min * factor, self.max * factor, self.repeats)


def ratio(mine: float, theirs: float) -> float:
    return mine / theirs


def difference(mine: float, theirs: float) -> float:
    return mine - theirs


def paired(
    mine: Sequence[float], theirs: Sequence[float], combine: Callable[[float, float], float]
) -> Stats:
    """``combine`` of the values measured in the same round, summarised over the rounds.

    Pairing by round cancels the load the two shared: ``paired(a, b, ratio)``. Both must
    have the same number of rounds.
    """
    return Stats.of(combine(a, b) for a, b in zip(mine, theirs, strict=True))


@dataclass(frozen=True)
class Timings:
    """Seconds per call of each candidate, one value per round, by wall clock and by CPU time.

    CPU time (``process_time``) counts only this process's work, so other processes' load on
    a shared machine barely moves it; wall time also counts waiting (for a server, a socket).
    """

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]


def interleaved(
    calls: Mapping[str, Callable[[], object]],
    repeats: int,
    *,
    budget: float = 0.2,
    slices: int = 10,
) -> Timings:
    """Time every candidate once per round, candidates taking turns in short slices.

    Each candidate runs about ``budget`` seconds per round, in ``slices`` turns; a round's
    figure is the median of its slices, so a burst of load during one slice does not move it.
    """
    numbers = {name: _calibrate(call, budget / slices) for name, call in calls.items()}
    wall: dict[str, list[float]] = {name: [] for name in calls}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    with _collector_paused():
        for _ in range(repeats):
            _round(calls, numbers, slices, wall, cpu)
            gc.collect()
    return Timings(wall, cpu)


@contextmanager
def _collector_paused() -> Generator[None, None, None]:
    """The cyclic GC off while timing, as ``timeit`` does.

    Its pauses depend on the whole heap (every candidate's imports and garbage), so left on it
    charges one candidate for another's allocations; rounds collect between them instead.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _round(
    calls: Mapping[str, Callable[[], object]],
    numbers: Mapping[str, int],
    slices: int,
    wall: dict[str, list[float]],
    cpu: dict[str, list[float]],
) -> None:
    walls: dict[str, list[float]] = {name: [] for name in calls}
    cpus: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(slices):
        for name, call in calls.items():
            number = numbers[name]
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(number):
                call()
            walls[name].append((time.perf_counter() - started) / number)
            cpus[name].append((time.process_time() - started_cpu) / number)
    for name in calls:
        wall[name].append(statistics.median(walls[name]))
        cpu[name].append(statistics.median(cpus[name]))


def _calibrate(call: Callable[[], object], seconds: float) -> int:
    """How many calls take about ``seconds`` of wall time, once one-time costs are paid.

    The first call may import modules, build validators or open a connection: timed, it
    would make one call look like the whole budget.
    """
    call()
    number = 1
    while True:
        started = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - started
        if elapsed >= seconds / 5:
            return max(1, round(number * seconds / elapsed))
        number *= 5


def process_wall_times(
    commands: Mapping[str, Sequence[str]], repeats: int, *, runs: int
) -> dict[str, list[float]]:
    """Per round, the median wall time of ``runs`` fresh processes of each command, in turns."""
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the page cache and .pyc files first
        subprocess.run(command, check=True)
    for _ in range(repeats):
        for name, command in commands.items():
            durations: list[float] = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(command, check=True)
                durations.append(time.perf_counter() - started)
            timings[name].append(statistics.median(durations))
    return timings


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured figure and, when it has one, its baseline ratio."""

    name: str
    stats: Stats
    unit: str
    note: str = ""


@dataclass(frozen=True)
class Target:
    """A promise from the benchmark brief and whether this run kept it, with the margin."""

    goal: str
    measured: str
    met: bool


@dataclass
class Section:
    """The rows and targets of one benchmark script, printed and saved the same way."""

    benchmark: str
    description: str
    rows: list[Row] = field(default_factory=list[Row])
    targets: list[Target] = field(default_factory=list[Target])
    profile: list[str] = field(default_factory=list[str])
    """Where the time goes, when a target is missed: the top of a profile, as text lines."""

    def row(self, name: str, stats: Stats, unit: str, note: str = "") -> Stats:
        self.rows.append(Row(name, stats, unit, note))
        return stats

    def target(self, goal: str, measured: str, met: bool) -> bool:
        self.targets.append(Target(goal, measured, met))
        return met

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Section:
        return cls(
            benchmark=data["benchmark"],
            description=data["description"],
            rows=[
                Row(row["name"], Stats(**row["stats"]), row["unit"], row["note"])
                for row in data["rows"]
            ],
            targets=[Target(**target) for target in data["targets"]],
            profile=list(data["profile"]),
        )

    def finish(self, options: argparse.Namespace) -> None:
        """Print the table, and write the section where ``run.py`` asked for it."""
        print(render([self]))
        if options.json is not None:
            Path(options.json).write_text(json.dumps(self.to_json(), indent=2) + "\n")


def arguments(description: str | None, repeats: int = 7) -> argparse.ArgumentParser:
    """The options every benchmark script takes: ``--quick``, ``--repeats``, ``--json``."""
    parser = argparse.ArgumentParser(description=(description or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run (bench-quick)")
    parser.add_argument(
        "--repeats",
        type=_repeats,
        default=repeats,
        help=f"rounds per figure; the median is reported (at least {MIN_REPEATS})",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the section here")
    return parser


def _repeats(text: str) -> int:
    value = int(text)
    if value < MIN_REPEATS:
        raise argparse.ArgumentTypeError(f"--repeats must be at least {MIN_REPEATS}")
    return value


def render(sections: Sequence[Section]) -> str:
    """A plain-text table: figures with median [min–max], then targets marked met or missed."""
    lines: list[str] = []
    for section in sections:
        lines.append(f"== {section.benchmark}: {section.description}")
        width = max((len(row.name) for row in section.rows), default=0)
        for row in section.rows:
            figure = f"{_number(row.stats.median)} {row.unit}"
            spread = f"[{_number(row.stats.min)} – {_number(row.stats.max)}]"
            note = f"  {row.note}" if row.note else ""
            lines.append(f"  {row.name:<{width}}  {figure:>14} {spread:<22}{note}")
        for target in section.targets:
            mark = "MET   " if target.met else "MISSED"
            lines.append(f"  {mark} {target.goal}: {target.measured}")
        lines.extend(f"  | {line}" for line in section.profile)
        lines.append("")
    return "\n".join(lines)


def markdown(sections: Sequence[Section]) -> str:
    """The same figures as a Markdown table, for the README."""
    lines = ["| benchmark | figure | median | min – max |", "|---|---|---:|---|"]
    for section in sections:
        for row in section.rows:
            lines.append(
                f"| {section.benchmark} | {row.name} | {_number(row.stats.median)} {row.unit}"
                f" | {_number(row.stats.min)} – {_number(row.stats.max)} |"
            )
    lines.extend(["", "| target | measured | |", "|---|---|---|"])
    for section in sections:
        for target in section.targets:
            mark = "met" if target.met else "**missed**"
            lines.append(f"| {section.benchmark}: {target.goal} | {target.measured} | {mark} |")
    return "\n".join(lines)


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def python_command(*arguments: str) -> list[str]:
    """This interpreter, so child processes see the same packages as the parent."""
    return [sys.executable, *arguments]


def _self_time_by_module(run: Callable[[], object]) -> dict[str, float]:
    """Seconds ``run`` spends in each module (built-ins by name), sampled by pyinstrument."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    run()
    root = profiler.stop().root_frame()
    spent: dict[str, float] = {}
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.function != "[self]":
            continue
        owner = frame.parent
        where = (
            f"{owner.function} (built-in)"
            if frame.file_path_short == "<built-in>" and owner is not None
            else str(frame.file_path_short)
        )
        spent[where] = spent.get(where, 0.0) + frame.time
    return spent


def overhead_hotspots(
    mine: Callable[[], object], baseline: Callable[[], object], *, per: int, count: int = 8
) -> list[str]:
    """Where ``mine`` spends more than ``baseline``, module by module, per one of ``per`` calls.

    Both are run once under the profiler (each making ``per`` calls); the lines are the largest
    differences in self time, which is where an overhead over the baseline comes from.
    """
    theirs = _working(_self_time_by_module(baseline))
    ours = _working(_self_time_by_module(mine))
    extra = {where: (ours.get(where, 0.0) - theirs.get(where, 0.0)) / per for where in ours}
    largest = sorted(extra.items(), key=lambda item: item[1], reverse=True)[:count]
    total = (sum(ours.values()) - sum(theirs.values())) / per
    return [f"profile: +{total * 1e6:.0f} µs per call over the baseline (waits aside)"] + [
        f"{seconds * 1e6:+7.1f} µs  {where}" for where, seconds in largest
    ]


_WAITS = frozenset(
    f"{name} (built-in)"
    for name in ("socket.recv", "socket.recv_into", "select.select", "select.poll.poll", "sleep")
)
"""Sampled wall time spent blocked, not working: left out when comparing overheads."""


def _working(spent: dict[str, float]) -> dict[str, float]:
    return {where: seconds for where, seconds in spent.items() if where not in _WAITS}


class Sampler:
    """py-spy sampling another process (a server under load) for ``seconds``.

    Start it, apply the load, then read `hotspots`: where the server's busy samples fall, by
    module (self time) and by innermost ``ccx`` function (time in it and what it calls).
    """

    def __init__(self, pid: int, seconds: float) -> None:
        self._output = Path(tempfile.mkstemp(suffix=".py-spy.txt")[1])
        self._process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(seconds))),
                "--format",
                "raw",
                "--output",
                str(self._output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def hotspots(self, count: int = 6) -> list[str]:
        self._process.wait()
        lines = self._output.read_text().splitlines() if self._output.exists() else []
        self._output.unlink(missing_ok=True)
        by_module: dict[str, int] = {}
        by_function: dict[str, int] = {}
        for line in lines:
            stack, _, samples = line.rpartition(" ")
            frames = stack.split(";")
            weight = int(samples)
            leaf = _frame_file(frames[-1])
            by_module[leaf] = by_module.get(leaf, 0) + weight
            name = _innermost_handler(frames)
            by_function[name] = by_function.get(name, 0) + weight
        total = sum(by_module.values()) or 1
        return [
            "busy samples by module (self): "
            + ", ".join(f"{where} {share / total:.0%}" for where, share in _top(by_module, count)),
            "by innermost ccx function (with callees): "
            + ", ".join(
                f"{where} {share / total:.0%}" for where, share in _top(by_function, count)
            ),
        ]


def _top(spent: Mapping[str, int], count: int) -> list[tuple[str, int]]:
    return sorted(spent.items(), key=lambda item: item[1], reverse=True)[:count]


def _frame_path(frame: str) -> str:
    """``send (httpx/_client.py:12)`` -> ``httpx/_client.py`` (py-spy's raw frame format)."""
    location = frame.rpartition("(")[2].rstrip(")")
    return location.rpartition(":")[0] or location


def _frame_file(frame: str) -> str:
    return "/".join(_frame_path(frame).split("/")[-2:])


def _is_ours(frame: str) -> bool:
    path = _frame_path(frame)
    return path.startswith("ccx/") or "/ccx/" in path


def _innermost_handler(frames: Sequence[str]) -> str:
    """The innermost ccx frame called back through other code (the server calling the app).

    ccx frames at the bottom of the stack are the entry point that started the server; time
    with nothing of ours above them is the server and event loop themselves.
    """
    entry = 0
    while entry < len(frames) and not _is_ours(frames[entry]):
        entry += 1
    while entry < len(frames) and _is_ours(frames[entry]):
        entry += 1
    called_back = [frame for frame in frames[entry:] if _is_ours(frame)]
    if not called_back:
        return "server and event loop (no ccx frame)"
    return _frame_function(called_back[-1])


def _frame_function(frame: str) -> str:
    path = _frame_path(frame)
    return f"{path[path.find('ccx/') :]}:{frame.partition(' (')[0]}"
