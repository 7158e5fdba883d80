"""schemathesis finds no failure in the mock: every check, positive and negative data, stateful.

A fixed seed and a bounded example count keep it reproducible and near a minute (5,297 cases
in 75 s: ``python -m tests.contract.run_schemathesis --seed 20261121 --max-examples 10``);
``make fuzz`` runs it longer with a random seed.
"""

from __future__ import annotations

from .run_schemathesis import run

SEED = 20261121
MAX_EXAMPLES = 10


def test_schemathesis_finds_no_failure() -> None:
    finished = run(seed=SEED, max_examples=MAX_EXAMPLES)
    report = finished.stdout + finished.stderr
    assert "Stateful" in report, report[-3000:]  # the phase ran, links and all
    assert finished.returncode == 0, report[-6000:]
