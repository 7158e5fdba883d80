"""``ccx broadcasts watch``: a broadcast's live progress from its event stream."""

from __future__ import annotations

import json
from collections.abc import Iterable

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ccx.types.broadcasts import BroadcastProgress
from ccx.types.shared import BroadcastCounts

from ._context import client
from ._output import console, to_json

__all__ = ["broadcasts", "settled", "tally"]


def settled(counts: BroadcastCounts) -> int:
    """Recipients whose message has reached them, failed, or will never be sent."""
    return counts.delivered + counts.read + counts.failed + counts.canceled


def tally(counts: BroadcastCounts) -> str:
    return (
        f"{counts.queued} queued · {counts.sent} sent · {counts.delivered} delivered · "
        f"{counts.read} read · {counts.failed} failed · {counts.canceled} canceled"
    )


@click.group()
def broadcasts() -> None:
    """Follow broadcasts."""


@broadcasts.command()
@click.argument("broadcast_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print each event as a JSON line instead.")
@click.pass_context
def watch(context: click.Context, broadcast_id: str, as_json: bool) -> None:
    """Show a broadcast's progress live until it completes (or is canceled)."""
    with client(context).broadcasts.events(broadcast_id) as stream:
        if as_json:
            for event in stream:
                click.echo(json.dumps(to_json(event), ensure_ascii=False))
            return
        final = _show_progress(broadcast_id, (event.data for event in stream))
    if final is not None:
        console().print(f"{broadcast_id} {final.status}: {tally(final.counts)}")


def _show_progress(
    broadcast_id: str, updates: Iterable[BroadcastProgress]
) -> BroadcastProgress | None:
    last: BroadcastProgress | None = None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        console=console(),
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
