"""``ccx broadcasts``: create, pause/resume/cancel, and watch until the broadcast completes."""

from __future__ import annotations

import datetime
import json
import os
import pty
import queue
import re
import select
import subprocess
import threading
from collections.abc import Iterator
from typing import IO, Any

import pytest

from ccx import CCX
from ccx.cli._broadcasts import progress_line, tally
from ccx.mock import MockServer
from ccx.types import BroadcastEventData

from .conftest import COMMAND, Invoke, TokenFactory

DEMO = ("--template", "black_friday_2026", "--language", "pt_BR", "--segment-id", "seg_ZZ11")
"""The demo segment has 1,000 recipients: two batches of 500."""
PATIENCE_SECONDS = 120.0
"""How long a test waits for output before calling the command stuck (never a timing check)."""
HIDE_CURSOR = "\x1b[?25l"
"""What rich's live display writes first; plain output never does."""
ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def progress_pattern(broadcast_id: str, status: str) -> re.Pattern[str]:
    counts = " · ".join(
        rf"\d+ {name}" for name in ("queued", "sent", "delivered", "read", "failed", "canceled")
    )
    return re.compile(rf"{broadcast_id} {status} \d+/1000 \d+%: {counts}")


@pytest.fixture
def broadcast_id(ccx_client: CCX) -> str:
    broadcast = ccx_client.broadcasts.create(
        name="Black Friday — Batch 1",
        template="black_friday_2026",
        language="pt_BR",
        segment_id="seg_ZZ11",
    )
    return broadcast.id


@pytest.fixture
def clock_running(ccx_mock: MockServer, broadcast_id: str) -> Iterator[None]:
    """Once the broadcast exists, moves the mock clock a second at a time until the test ends,
    as a live API's clock would move while the command watches."""
    done = threading.Event()

    def run() -> None:
        while not done.is_set():
            ccx_mock.advance(1)

    mover = threading.Thread(target=run)
    mover.start()
    yield
    done.set()
    mover.join()


def created(ccx: Invoke, *args: str) -> dict[str, Any]:
    result = ccx("broadcasts", "create", "--json", "--name", "Black Friday", *args)
    assert result.exit_code == 0, result.output
    broadcast: dict[str, Any] = json.loads(result.stdout)
    return broadcast


# -- watch -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("clock_running")
@pytest.mark.parametrize("display", [{}, {"FORCE_COLOR": "1"}], ids=["piped", "piped-color"])
def test_watch_without_a_terminal_prints_a_line_per_update_then_the_completion(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str, display: dict[str, str]
) -> None:
    result = ccx("broadcasts", "watch", broadcast_id, env=display)

    assert result.exit_code == 0, result.output
    assert "\r" not in result.stdout
    assert "\x1b" not in result.stdout
    # The finished stream replays in full: the same updates, as JSON.
    replayed = ccx("broadcasts", "watch", broadcast_id, "--json").stdout.splitlines()
    updates = [json.loads(line) for line in replayed]
    final = ccx_client.broadcasts.retrieve(broadcast_id)
    assert final.status == "completed"
    *progress, completion = result.stdout.splitlines()
    assert progress == [
        progress_line(BroadcastEventData.model_validate(update["data"]))
        for update in updates
        if update["event"] == "broadcast.progress"
    ]
    assert completion == f"{broadcast_id} completed: {tally(final.counts)}"
    assert progress_pattern(broadcast_id, "running").fullmatch(progress[0])
    assert progress[-1].startswith(f"{broadcast_id} completed 1000/1000 100%: ")


def test_watch_writes_each_line_as_the_update_arrives(
    ccx_client: CCX, broadcast_id: str, process_env: dict[str, str]
) -> None:
    """In a CI log a line must appear when its update does, not when the command ends."""
    with subprocess.Popen(
        [*COMMAND, "broadcasts", "watch", broadcast_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env,
    ) as process:
        try:
            assert process.stdout is not None
            first = next_line(process.stdout)
            # The mock clock is frozen: the broadcast cannot end until it is canceled.
            assert process.poll() is None
            ccx_client.broadcasts.cancel(broadcast_id)
            rest, errors = process.communicate(timeout=PATIENCE_SECONDS)
        finally:
            process.kill()

    assert process.returncode == 0, errors
    assert progress_pattern(broadcast_id, "running").fullmatch(first.rstrip("\n"))
    counts = ccx_client.broadcasts.retrieve(broadcast_id).counts
    assert rest.splitlines()[-1] == f"{broadcast_id} canceled: {tally(counts)}"


def next_line(stream: IO[str]) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=PATIENCE_SECONDS)


@pytest.mark.usefixtures("clock_running")
def test_watch_on_a_terminal_draws_a_live_bar(
    ccx_client: CCX, broadcast_id: str, process_env: dict[str, str]
) -> None:
    screen = on_a_terminal(
        [*COMMAND, "broadcasts", "watch", broadcast_id], {**process_env, "TERM": "xterm"}
    )

    assert HIDE_CURSOR in screen
    text = ESCAPE_SEQUENCE.sub("", screen)
    assert f"{broadcast_id} completed " in text
    assert " 1000/1000 100%" in text
    assert not progress_pattern(broadcast_id, r"\w+").search(text)
    counts = ccx_client.broadcasts.retrieve(broadcast_id).counts
    assert text.splitlines()[-1] == f"{broadcast_id} completed: {tally(counts)}"


