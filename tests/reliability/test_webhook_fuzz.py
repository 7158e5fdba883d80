"""The fuzz harness of ``make fuzz``, fed by hypothesis: only verification errors escape."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ccx.webhooks import verify

from .fuzz_webhooks import NOW, SECRETS, check

EVENT = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "event": "contact.created",
        "created_at": "2026-11-21T08:00:00Z",
        "api_version": "2026-11-01",
        "trace_id": None,
        "data": {"contact": "+15550000001", "channel": "whatsapp"},
    }
).encode()


@settings(max_examples=500)
@given(data=st.binary(max_size=400))
def test_any_bytes_raise_nothing_but_verification_errors(data: bytes) -> None:
    check(data)


@settings(max_examples=200)
@given(extra=st.binary(max_size=60))
def test_genuine_signatures_of_real_events_pass_the_harness(extra: bytes) -> None:
    check(b"\x01" + EVENT + b"\x00" + extra)  # signed: verifies and parses


def test_the_harness_signs_what_receivers_accept() -> None:
    from ccx.webhooks import sign

    event = verify(
        EVENT, {"CCX-Signature": sign(EVENT, SECRETS[1], timestamp=NOW)}, SECRETS, now=NOW
    )
    assert event.id == "evt_1"
