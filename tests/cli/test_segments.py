"""``ccx segments create``: recipients from arguments, files and stdin, and errors that point
at the line to fix."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ccx import CCX
from ccx.cli._segments import Recipients

from .conftest import Invoke, TokenFactory


def created(ccx: Invoke, *args: str, input: str | None = None) -> dict[str, Any]:
    result = ccx("segments", "create", "--json", *args, input=input)
    assert result.exit_code == 0, result.output
    segment: dict[str, Any] = json.loads(result.stdout)
    return segment


def test_recipients_as_arguments(ccx: Invoke, ccx_client: CCX) -> None:
    result = ccx(
        "segments", "create", "--name", "VIP customers", "+5511999990000", "ana@example.com"
    )

    assert result.exit_code == 0, result.output
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["id"].startswith("seg_")
    assert fields["name"] == "VIP customers"
    assert fields["recipient_count"] == "2"
    assert ccx_client.segments.retrieve(fields["id"]).recipient_count == 2


def test_recipients_from_files_stdin_and_arguments_together(ccx: Invoke, tmp_path: Path) -> None:
    exported = tmp_path / "customers.txt"
    exported.write_bytes(
        "\ufeff# exported 2026-11\r\n+5511999990001\r\n\r\n  +5511999990002  \r\n".encode()
    )

    segment = created(
        ccx, "--name", "Everyone", "+5511999990000", "--file", str(exported), "--file", "-",
        input="+5511999990003\n# the newsletter list\nbia@example.com\n",
    )  # fmt: skip

    assert segment["recipient_count"] == 5


def test_duplicates_count_once(ccx: Invoke) -> None:
    segment = created(
        ccx, "--name", "Twice", "+5511999990000", "+5511999990000", "--file", "-",
        input="+5511999990000\n",
    )  # fmt: skip

    assert segment["recipient_count"] == 1


def test_a_new_segment_is_an_audience_for_a_broadcast(ccx: Invoke, ccx_client: CCX) -> None:
    segment = created(ccx, "--name", "Pilot", "+5511999990000", "+5511999990001")

    result = ccx(
        "broadcasts", "create", "--name", "Pilot", "--template", "black_friday_2026",
        "--language", "pt_BR", "--segment-id", segment["id"], "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["total"] == 2


def test_a_bad_recipient_in_a_file_names_the_file_and_line(ccx: Invoke, tmp_path: Path) -> None:
    exported = tmp_path / "customers.txt"
    exported.write_text("# header\n+5511999990001\n\n+55 11 99999-0002\n")

    result = ccx("segments", "create", "--name", "VIP", "+5511999990000", "--file", str(exported))

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {exported} line 4: 400 ")
    assert "'+55 11 99999-0002'" in line


def test_a_bad_recipient_argument_names_its_position(ccx: Invoke) -> None:
    result = ccx("segments", "create", "--name", "VIP", "+5511999990000", "maria")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: argument 2: 400 ")


def test_no_recipients_is_a_usage_error(ccx: Invoke, ccx_client: CCX) -> None:
    result = ccx("segments", "create", "--name", "Nobody", "--file", "-", input="# none yet\n")

    assert result.exit_code == 2
    assert "no recipients: give them as arguments or with --file PATH" in result.stderr
    assert [segment.id for segment in ccx_client.segments.list()] == ["seg_ZZ11"]


def test_a_missing_file_is_a_usage_error(ccx: Invoke, tmp_path: Path) -> None:
    result = ccx("segments", "create", "--name", "VIP", "--file", str(tmp_path / "nope.txt"))

    assert result.exit_code == 2
    assert "Invalid value for '--file'" in result.stderr


def test_the_same_idempotency_key_creates_one_segment(ccx: Invoke, ccx_client: CCX) -> None:
    first = created(ccx, "--name", "VIP", "+5511999990000", "--idempotency-key", "seg-vip")
    again = created(ccx, "--name", "VIP", "+5511999990000", "--idempotency-key", "seg-vip")

    assert again["id"] == first["id"]
    assert sum(segment.name == "VIP" for segment in ccx_client.segments.list()) == 1


def test_create_needs_the_segments_manage_scope(ccx: Invoke, token_with: TokenFactory) -> None:
    sender = token_with("broadcasts:send")

    result = ccx("--api-key", sender, "segments", "create", "--name", "VIP", "+5511999990000")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 403 missing_scope: ")
    assert "'segments:manage'" in line


recipient = st.from_regex(r"[^\s#][^\r\n]*", fullmatch=True).map(str.strip).filter(bool)
filler = st.sampled_from(["", "   ", "# a comment", "\t# an indented comment"])
lines = st.lists(
    st.one_of(recipient.map(lambda text: (True, text)), filler.map(lambda text: (False, text)))
)


@given(lines)
def test_every_recipient_is_read_in_order_with_its_line(lines: list[tuple[bool, str]]) -> None:
    file = io.StringIO("\n".join(f"  {text} " if wanted else text for wanted, text in lines))
    file.name = "list.txt"

    gathered = Recipients.gather(["+5511999990000"], [file])

    expected = [(text, number) for number, (wanted, text) in enumerate(lines, start=1) if wanted]
    assert gathered.values == ["+5511999990000", *(text for text, _ in expected)]
    assert gathered.origins == ["argument 1", *(f"list.txt line {n}" for _, n in expected)]
