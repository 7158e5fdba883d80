"""Reading what ``ccx webhooks verify`` is given: a raw body, or a whole captured request."""

from __future__ import annotations

import re
from typing import Final

import click

from ccx.webhooks import SIGNATURE_HEADER

__all__ = ["signature_value", "split_request"]

_REQUEST_LINE: Final = re.compile(rb"^[A-Z]+ \S+ HTTP/\d(\.\d)?$")
_HEADER_PREFIX: Final = re.compile(rf"^\s*{SIGNATURE_HEADER}\s*:\s*", re.IGNORECASE)


def signature_value(text: str) -> str:
    """The header value, also when pasted with its name (``CCX-Signature: t=...``)."""
    return _HEADER_PREFIX.sub("", text).strip()


def split_request(captured: bytes) -> tuple[dict[str, str], bytes]:
    """Headers (lower-case names) and the exact body bytes of a captured HTTP request.

    The request line (``POST /webhooks HTTP/1.1``) is optional; the body is every byte after
    the first blank line, untouched, because the signature covers exactly those bytes.
    """
    separators = [
        (index, len(separator))
        for separator in (b"\r\n\r\n", b"\n\n")
        if (index := captured.find(separator)) >= 0
    ]
    if not separators:
        raise click.UsageError(
            "stdin has no blank line between headers and body: pipe the whole captured request, "
            "or pipe only the body and pass the signature with --header"
        )
    end, length = min(separators)
    lines = captured[:end].splitlines()
    if lines and _REQUEST_LINE.match(lines[0]):
        lines = lines[1:]
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise click.UsageError(f"stdin has a header line without a colon: {name!r}")
        headers[name.strip().lower()] = value.strip()
    return headers, captured[end + length :]
