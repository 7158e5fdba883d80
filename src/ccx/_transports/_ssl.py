"""One TLS context for every client: loading the CA bundle costs milliseconds per client."""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["shared_ssl_context"]


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """The verifying context every client and transport uses, created on first use."""
    return httpx.create_ssl_context()
