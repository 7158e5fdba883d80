"""Checks of what callers pass, made before anything is sent.

Each failure is a typed error that names the setting or argument and says how to fix it:
``ConfigurationError`` for client settings, ``InvalidArgumentError`` for one call's
arguments. Values that may be secrets (the API key, header values) are never repeated in a
message; positions and kinds of character are, which is all a fix needs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import cast

import httpx

from ._constants import API_KEY_ENV, DEFAULT_BASE_URL
from ._exceptions import CCXError, ConfigurationError, InvalidArgumentError

__all__ = [
    "api_key",
    "base_url",
    "header_values",
    "idempotency_key",
    "json_body",
    "max_retries",
    "seconds",
    "text",
    "timeout",
]

Failure = Callable[[str], CCXError]

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_MAX_IDEMPOTENCY_KEY = 128


def _character(value: str, position: int) -> str:
    character = value[position]
    if character in "\r\n":
        kind = "a line break"
    elif character.isspace():
        kind = "whitespace"
    elif ord(character) < 0x20 or ord(character) == 0x7F:
        kind = "a control character"
    elif 0xD800 <= ord(character) <= 0xDFFF:
        kind = "half of a surrogate pair"
    else:
        kind = "a non-ASCII character"
    return f"{kind} at position {position}"


def _flaw(value: str, *, inner_space: bool) -> int | None:
    """Where ``value`` stops being printable ASCII (inner spaces allowed if ``inner_space``)."""
    if value.isascii() and value.isprintable() and (inner_space or " " not in value):
        if value[:1] == " ":
            return 0
        if value[-1:] == " ":
            return len(value) - 1
        return None
    for position, character in enumerate(value):
        if not " " <= character <= "~" or (character == " " and not inner_space):
            return position
    return None


def api_key(value: object, *, from_environment: bool) -> str:
    """The key as sent: surrounding whitespace (a newline from a secrets file) is dropped."""
    source = API_KEY_ENV if from_environment else "api_key"
    if not isinstance(value, str):
        raise ConfigurationError(f"{source} must be a string, got {type(value).__name__}")
    key = value.strip()
    if not key:
        raise ConfigurationError(
            f"No API key: pass api_key= to the client or set the {API_KEY_ENV} environment "
            "variable (tokens look like ccx_live_…, or ccx_test_… for the sandbox)."
        )
    flaw = _flaw(key, inner_space=False)
    if flaw is not None:
        raise ConfigurationError(
            f"{source} has {_character(key, flaw)} of the key, which no token has: copy the "
            "token again from the dashboard"
        )
    return key


def base_url(value: object, *, from_environment: bool) -> str:
    """The API root without a trailing slash; refuses a root that already ends in ``/v1`` or
    carries credentials."""
    source = "CCX_BASE_URL" if from_environment else "base_url"
    if not isinstance(value, str):
        raise ConfigurationError(f"{source} must be a string, got {type(value).__name__}")
    url = value.strip().rstrip("/")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is not None and parsed.userinfo:
        # Never echoed: the password is a secret. The API reads the api_key alone, and what
        # a URL's credentials would become differs by transport (Basic auth replacing the
        # token, silently dropped, or aiohttp's own ValueError).
        without = str(parsed.copy_with(userinfo=b""))
        raise ConfigurationError(
            f"{source} carries credentials (user:password@), which the API does not read: it "
            f"authenticates with the api_key. Use {without!r}"
        )
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"{source} must be an http(s) URL such as {DEFAULT_BASE_URL}, got {value!r}"
        )
    if parsed.path.rstrip("/").endswith("/v1"):
        root = url[: url.rstrip("/").rfind("/v1")]
        raise ConfigurationError(
            f"{source} ends in /v1, which the SDK adds to every path itself (the call would "
            f"go to /v1/v1/…): use {root!r}"
        )
    return url


def max_retries(value: object, failure: Failure) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise failure(f"`max_retries` must be a whole number, 0 or more; got {value!r}")
    return value


def seconds(value: object, name: str, failure: Failure) -> float | None:
    """A positive number of seconds, or ``None`` for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise failure(
            f"`{name}` must be a positive number of seconds, or None for no limit; got {value!r}"
        )
    return float(value)


