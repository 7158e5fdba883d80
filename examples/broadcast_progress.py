"""A broadcast from cost preview to completion, followed live on its Server-Sent Events stream.

    python examples/broadcast_progress.py

Previews the cost with a dry run, starts the broadcast, pauses it once the first batch is out
and resumes it (nobody is skipped or sent twice), and draws progress from the stream. The SDK
resumes a dropped stream by itself, with ``Last-Event-ID``, so no update is lost or repeated.
"""

from __future__ import annotations

from _support import local_api

import ccx
from ccx.types import Broadcast, BroadcastCounts

RECIPIENTS = 1_000
BAR_WIDTH = 30


def black_friday(client: ccx.CCX, segment_id: str, *, dry_run: bool) -> Broadcast:
    return client.broadcasts.create(
        name="Black Friday — Batch 1",
        template="black_friday_2026",
        language="pt_BR",
        segment_id=segment_id,
        rate_limit_per_minute=30_000,  # batches of 500: one every second
        priority="high",
        dry_run=dry_run,
    )


def draw(counts: BroadcastCounts) -> str:
    settled = counts.delivered + counts.read + counts.failed
    filled = BAR_WIDTH * settled // max(counts.total, 1)
    return (
        f"[{'=' * filled}{' ' * (BAR_WIDTH - filled)}] {100 * settled // max(counts.total, 1):3d}%"
        f"  queued {counts.queued:4d}  sent {counts.sent:4d}  delivered {counts.delivered:4d}"
        f"  failed {counts.failed}"
    )


def main() -> None:
    with local_api(), ccx.CCX() as client:
        audience = [f"+55118{number:08d}" for number in range(RECIPIENTS)]
        segment = client.segments.create(name="Black Friday audience", recipients=audience)

        preview = black_friday(client, segment.id, dry_run=True).preview
        if preview is not None:
            print(
                f"Dry run: {preview.recipients} recipients, about "
                f"{preview.estimated_cost:.2f} {preview.currency}; nothing sent"
            )

        broadcast = black_friday(client, segment.id, dry_run=False)
        print(f"Started {broadcast.id}")
        paused_once = False
        with client.broadcasts.events(broadcast.id) as stream:
            for update in stream:
                if update.event == "broadcast.completed":
                    break  # the server closes the stream after this event anyway
                counts = update.data.counts
                print(draw(counts))
                if not paused_once and counts.sent + counts.delivered > 0:
                    paused_once = True
                    paused = client.broadcasts.pause(broadcast.id)
                    resumed = client.broadcasts.resume(broadcast.id)
                    print(f"{paused.status} after the first batch, {resumed.status} again")
        final = client.broadcasts.retrieve(broadcast.id)
        print(f"{final.status}: {final.counts.delivered} of {final.counts.total} delivered")


if __name__ == "__main__":
    main()
