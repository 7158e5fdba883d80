"""Signing and verifying ``CCX-Signature``: what a receiver relies on to trust a request."""

from __future__ import annotations

import hashlib
import hmac
import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import ccx.webhooks as webhooks
from ccx.webhooks import (
    NO_TOLERANCE,
    MalformedSignatureError,
    MissingSignatureError,
    RawBodyRequiredError,
    SignatureMismatchError,
    TimestampOutsideToleranceError,
    WebhookSecretMissingError,
    WebhookVerificationError,
    sign,
    verify_signature,
)

SECRET = "whsec_test_5f1c0d3e9a7b4c2d"
OLD_SECRET = "whsec_old_0a1b2c3d4e5f6a7b"
NOW = 1_763_712_000
BODY = b'{"id":"evt_1","event":"message.delivered","data":{"message_id":"msg_1"}}'

secrets = st.text(min_size=1, max_size=100)
secret_lists = st.lists(secrets, min_size=1, max_size=4)
timestamps = st.integers(min_value=0, max_value=10**12 - 1)


def test_a_signed_body_verifies() -> None:
    verify_signature(BODY, sign(BODY, SECRET, timestamp=NOW), SECRET, now=NOW)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_keyed_with_the_whole_secret() -> None:
    expected = hmac.new(SECRET.encode(), b"%d.%s" % (NOW, BODY), hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET, timestamp=NOW) == f"t={NOW},v1={expected}"


@given(secret=st.text(min_size=1, max_size=300), payload=st.binary(max_size=2000), at=timestamps)
def test_signatures_equal_the_standard_library_hmac(secret: str, payload: bytes, at: int) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first: covered by max_size=300.
    header = sign(payload, secret, timestamp=at)
    message = str(at).encode() + b"." + payload
    assert header.split(",v1=")[1] == hmac.new(secret.encode(), message, "sha256").hexdigest()


@given(payload=st.binary(max_size=2000) | st.text(max_size=500), keys=secret_lists, at=timestamps)
def test_sign_then_verify_round_trips(payload: bytes | str, keys: list[str], at: int) -> None:
    header = sign(payload, keys, timestamp=at)
    assert header.count("v1=") == len(keys)
    verify_signature(payload, header, keys, now=at)
    for key in keys:
        verify_signature(payload, header, key, now=at)


def test_during_a_rotation_either_secret_verifies_and_a_stranger_does_not() -> None:
    both = sign(BODY, [OLD_SECRET, SECRET], timestamp=NOW)
    verify_signature(BODY, both, OLD_SECRET, now=NOW)
    verify_signature(BODY, both, SECRET, now=NOW)
    signed_with_old = sign(BODY, OLD_SECRET, timestamp=NOW)
    verify_signature(BODY, signed_with_old, [SECRET, OLD_SECRET], now=NOW)
    with pytest.raises(SignatureMismatchError):
        verify_signature(BODY, signed_with_old, SECRET, now=NOW)


@given(data=st.data())
def test_any_single_byte_change_to_the_body_is_rejected(data: st.DataObject) -> None:
    payload = data.draw(st.binary(min_size=1, max_size=300))
    header = sign(payload, SECRET, timestamp=NOW)
    index = data.draw(st.integers(0, len(payload) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda value: value != payload[index]))
    tampered = payload[:index] + bytes([byte]) + payload[index + 1 :]
    with pytest.raises(SignatureMismatchError):
        verify_signature(tampered, header, SECRET, now=NOW)


@given(data=st.data())
def test_any_single_character_change_to_the_header_is_rejected(data: st.DataObject) -> None:
    # Covers the timestamp and the signature: every character of the header is a target.
    header = sign(BODY, SECRET, timestamp=NOW)
    index = data.draw(st.integers(0, len(header) - 1))
    character = data.draw(st.characters().filter(lambda value: value != header[index]))
    tampered = header[:index] + character + header[index + 1 :]
    with pytest.raises(WebhookVerificationError):
        verify_signature(BODY, tampered, SECRET, now=NOW, tolerance=NO_TOLERANCE)