@pytest.mark.usefixtures("clock_running")
@pytest.mark.parametrize(
    "display", [{"TERM": "dumb"}, {"TERM": "xterm", "TTY_INTERACTIVE": "0"}], ids=["dumb", "asked"]
)
def test_a_terminal_that_cannot_or_should_not_redraw_gets_lines(
    broadcast_id: str, process_env: dict[str, str], display: dict[str, str]
) -> None:
    screen = on_a_terminal(
        [*COMMAND, "broadcasts", "watch", broadcast_id], {**process_env, **display}
    )

    assert HIDE_CURSOR not in screen
    *progress, completion = screen.splitlines()
    assert all(progress_pattern(broadcast_id, r"\w+").fullmatch(line) for line in progress)
    assert completion.startswith(f"{broadcast_id} completed: ")


def on_a_terminal(command: list[str], env: dict[str, str]) -> str:
    """Everything ``command`` shows when its stdout is a terminal, once it exits."""
    controller, terminal = pty.openpty()
    with subprocess.Popen(command, stdout=terminal, stderr=terminal, env=env) as process:
        os.close(terminal)
        shown = bytearray()
        try:
            while True:
                ready, _, _ = select.select([controller], [], [], PATIENCE_SECONDS)
                assert ready, f"no output for {PATIENCE_SECONDS} s: {shown.decode()!r}"
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: the command exited and closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            process.kill()
            os.close(controller)
    assert process.returncode == 0, shown.decode()
    return shown.decode()


def test_watching_a_canceled_broadcast_ends_with_its_final_counts(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str
) -> None:
    ccx_client.broadcasts.cancel(broadcast_id)

    result = ccx("broadcasts", "watch", broadcast_id)

    assert result.exit_code == 0, result.output
    counts = ccx_client.broadcasts.retrieve(broadcast_id).counts
    assert result.stdout.splitlines()[-1] == f"{broadcast_id} canceled: {tally(counts)}"


@pytest.mark.usefixtures("clock_running")
def test_watch_json_prints_every_event_in_order(ccx: Invoke, broadcast_id: str) -> None:
    result = ccx("broadcasts", "watch", broadcast_id, "--json")

    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert {event["event"] for event in events[:-1]} == {"broadcast.progress"}
    assert events[-1]["event"] == "broadcast.completed"
    assert events[-1]["data"]["status"] == "completed"
    settled = [
        sum(event["data"]["counts"][name] for name in ("delivered", "read", "failed", "canceled"))
        for event in events
    ]
    assert settled == sorted(settled)
    assert settled[-1] == 1000


def test_watching_an_unknown_broadcast_is_a_404(ccx: Invoke) -> None:
    result = ccx("broadcasts", "watch", "brd_missing")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 404 resource_not_found: ")


# -- create ----------------------------------------------------------------------------------


def test_create_sends_the_template_to_the_segment_as_asked(ccx: Invoke, ccx_client: CCX) -> None:
    broadcast = created(
        ccx,
        "--template", "order_confirmation", "--language", "pt_BR", "--segment-id", "seg_ZZ11",
        "--var", "1=Cliente", "--var", "2=#BF2026", "--var", "3=R$ 99,90",
        "--rate-limit-per-minute", "500", "--priority", "low",
    )  # fmt: skip

    stored = ccx_client.broadcasts.retrieve(broadcast["id"])
    assert stored.status == "running"
    assert stored.name == "Black Friday"
    assert (stored.template, stored.language, stored.segment_id) == (
        "order_confirmation",
        "pt_BR",
        "seg_ZZ11",
    )
    assert stored.variables == {"1": "Cliente", "2": "#BF2026", "3": "R$ 99,90"}
    assert stored.rate_limit_per_minute == 500
    assert stored.priority == "low"
    assert stored.counts.total == 1000


def test_create_prints_the_broadcast_for_people(ccx: Invoke) -> None:
    result = ccx("broadcasts", "create", "--name", "Black Friday", *DEMO)

    assert result.exit_code == 0, result.output
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["id"].startswith("brd_")
    assert fields["status"] == "running"
    assert fields["segment_id"] == "seg_ZZ11"


def test_a_dry_run_previews_the_cost_and_sends_nothing(ccx: Invoke, ccx_client: CCX) -> None:
    broadcast = created(ccx, *DEMO, "--dry-run")

    assert broadcast["status"] == "dry_run"
    assert broadcast["preview"]["recipients"] == 1000
    assert broadcast["preview"]["estimated_cost"] > 0
    assert list(ccx_client.messages.list(broadcast_id=broadcast["id"])) == []
    assert list(ccx_client.broadcasts.list()) == []


