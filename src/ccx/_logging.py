"""The ``ccx`` logger: ``CCX_LOG`` configuration, redaction, and the per-attempt log hook."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

from ._compat import override
from ._constants import LOG_ENV, REDACTED
from ._request import Attempt

__all__ = ["LoggingHook", "RedactingFilter", "configure_from_env", "logger", "redact_headers"]

logger = logging.getLogger("ccx")

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Bearer tokens and webhook secrets, wherever they end up in a message or its arguments.
_SECRET_PATTERN = re.compile(r"(?i)(bearer\s+)\S+|\b(?:ccx_(?:live|test|stg)|whsec)_[\w-]+")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def redact(text: str) -> str:
    """``text`` with every token or secret it contains replaced."""
    return _SECRET_PATTERN.sub(
        lambda match: f"{match.group(1)}{REDACTED}" if match.group(1) else REDACTED, text
    )


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` (name, value pairs) safe to log: credentials replaced."""
    return {
        name: REDACTED if name.lower() in _SECRET_HEADERS else redact(value)
        for name, value in headers
    }


class RedactingFilter(logging.Filter):
    """Scrubs tokens from every record of the ``ccx`` logger, whoever formats it."""

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


logger.addFilter(RedactingFilter())

_configured = False


def configure_from_env() -> None:
    """Applies ``CCX_LOG=debug|info`` once per process, adding a stderr handler if none."""
    global _configured  # noqa: PLW0603 - once-per-process switch
    if _configured:
        return
    _configured = True
    level = _LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


class LoggingHook:
    """Logs each attempt at debug level; costs one level check when debug is off."""

    def before(self, attempt: Attempt) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            request = attempt.request
            logger.debug(
                "Request %s %s (%s, attempt %d) headers=%s",
                request.method,
                request.url,
                attempt.operation.id,
                attempt.number + 1,
                redact_headers(request.headers.items()),
            )

    def after(self, attempt: Attempt) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        response = attempt.response
        if response is not None:
            logger.debug(
                "Response %s %d (request_id=%s)",
                attempt.operation.id,
                response.status_code,
                response.headers.get("x-request-id"),
            )
        elif attempt.error is not None:
            logger.debug("Attempt of %s failed: %r", attempt.operation.id, attempt.error)