header_pieces = st.sampled_from(["t=", "v1=", "v0=", ",", "=", " ", "t", "v1"]) | st.text(
    alphabet="0123456789abcdefABCDEF-+_ ", max_size=80
)


@given(
    header=st.text()
    | st.binary().map(lambda raw: raw.decode("latin-1"))
    | st.lists(header_pieces, max_size=12).map("".join)
    | st.integers(min_value=-(10**400), max_value=10**400).map(lambda big: f"t={big},v1={big}")
)
def test_header_garbage_is_always_a_verification_error(header: str) -> None:
    with pytest.raises(WebhookVerificationError):
        verify_signature(BODY, header, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"v1={'a' * 64}", "no t="),
        (f"t={NOW}", "no v1="),
        (f"t={NOW},t={NOW},v1={'a' * 64}", "more than one t="),
        (f"t={NOW},v1={'z' * 64}", "hex"),
        (f"t={NOW},v1={'A' * 64}", "lowercase hex"),
        (f"t={NOW},v1=abc", "64"),
        (f"t=-{NOW},v1={'a' * 64}", "unix time"),
        (f"t={'9' * 5000},v1={'a' * 64}", "unix time"),
        (f"t=١٢٣,v1={'a' * 64}", "unix time"),
    ],
)
def test_a_malformed_header_says_what_is_wrong(header: str, reason: str) -> None:
    with pytest.raises(MalformedSignatureError, match=reason):
        verify_signature(BODY, header, SECRET, now=NOW)


def test_unknown_schemes_are_skipped_so_new_ones_do_not_break_receivers() -> None:
    header = sign(BODY, SECRET, timestamp=NOW) + ",v2=something-new"
    verify_signature(BODY, header, SECRET, now=NOW)


@pytest.mark.parametrize("header", [None, ""])
def test_no_signature_is_a_missing_signature(header: str | None) -> None:
    with pytest.raises(MissingSignatureError, match="no CCX-Signature header"):
        verify_signature(BODY, header, SECRET, now=NOW)


def test_the_header_is_found_in_a_plain_dict_whatever_its_case() -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    for name in ("CCX-Signature", "ccx-signature", "CCX-SIGNATURE", "Ccx-Signature"):
        verify_signature(BODY, {"Content-Type": "application/json", name: header}, SECRET, now=NOW)
    with pytest.raises(MissingSignatureError):
        verify_signature(BODY, {"Content-Type": "application/json"}, SECRET, now=NOW)


def test_the_header_is_found_in_framework_header_objects() -> None:
    from django.http.request import HttpHeaders
    from starlette.datastructures import Headers as StarletteHeaders
    from werkzeug.datastructures import EnvironHeaders
    from werkzeug.datastructures import Headers as WerkzeugHeaders

    header = sign(BODY, SECRET, timestamp=NOW)
    environ = {"HTTP_CCX_SIGNATURE": header, "CONTENT_TYPE": "application/json"}
    for headers in (
        StarletteHeaders(raw=[(b"ccx-signature", header.encode())]),
        WerkzeugHeaders([("CCX-Signature", header)]),
        EnvironHeaders(environ),
        HttpHeaders(environ),
    ):
        verify_signature(BODY, headers, SECRET, now=NOW)


@pytest.mark.parametrize("age", [-301, 301, 10**6])
def test_a_timestamp_beyond_the_tolerance_is_rejected_both_ways(age: int) -> None:
    header = sign(BODY, SECRET, timestamp=NOW - age)
    with pytest.raises(TimestampOutsideToleranceError) as caught:
        verify_signature(BODY, header, SECRET, now=NOW)
    assert caught.value.timestamp == NOW - age
    assert caught.value.tolerance == 300
    assert ("old" if age > 0 else "in the future") in str(caught.value)


@pytest.mark.parametrize("age", [-300, 0, 300])
def test_a_timestamp_within_the_tolerance_is_accepted(age: int) -> None:
    verify_signature(BODY, sign(BODY, SECRET, timestamp=NOW - age), SECRET, now=NOW)


