"""Verify and produce ``CCX-Signature`` headers: ``t=<unix seconds>,v1=<hex>[,v1=<hex>...]``.

The signature is HMAC-SHA256, keyed with the endpoint secret (its UTF-8 text, ``whsec_`` prefix
included), over ``"<t>.<raw body>"``. While a rotated secret overlaps, CCX sends one ``v1`` per
secret, and a receiver holding either secret accepts the request.

Verification sits on every webhook request, so the hot path is kept lean: each secret is keyed
into HMAC once (and cached), the header is split rather than matched with a regex (faster here),
and the timestamp is checked before any hashing.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import time
from collections.abc import Mapping, Sequence
from hmac import compare_digest
from typing import Final, Protocol, TypeAlias, cast

from typing_extensions import override

from .._constants import WEBHOOK_TOLERANCE as DEFAULT_TOLERANCE
from ._errors import (
    MalformedSignatureError,
    MissingSignatureError,
    RawBodyRequiredError,
    SignatureMismatchError,
    TimestampOutsideToleranceError,
    WebhookSecretMissingError,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "NO_TOLERANCE",
    "SIGNATURE_HEADER",
    "HeaderLookup",
    "NoTolerance",
    "Secret",
    "SigningKeys",
    "Tolerance",
    "check_signature",
    "checked_tolerance",
    "raw_body",
    "sign",
    "signature_header",
    "secret_tuple",
    "signing_keys",
    "verify_signature",
]

SIGNATURE_HEADER: Final = "CCX-Signature"

_LOWER_SIGNATURE_HEADER: Final = SIGNATURE_HEADER.lower()
_HEX_DIGEST_LENGTH: Final = 2 * hashlib.sha256().digest_size
_HEX_DIGITS: Final = "0123456789abcdef"
_BAD_SIGNATURE: Final = f"v1= must be {_HEX_DIGEST_LENGTH} lowercase hex characters (HMAC-SHA256)"
# Twelve digits reach the year 33658: anything longer is garbage, rejected before int() parses it.
_MAX_TIMESTAMP_DIGITS: Final = 12
# XOR tables for the HMAC pads, as in the standard library's hmac module.
_INNER_PAD: Final = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD: Final = bytes(byte ^ 0x5C for byte in range(256))
# Keyed secrets kept for reuse; a bound, since a multi-tenant receiver may see many secrets.
_MAX_CACHED_KEYS: Final = 1024
_EXPECTED_FORMAT: Final = "expected 't=<unix seconds>,v1=<64 hex characters>[,v1=...]'"


class NoTolerance(enum.Enum):
    """The type of :data:`NO_TOLERANCE`.

    Turning the replay check off takes this explicit value: ``None`` or ``0`` is rejected, so
    the check cannot be lost by accident (stripe's ``tolerance=None`` silently skips it).
    """

    NO_TOLERANCE = "no_tolerance"

    @override
    def __repr__(self) -> str:
        return "NO_TOLERANCE"


NO_TOLERANCE: Final = NoTolerance.NO_TOLERANCE
"""Pass as ``tolerance=`` to accept any signed timestamp (tests replaying recorded requests)."""

Tolerance: TypeAlias = float | NoTolerance
Secret: TypeAlias = str | Sequence[str]


class HeaderLookup(Protocol):
    """Anything with ``.get(name)``: a dict, or starlette, werkzeug and django header objects."""

    def get(self, key: str, /) -> str | None: ...


class SigningKeys:
    """One or more webhook secrets, keyed into HMAC-SHA256 once, for verification.

    HMAC (RFC 2104) is ``H(key ^ opad || H(key ^ ipad || message))``. ``hmac.new`` hashes the
    two keyed pads again on every call, which costs as much as hashing a 1 KB body; here they are
    hashed once and copied per message. ``sign`` uses ``hmac.new`` itself, so every sign/verify
    round trip in the tests checks this against the standard library. The repr hides the secrets.

    The simpler form, one ``hmac.new(key, digestmod=sha256)`` per secret and its ``copy()`` per
    message, made ``verify_signature`` 1.55 to 1.64 times a bare HMAC on CPython 3.10 to 3.13
    (that object's ``copy``, ``update`` and ``hexdigest`` are Python methods), against 1.23 to
    1.35 for these pads (``benchmarks/bench_webhooks.py``): it misses the 1.3 target.
    """

    __slots__ = ("pads",)

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self.pads = tuple(_keyed_pads(secret.encode()) for secret in secrets)
        """Per secret, SHA-256 already fed the inner and the outer keyed pad."""

    def __len__(self) -> int:
        return len(self.pads)

    @override
    def __repr__(self) -> str:
        return f"SigningKeys(<{len(self.pads)} secret(s) hidden>)"


def _keyed_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    block_size = hashlib.sha256().block_size
    if len(key) > block_size:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block_size, b"\0")
    return hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD))


_KEYS: dict[str | tuple[str, ...], SigningKeys] = {}


def signing_keys(secret: Secret | None) -> SigningKeys:
    """Validate ``secret`` (one secret, or several while a rotation overlaps) and key it, cached."""
    if isinstance(secret, str):
        cached = _KEYS.get(secret)
        if cached is not None:
            return cached
    secrets = secret_tuple(secret)
    key = secrets[0] if len(secrets) == 1 else secrets
    cached = _KEYS.get(key)
    if cached is None:
        if len(_KEYS) >= _MAX_CACHED_KEYS:
            _KEYS.clear()
        cached = _KEYS[key] = SigningKeys(secrets)
    return cached


def secret_tuple(secret: Secret | None) -> tuple[str, ...]:
    """``secret`` as a non-empty tuple of non-empty secrets, or a clear error."""
    if isinstance(secret, str):
        secrets: tuple[object, ...] = (secret,)
    elif secret is None:
        raise WebhookSecretMissingError(
            "No webhook secret given: pass secret= with the endpoint's whsec_... secret "
            "(the helpers also read the CCX_WEBHOOK_SECRET environment variable)."
        )
    elif isinstance(secret, (bytes, bytearray)) or not isinstance(secret, Sequence):
        raise TypeError(
            f"secret must be a str or a sequence of str (the endpoint's whsec_... secrets), "
            f"got {type(secret).__name__}."
        )
    else:
        secrets = tuple(cast("Sequence[object]", secret))
    if not all(isinstance(item, str) for item in secrets):
        raise TypeError("secret must be a str or a sequence of str: every secret must be a str.")
    if not secrets or not all(secrets):
        raise WebhookSecretMissingError(
            "The webhook secret is empty: pass the endpoint's whsec_... secret "
            "(or, during a rotation, a list of the old and the new one)."
        )
    return cast("tuple[str, ...]", secrets)


def checked_tolerance(tolerance: object) -> Tolerance:
    """``tolerance`` if it is a positive, finite number of seconds or ``NO_TOLERANCE``."""
    if type(tolerance) is int and tolerance > 0:  # the common case, first: it runs per request
        return tolerance
    if tolerance is NO_TOLERANCE:
        return NO_TOLERANCE
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise TypeError(
            f"tolerance must be a positive number of seconds, got {tolerance!r}. To skip the "
            "replay check on purpose, pass tolerance=ccx.webhooks.NO_TOLERANCE."
        )
    if not 0 < tolerance < math.inf:
        raise ValueError(
            f"tolerance must be a positive, finite number of seconds, got {tolerance!r}. To skip "
            "the replay check on purpose, pass tolerance=ccx.webhooks.NO_TOLERANCE."
        )
    return tolerance


def raw_body(payload: object) -> bytes:
    """The request body as bytes, refusing anything already parsed: the signature covers bytes."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    if isinstance(payload, bytearray):
        return bytes(payload)
    raise RawBodyRequiredError(
        f"payload must be the raw request body (bytes or str), got {type(payload).__name__}: "
        "pass the raw request body exactly as received (FastAPI: await request.body(); Flask: "
        "request.get_data(); Django: request.body), not parsed or re-serialised JSON."
    )


def signature_header(headers_or_signature: HeaderLookup | str | None) -> str | None:
    """The ``CCX-Signature`` value from a header mapping (any case), or the value itself."""
    if headers_or_signature is None or isinstance(headers_or_signature, str):
        return headers_or_signature
    try:
        value: object = headers_or_signature.get(SIGNATURE_HEADER)
    except AttributeError:
        raise TypeError(
            "headers_or_signature must be the request headers (a mapping) or the CCX-Signature "
            f"header value (str), got {type(headers_or_signature).__name__}."
        ) from None
    if value is None and isinstance(headers_or_signature, Mapping):
        # A plain dict is case-sensitive: HTTP header names are not.
        items = cast("Mapping[object, object]", headers_or_signature)
        value = next(
            (
                found
                for name, found in items.items()
                if isinstance(name, str) and name.lower() == _LOWER_SIGNATURE_HEADER
            ),
            None,
        )
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise MalformedSignatureError(
        f"The {SIGNATURE_HEADER} header is a {type(value).__name__}, not text; {_EXPECTED_FORMAT}."
    )


def check_signature(
    body: bytes,
    header: str | None,
    keys: SigningKeys,
    tolerance: Tolerance,
    now: float | None,
) -> None:
    """Raise unless ``header`` signs ``body`` with one of ``keys`` at an acceptable time.

    One function on purpose, HMAC included: it runs on every request, and in CPython a call
    costs about as much as parsing the header.
    """
    if not header:
        raise MissingSignatureError(
            f"The request has no {SIGNATURE_HEADER} header, so it cannot be verified. CCX signs "
            "every delivery: check that the request comes from CCX and that its headers reach "
            "this code (pass the request's header mapping, or the header value itself)."
        )
    timestamp: str | None = None
    candidates: list[str] = []
    for item in header.split(","):
        name, _, value = item.partition("=")
        if name == "v1":
            # compare_digest needs ASCII; whether it is all hex is checked only on a mismatch.
            if len(value) != _HEX_DIGEST_LENGTH or not value.isascii():
                raise _malformed(_BAD_SIGNATURE)
            candidates.append(value)
        elif name == "t":
            if timestamp is not None:
                raise _malformed("it has more than one t=")
            timestamp = value
        # Other schemes (a future v2=) are skipped, so adding one never breaks old receivers.
    if timestamp is None:
        raise _malformed("it has no t=<unix seconds>")
    if not (
        len(timestamp) <= _MAX_TIMESTAMP_DIGITS and timestamp.isascii() and timestamp.isdigit()
    ):
        raise _malformed("t= must be the unix time in whole seconds")
    if not candidates:
        raise _malformed("it has no v1=<signature>")
    if tolerance is not NO_TOLERANCE:
        age = (time.time() if now is None else now) - int(timestamp)
        if age > tolerance or -age > tolerance:
            raise _outside_tolerance(int(timestamp), age, tolerance)
    stamp = timestamp.encode()
    for inner_pad, outer_pad in keys.pads:
        inner = inner_pad.copy()
        inner.update(stamp)
        inner.update(b".")
        inner.update(body)
        outer = outer_pad.copy()
        outer.update(inner.digest())
        expected = outer.hexdigest()
        for candidate in candidates:
            if compare_digest(expected, candidate):
                return
    if any(candidate.strip(_HEX_DIGITS) for candidate in candidates):
        raise _malformed(_BAD_SIGNATURE)
    raise SignatureMismatchError(
        f"The {SIGNATURE_HEADER} header does not match this payload for the configured "
        f"secret(s) ({len(keys)} tried against {len(candidates)} v1 signature(s)). The usual "
        "cause is verifying a body that was parsed and re-serialised (request.json(), "
        "json.loads then json.dumps) instead of the raw request bytes: pass the body exactly "
        "as received. Otherwise check that the secret is this endpoint's current whsec_... "
        "secret (during a rotation, pass both the old and the new one)."
    )


def _malformed(reason: str) -> MalformedSignatureError:
    return MalformedSignatureError(
        f"The {SIGNATURE_HEADER} header is malformed: {reason}; {_EXPECTED_FORMAT}. Pass the "
        "header value exactly as received."
    )


def _outside_tolerance(
    timestamp: int, age: float, tolerance: float
) -> TimestampOutsideToleranceError:
    if age > 0:
        message = (
            f"The {SIGNATURE_HEADER} timestamp is {age:.0f} seconds old, beyond the tolerance "
            f"of {tolerance:g} seconds: the request may be a replay of an old delivery, or this "
            "server's clock is behind (check NTP)."
        )
    else:
        message = (
            f"The {SIGNATURE_HEADER} timestamp is {-age:.0f} seconds in the future, beyond the "
            f"tolerance of {tolerance:g} seconds: this server's clock is probably wrong "
            "(check NTP)."
        )
    return TimestampOutsideToleranceError(
        message, timestamp=timestamp, now=timestamp + age, tolerance=tolerance
    )


def verify_signature(
    payload: bytes | str,
    headers_or_signature: HeaderLookup | str | None,
    secret: Secret,
    *,
    tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check a webhook's signature without parsing its body; raise a ``WebhookVerificationError``.

    ``now`` (unix seconds) replaces the clock, for tests.
    """
    # The common case (bytes, a str secret seen before, the default tolerance) skips the
    # normalising calls: this runs per request, and is held to 1.3x the cost of a bare HMAC.
    keys = _KEYS.get(secret) if type(secret) is str else None
    check_signature(
        payload if type(payload) is bytes else raw_body(payload),
        signature_header(headers_or_signature),
        keys if keys is not None else signing_keys(secret),
        tolerance if tolerance is DEFAULT_TOLERANCE else checked_tolerance(tolerance),
        now,
    )


def sign(payload: bytes | str, secret: Secret, *, timestamp: int | None = None) -> str:
    """The ``CCX-Signature`` value for ``payload``: one ``v1`` per secret given.

    Use it to build signed requests in tests; send exactly the bytes you signed.
    """
    if not isinstance(payload, (bytes, str)):
        raise TypeError(
            f"payload must be bytes or str, got {type(payload).__name__}: serialise it first "
            "(json.dumps(...)) and send exactly the bytes you signed."
        )
    if timestamp is None:
        timestamp = int(time.time())
    elif isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise TypeError(f"timestamp must be a non-negative int (unix seconds), got {timestamp!r}.")
    message = b"%d.%s" % (timestamp, raw_body(payload))
    signatures = (
        hmac.new(key.encode(), message, hashlib.sha256).hexdigest() for key in secret_tuple(secret)
    )
    return ",".join([f"t={timestamp}", *(f"v1={signature}" for signature in signatures)])