def test_a_scheduled_broadcast_waits_for_its_time(
    ccx: Invoke, ccx_client: CCX, ccx_mock: MockServer
) -> None:
    sao_paulo = datetime.timezone(datetime.timedelta(hours=-3))
    a_week_ahead = datetime.datetime.fromtimestamp(
        ccx_mock.state.clock.now() + 7 * 86_400, sao_paulo
    ).replace(microsecond=0)

    broadcast = created(
        ccx, *DEMO, "--schedule-at", a_week_ahead.isoformat(), "--timezone", "America/Sao_Paulo"
    )

    stored = ccx_client.broadcasts.retrieve(broadcast["id"])
    assert stored.status == "scheduled"
    assert stored.schedule_at == a_week_ahead
    assert stored.timezone == "America/Sao_Paulo"
    assert stored.started_at is None
    assert list(ccx_client.messages.list(broadcast_id=stored.id)) == []


def test_the_same_idempotency_key_creates_one_broadcast(ccx: Invoke, ccx_client: CCX) -> None:
    first = created(ccx, *DEMO, "--idempotency-key", "black-friday-1")
    again = created(ccx, *DEMO, "--idempotency-key", "black-friday-1")
    changed = ccx(
        "broadcasts", "create", "--name", "Other", *DEMO, "--idempotency-key", "black-friday-1"
    )

    assert again["id"] == first["id"]
    assert [broadcast.id for broadcast in ccx_client.broadcasts.list()] == [first["id"]]
    assert changed.exit_code == 1
    assert changed.stderr.startswith("Error: 409 idempotency_key_reused: ")


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--rate-limit-per-minute", "0"), "0 is not in the range x>=1"),
        (("--var", "1"), "'1' is not NAME=VALUE"),
    ],
)
def test_bad_create_options_are_usage_errors(
    ccx: Invoke, ccx_client: CCX, args: tuple[str, ...], complaint: str
) -> None:
    result = ccx("broadcasts", "create", "--name", "Black Friday", *DEMO, *args)

    assert result.exit_code == 2
    assert complaint in result.stderr
    assert list(ccx_client.broadcasts.list()) == []


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--segment-id", "seg_missing"), "Error: 404 resource_not_found: "),
        (("--schedule-at", "tomorrow"), "Error: 400 invalid_timestamp: "),
        (("--template", "no_such_template"), "Error: 404 template_not_found: "),
    ],
)
def test_what_the_api_refuses_is_one_line_naming_the_field(
    ccx: Invoke, args: tuple[str, ...], complaint: str
) -> None:
    result = ccx("broadcasts", "create", "--name", "Black Friday", *DEMO, *args)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(complaint)
    assert f"(param: {args[0].removeprefix('--').replace('-', '_')}" in line


# -- pause, resume, cancel -------------------------------------------------------------------


def test_pause_resume_and_cancel_move_the_broadcast_through_its_states(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str
) -> None:
    def status_after(action: str) -> str:
        result = ccx("broadcasts", action, broadcast_id)
        assert result.exit_code == 0, result.output
        fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
        assert fields["id"] == broadcast_id
        return fields["status"]

    assert status_after("pause") == "paused"
    assert ccx_client.broadcasts.retrieve(broadcast_id).status == "paused"
    assert status_after("resume") == "running"
    assert status_after("cancel") == "canceled"
    assert ccx_client.broadcasts.retrieve(broadcast_id).status == "canceled"


@pytest.mark.parametrize("action", ["pause", "resume", "cancel"])
def test_an_action_the_state_does_not_allow_is_a_409(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str, action: str
) -> None:
    ccx_client.broadcasts.cancel(broadcast_id)

    result = ccx("broadcasts", action, broadcast_id)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 409 broadcast_state_conflict: ")
    assert "is canceled" in line


@pytest.mark.parametrize("action", ["pause", "resume", "cancel"])
def test_an_unknown_broadcast_is_a_404(ccx: Invoke, action: str) -> None:
    result = ccx("broadcasts", action, "brd_missing", "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: 404 resource_not_found: ")


def test_pause_with_an_idempotency_key_can_be_repeated(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str
) -> None:
    first = ccx("broadcasts", "pause", broadcast_id, "--idempotency-key", "pause-1", "--json")
    again = ccx("broadcasts", "pause", broadcast_id, "--idempotency-key", "pause-1", "--json")
    unkeyed = ccx("broadcasts", "pause", broadcast_id)

    assert first.exit_code == again.exit_code == 0, again.output
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert unkeyed.exit_code == 1
    assert "409 broadcast_state_conflict" in unkeyed.stderr


def test_a_token_without_broadcasts_send_is_refused(
    ccx: Invoke, ccx_client: CCX, token_with: TokenFactory
) -> None:
    reader = token_with("broadcasts:read")

    result = ccx("--api-key", reader, "broadcasts", "create", "--name", "Black Friday", *DEMO)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 403 missing_scope: ")
    assert "'broadcasts:send'" in line
    assert reader not in result.output
    assert list(ccx_client.broadcasts.list()) == []