def test_the_tolerance_can_be_widened_or_explicitly_disabled() -> None:
    header = sign(BODY, SECRET, timestamp=NOW - 3600)
    verify_signature(BODY, header, SECRET, now=NOW, tolerance=3600.5)
    verify_signature(BODY, header, SECRET, now=NOW, tolerance=NO_TOLERANCE)
    verify_signature(BODY, sign(BODY, SECRET, timestamp=0), SECRET, tolerance=NO_TOLERANCE)


def test_the_timestamp_is_checked_against_the_clock_by_default() -> None:
    verify_signature(BODY, sign(BODY, SECRET), SECRET)
    with pytest.raises(TimestampOutsideToleranceError):
        verify_signature(BODY, sign(BODY, SECRET, timestamp=NOW), SECRET)


def test_the_replay_check_cannot_be_switched_off_by_accident() -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(TypeError, match="NO_TOLERANCE"):
        verify_signature(BODY, header, SECRET, now=NOW, tolerance=None)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    with pytest.raises(TypeError, match="NO_TOLERANCE"):
        verify_signature(BODY, header, SECRET, now=NOW, tolerance=True)
    for bad in (0, -1, 0.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="NO_TOLERANCE"):
            verify_signature(BODY, header, SECRET, now=NOW, tolerance=bad)


def test_a_parsed_body_is_refused_with_a_hint_to_pass_the_raw_body() -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    parsed: dict[str, object] = json.loads(BODY)
    with pytest.raises(RawBodyRequiredError, match="raw request body") as caught:
        verify_signature(parsed, header, SECRET, now=NOW)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    assert isinstance(caught.value, TypeError)


def test_a_re_serialised_body_is_a_mismatch_that_names_the_likely_mistake() -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    re_serialised = json.dumps(json.loads(BODY))
    with pytest.raises(SignatureMismatchError, match="parsed and re-serialised"):
        verify_signature(re_serialised, header, SECRET, now=NOW)


def test_a_wrong_secret_is_a_mismatch() -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(SignatureMismatchError, match="secret"):
        verify_signature(BODY, header, "whsec_someone_else", now=NOW)


@pytest.mark.parametrize("secret", [None, "", [], ["", SECRET]])
def test_a_missing_or_empty_secret_is_a_configuration_error(secret: object) -> None:
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(WebhookSecretMissingError, match="secret"):
        verify_signature(BODY, header, secret, now=NOW)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


@pytest.mark.parametrize("secret", [SECRET.encode(), 42, [SECRET, 42]])
def test_a_secret_of_the_wrong_type_is_a_type_error(secret: object) -> None:
    with pytest.raises(TypeError, match="secret must be a str"):
        verify_signature(BODY, "t=1,v1=x", secret, now=NOW)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


@given(
    secret=st.text(min_size=12, max_size=60).filter(lambda text: text.strip() == text),
    header=st.sampled_from(
        [None, "garbage", f"t={NOW},v1={'a' * 64}", f"t={NOW - 999},v1={'a' * 64}"]
    ),
)
def test_secrets_never_appear_in_errors_or_reprs(secret: str, header: str | None) -> None:
    def rejection(secrets: list[str]) -> tuple[str, str]:
        with pytest.raises(WebhookVerificationError) as caught:
            verify_signature(BODY, header, secrets, now=NOW)
        return str(caught.value), repr(caught.value)

    # A secret that is a piece of the message's own words ("CCX-Signatur") shows no leak.
    assume(not any(secret in text for text in rejection(["whsec_other_secret_value"])))
    for text in rejection([secret, "whsec_second_secret_value"]):
        assert secret not in text
        assert "whsec_second_secret_value" not in text


def test_sign_refuses_what_it_cannot_sign_exactly() -> None:
    with pytest.raises(TypeError, match="serialise it first"):
        sign({"event": "message.sent"}, SECRET)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    for bad in (-1, 1.5, True):
        with pytest.raises(TypeError, match="timestamp"):
            sign(BODY, SECRET, timestamp=bad)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


def test_the_public_surface() -> None:
    assert webhooks.SIGNATURE_HEADER == "CCX-Signature"
    assert webhooks.DEFAULT_TOLERANCE == 300
    assert repr(NO_TOLERANCE) == "NO_TOLERANCE"
    assert issubclass(WebhookVerificationError, __import__("ccx").CCXError)
