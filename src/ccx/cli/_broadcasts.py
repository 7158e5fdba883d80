"""``ccx broadcasts``: create one, pause, resume or cancel it, and watch its progress."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ccx import NotGiven
from ccx.types.broadcasts import Broadcast
from ccx.types.enums import Priority
from ccx.types.events import (
    BroadcastCompletedEvent,
    BroadcastEventData,
    BroadcastProgressEvent,
    UnknownEvent,
)
from ccx.types.shared import BroadcastCounts

from ._context import client
from ._options import (
    choice_of,
    given,
    idempotency_key_option,
    json_option,
    parse_variables,
    variables_option,
)
from ._output import console, is_live, print_model, to_json

if TYPE_CHECKING:
    # Only for types: the client loads its resources on first use; ccx should not load them sooner.
    from ccx.resources.broadcasts import Broadcasts

__all__ = ["broadcasts", "progress_line", "settled", "tally"]


def settled(counts: BroadcastCounts) -> int:
    """Recipients whose message has reached them, failed, or will never be sent."""
    return counts.delivered + counts.read + counts.failed + counts.canceled


def tally(counts: BroadcastCounts) -> str:
    return (
        f"{counts.queued} queued · {counts.sent} sent · {counts.delivered} delivered · "
        f"{counts.read} read · {counts.failed} failed · {counts.canceled} canceled"
    )


def progress_line(progress: BroadcastEventData) -> str:
    """One update as one line, for logs: the bar's numbers, then every count."""
    done, total = settled(progress.counts), progress.counts.total
    percent = 100 * done // total if total else 100  # 999 of 1000 is 99%, not a rounded 100%
    return (
        f"{progress.broadcast_id} {progress.status} {done}/{total} {percent}%: "
        f"{tally(progress.counts)}"
    )


def _completion_line(progress: BroadcastEventData) -> str:
    return f"{progress.broadcast_id} {progress.status}: {tally(progress.counts)}"


@click.group()
def broadcasts() -> None:
    """Create, control and follow broadcasts."""


@broadcasts.command()
@click.option("--name", required=True, help="The broadcast's name, such as 'Black Friday'.")
@click.option("--template", required=True, metavar="NAME", help="An approved template.")
@click.option("--language", required=True, help="The template's language, such as pt_BR.")
@click.option("--segment-id", required=True, metavar="SEG_ID", help="The audience (seg_…).")
@variables_option("A placeholder value sent to every recipient: --var 1=Maria fills {{1}}.")
@click.option(
    "--rate-limit-per-minute",
    type=click.IntRange(min=1),
    metavar="N",
    help="The most messages to queue per minute (default: the API's).",
)
@click.option("--priority", type=choice_of(Priority), help="Queue priority (default: default).")
@click.option(
    "--schedule-at",
    metavar="TIME",
    help="Start later instead of now: RFC 3339 with an offset, like 2026-11-28T09:00:00-03:00, "
    "or a local time like 2026-11-28T09:00:00 read in --timezone.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="The IANA zone a local --schedule-at is read in, like America/Sao_Paulo; an offset "
    "given in --schedule-at must agree with it.",
)
@click.option("--dry-run", is_flag=True, help="Only preview the cost; send nothing.")
@idempotency_key_option(
    "Create again with the same key to get the same broadcast back, never a second send. "
    "Recommended: without it, each run sends to the whole segment again."
)
@json_option("the broadcast")
@click.pass_context
def create(  # noqa: PLR0917 (click passes every option positionally)
    context: click.Context,
    name: str,
    template: str,
    language: str,
    segment_id: str,
    variables: tuple[str, ...],
    rate_limit_per_minute: int | None,
    priority: Priority | None,
    schedule_at: str | None,
    timezone: str | None,
    dry_run: bool,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Send an approved template to every recipient of a segment (or --dry-run its cost)."""
    broadcast = client(context).broadcasts.create(
        name=name,
        template=template,
        language=language,
        segment_id=segment_id,
        variables=given(parse_variables(variables) or None),
        rate_limit_per_minute=given(rate_limit_per_minute),
        priority=given(priority),
        schedule_at=given(schedule_at),
        timezone=given(timezone),
        dry_run=given(dry_run or None),
        idempotency_key=given(idempotency_key),
    )
    print_model(broadcast, as_json)


class _Action(Protocol):
    """``broadcasts.pause``, ``resume`` or ``cancel`` of a client."""

    def __call__(self, id: str, /, *, idempotency_key: str | NotGiven) -> Broadcast: ...


def _add_action(name: str, help: str, action: Callable[[Broadcasts], _Action]) -> None:
    """A command that moves a broadcast to another state and prints it."""

    @broadcasts.command(name, help=help)
    @click.argument("broadcast_id", metavar="ID")
    @idempotency_key_option()
    @json_option("the broadcast")
    @click.pass_context
    def command(
        context: click.Context, broadcast_id: str, idempotency_key: str | None, as_json: bool
    ) -> None:
        act = action(client(context).broadcasts)
        print_model(act(broadcast_id, idempotency_key=given(idempotency_key)), as_json)


_add_action(
    "pause",
    "Pause a running broadcast; resume continues where it stopped.",
    lambda resource: resource.pause,
)
_add_action(
    "resume", "Resume a paused broadcast from where it stopped.", lambda resource: resource.resume
)
_add_action(
    "cancel",
    "Cancel a scheduled, running or paused broadcast; recipients not yet queued are skipped.",
    lambda resource: resource.cancel,
)


@broadcasts.command()
@click.argument("broadcast_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print each event as a JSON line instead.")
@click.pass_context
def watch(context: click.Context, broadcast_id: str, as_json: bool) -> None:
    """Follow a broadcast's progress until it completes (or is canceled).

    On a terminal, a live progress bar; piped or in a CI log, one line per update.
    """
    with client(context).broadcasts.events(broadcast_id) as stream:
        if as_json:
            for event in stream:
                click.echo(json.dumps(to_json(event), ensure_ascii=False))
            return
        # An event type newer than this SDK carries no progress it can show: skip it.
        known = (event for event in stream if not isinstance(event, UnknownEvent))
        output = console()
        if is_live(output):
            final = _show_bar(output, broadcast_id, (event.data for event in known))
        else:
            final = _print_lines(output, known)
    if final is not None:
        output.print(_completion_line(final), markup=False)


def _show_bar(
    output: Console, broadcast_id: str, updates: Iterable[BroadcastEventData]
) -> BroadcastEventData | None:
    last: BroadcastEventData | None = None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        console=output,
    ) as progress:
        task = progress.add_task(broadcast_id, total=None)
        for last in updates:
            progress.update(
                task,
                description=f"{broadcast_id} {last.status}",
                completed=settled(last.counts),
                total=last.counts.total,
            )
    return last


def _print_lines(
    output: Console,
    events: Iterable[BroadcastProgressEvent | BroadcastCompletedEvent],
) -> BroadcastEventData | None:
    """A line per progress event, each written at once; the completion line is the caller's."""
    last: BroadcastEventData | None = None
    for event in events:
        last = event.data
        if event.event == "broadcast.progress":
            output.print(progress_line(last), markup=False)
    return last
