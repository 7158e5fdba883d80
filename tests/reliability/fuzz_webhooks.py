"""Fuzzing the webhook verifier: whatever arrives, only ``WebhookVerificationError`` escapes.

``check`` turns fuzzer bytes into a request a receiver could get: garbage, a genuine
signature of the body, or a genuine signature with fuzzer bytes spliced into the header. The
suite feeds it hypothesis data (``test_webhook_fuzz.py``); ``make fuzz`` runs it under atheris,
coverage-guided, for a million inputs: ``python -m tests.reliability.fuzz_webhooks -runs=1000000``.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import Any

from ccx.webhooks import WebhookVerificationError, sign, verify

SECRETS = ("whsec_current_3x7Q0kZr9mJ2", "whsec_previous_Lp4Wc8Nd1sTb")
"""A rotation in progress: either secret verifies."""
NOW = 1_795_248_000
_GARBAGE, _SIGNED, _SPLICED = range(3)


def check(data: bytes) -> None:
    """Verify one fuzzed webhook; anything but a ``WebhookVerificationError`` propagates."""
    mode = data[0] % 3 if data else _GARBAGE
    body, _, extra = data[1:].partition(b"\x00")
    header = extra.decode("latin-1")
    if mode != _GARBAGE:
        signed = sign(body, SECRETS[len(extra) % 2], timestamp=NOW - len(body) % 600)
        at = len(header) % (len(signed) + 1)
        header = signed if mode == _SIGNED else signed[:at] + header + signed[at:]
    with contextlib.suppress(WebhookVerificationError):
        verify(body, {"CCX-Signature": header}, SECRETS, now=NOW)


def main() -> None:
    # Linux wheels only (the dev dependency group installs it there), and untyped.
    atheris: Any = importlib.import_module("atheris")
    atheris.instrument_all()  # coverage guidance through the verifier and the event parser
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