def timeout(value: object, failure: Failure) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if value is not None:
        seconds(value, "timeout", failure)
    return httpx.Timeout(cast("float | None", value))


def header_values(headers: Mapping[str, str], source: str, failure: Failure) -> None:
    """Refuses names and values HTTP cannot carry, before they fail deep in the HTTP library."""
    for name, value in headers.items():
        if not isinstance(name, str) or _HEADER_NAME.fullmatch(name) is None:
            raise failure(f"{source} has a header name HTTP does not allow: {name!r}")
        if not isinstance(value, str):
            raise failure(
                f"the value of {source}[{name!r}] must be a string, got {type(value).__name__}"
            )
        flaw = _flaw(value, inner_space=True)
        if flaw is not None:
            raise failure(
                f"the value of {source}[{name!r}] has {_character(value, flaw)}: header "
                "values are printable ASCII, without whitespace at either end"
            )


def idempotency_key(value: object, operation_id: str) -> str:
    problem = None
    if not isinstance(value, str):
        problem = f"got {type(value).__name__}"
    elif not 0 < len(value) <= _MAX_IDEMPOTENCY_KEY:
        problem = f"got {len(value)} characters"
    elif (flaw := _flaw(value, inner_space=True)) is not None:
        problem = f"{value[flaw]!r} is {_character(value, flaw)}"
    if problem is not None:
        raise InvalidArgumentError(
            f"{operation_id}: `idempotency_key` must be 1 to {_MAX_IDEMPOTENCY_KEY} printable "
            f"ASCII characters without whitespace at either end, such as a UUID v4, a ULID or "
            f"your own id ('pedido-42'); {problem}"
        )
    return cast("str", value)


def text(value: str, name: str, operation_id: str) -> str:
    """``value`` if it is valid Unicode (no lone surrogate), so that it can be encoded."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidArgumentError(_not_unicode(operation_id, name, value, error)) from None
    return value


def _not_unicode(operation_id: str, name: str, value: str, error: UnicodeEncodeError) -> str:
    return (
        f"{operation_id}: `{name}` has {value[error.start]!r}, "
        f"{_character(value, error.start)}, which is not valid Unicode and cannot be sent: it "
        "usually comes from bytes decoded with errors='surrogateescape' or from an emoji cut "
        "in half; repair the text first, e.g. value.encode('utf-8', 'replace').decode()"
    )


def json_body(payload: Mapping[str, object], operation_id: str) -> bytes:
    """``payload`` as JSON; a value that cannot be sent is named by its path in the body."""
    # Loaded by the first call with a body, not with the client (pydantic-core is the fastest
    # serialiser at hand, and knows datetimes, UUIDs and decimals). A plain import: importing
    # names from a package runs importlib's Python code on every call.
    import pydantic_core

    try:
        return pydantic_core.to_json(payload)
    except pydantic_core.PydanticSerializationError:
        raise InvalidArgumentError(_unsendable(payload, (), operation_id)) from None


def _path(parts: tuple[str | int, ...]) -> str:
    rendered = ""
    for part in parts:
        rendered += f"[{part}]" if isinstance(part, int) else f".{part}" if rendered else part
    return rendered


def _unsendable(value: object, parts: tuple[str | int, ...], operation_id: str) -> str:
    """Why the first value under ``value`` that JSON cannot carry fails, named by its path."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return _not_unicode(operation_id, _path(parts), value, error)
        return ""
    if isinstance(value, Mapping):
        items = list(cast("Mapping[object, object]", value).items())
        for key, item in items:
            key_problem = _unsendable(key, (*parts, str(key)), operation_id)
            if key_problem:
                return key_problem
            found = _unsendable(item, (*parts, str(key)), operation_id)
            if found:
                return found
        return ""
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(cast("list[object] | tuple[object, ...]", value)):
            found = _unsendable(item, (*parts, index), operation_id)
            if found:
                return found
        return ""
    from pydantic_core import PydanticSerializationError, to_json

    try:
        to_json(value)
    except PydanticSerializationError:
        return (
            f"{operation_id}: `{_path(parts) or 'body'}` is of type {type(value).__name__}, "
            "which cannot be sent as JSON: pass a string, number, boolean, list or dict"
        )
    return ""
