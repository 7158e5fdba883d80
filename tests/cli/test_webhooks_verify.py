"""``ccx webhooks verify``: exit 0 with the typed event, or exit 1 with the reason."""

from __future__ import annotations

import json
import time

from hypothesis import given
from hypothesis import strategies as st

from ccx.cli._captured import split_request
from ccx.webhooks import sign

from .conftest import Invoke

SECRET = "whsec_verify_test_secret_0123456789"


def test_a_valid_webhook_prints_its_typed_event(ccx: Invoke, event_body: bytes) -> None:
    result = ccx(
        "webhooks", "verify", "--secret", SECRET, "--header", sign(event_body, SECRET),
        input=event_body,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    first, *lines = result.stdout.splitlines()
    assert first == "Verified message.queued (MessageQueuedEvent)"
    fields = dict(line.split(None, 1) for line in lines)
    assert fields["id"] == json.loads(event_body)["id"]
    assert json.loads(fields["data"])["status"] == "queued"


def test_json_output_is_the_event(ccx: Invoke, event_body: bytes) -> None:
    result = ccx(
        "webhooks", "verify", "--secret", SECRET, "--header", sign(event_body, SECRET), "--json",
        input=event_body,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(event_body)


def test_a_whole_captured_request_can_be_piped(ccx: Invoke, event_body: bytes) -> None:
    request = (
        b"POST /webhooks/ccx HTTP/1.1\r\n"
        b"Content-Type: application/json\r\n"
        + f"CCX-Signature: {sign(event_body, SECRET)}\r\n\r\n".encode()
        + event_body
    )

    result = ccx("webhooks", "verify", "--secret", SECRET, input=request)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Verified message.queued")


def test_the_header_may_be_pasted_with_its_name(ccx: Invoke, event_body: bytes) -> None:
    header = f"CCX-Signature: {sign(event_body, SECRET)}"

    result = ccx("webhooks", "verify", "--secret", SECRET, "--header", header, input=event_body)

    assert result.exit_code == 0, result.output


def test_the_secret_comes_from_the_environment(ccx: Invoke, event_body: bytes) -> None:
    result = ccx(
        "webhooks", "verify", "--header", sign(event_body, SECRET),
        input=event_body, env={"CCX_WEBHOOK_SECRET": SECRET},
    )  # fmt: skip

    assert result.exit_code == 0, result.output


def test_either_secret_of_a_rotation_verifies(ccx: Invoke, event_body: bytes) -> None:
    new = "whsec_the_new_secret_after_rotation"

    result = ccx(
        "webhooks", "verify", "--secret", SECRET, "--secret", new,
        "--header", sign(event_body, new), input=event_body,
    )  # fmt: skip

    assert result.exit_code == 0, result.output


def test_a_wrong_secret_fails_with_the_reason_and_never_prints_it(
    ccx: Invoke, event_body: bytes
) -> None:
    wrong = "whsec_not_the_signing_secret"

    result = ccx(
        "webhooks", "verify", "--secret", wrong, "--header", sign(event_body, SECRET),
        input=event_body,
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: signature_mismatch: ")
    assert wrong not in result.output
    assert SECRET not in result.output


def test_a_changed_body_fails(ccx: Invoke, event_body: bytes) -> None:
    result = ccx(
        "webhooks", "verify", "--secret", SECRET, "--header", sign(event_body, SECRET),
        input=event_body.replace(b"message.queued", b"message.read"),
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: signature_mismatch: ")


def test_an_old_delivery_fails_unless_the_timestamp_is_ignored(
    ccx: Invoke, event_body: bytes
) -> None:
    header = sign(event_body, SECRET, timestamp=int(time.time()) - 3600)
    args = ("webhooks", "verify", "--secret", SECRET, "--header", header)

    old = ccx(*args, input=event_body)
    wide = ccx(*args, "--tolerance", "7200", input=event_body)
    ignored = ccx(*args, "--ignore-timestamp", input=event_body)

    assert old.exit_code == 1
    assert old.stderr.startswith("Error: timestamp_outside_tolerance: ")
    assert wide.exit_code == 0, wide.output
    assert ignored.exit_code == 0, ignored.output


def test_a_missing_signature_says_so(ccx: Invoke, event_body: bytes) -> None:
    request = b"Content-Type: application/json\n\n" + event_body

    result = ccx("webhooks", "verify", "--secret", SECRET, input=request)

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: missing_signature: ")


def test_a_body_without_headers_needs_the_header_option(ccx: Invoke, event_body: bytes) -> None:
    result = ccx("webhooks", "verify", "--secret", SECRET, input=event_body)

    assert result.exit_code == 2
    assert "pass the signature with --header" in result.stderr


def test_a_signed_body_of_another_shape_is_read_leniently_unless_strict(ccx: Invoke) -> None:
    body = b'{"hello": "world"}'
    arguments = ("webhooks", "verify", "--secret", SECRET, "--header", sign(body, SECRET))

    lenient = ccx(*arguments, input=body)
    strict = ccx(*arguments, "--strict", input=body)

    assert lenient.exit_code == 0
    assert "(UnknownEvent)" in lenient.stdout
    assert strict.exit_code == 1
    assert strict.stderr.startswith("Error: invalid_payload: ")


def test_a_signed_body_that_is_not_a_json_object_is_invalid(ccx: Invoke) -> None:
    body = b"[1, 2]"

    result = ccx(
        "webhooks", "verify", "--secret", SECRET, "--header", sign(body, SECRET), input=body
    )

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: invalid_payload: ")


header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True)
header_values = st.from_regex(r"[!-~]([ -~]{0,40}[!-~])?", fullmatch=True)


@given(
    st.dictionaries(header_names.map(str.lower), header_values, max_size=5),
    st.binary(),
    st.sampled_from([b"\r\n", b"\n"]),
    st.booleans(),
)
def test_a_captured_request_splits_into_its_headers_and_exact_body(
    headers: dict[str, str], body: bytes, newline: bytes, request_line: bool
) -> None:
    lines = [f"{name}: {value}".encode() for name, value in headers.items()]
    if request_line:
        lines.insert(0, b"POST /webhooks HTTP/1.1")
    captured = newline.join(lines) + newline + newline + body

    assert split_request(captured) == (headers, body)
