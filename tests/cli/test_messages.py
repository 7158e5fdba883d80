"""``ccx messages``: send, list and get against the mock, and how errors read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx import CCX
from ccx.cli._options import parse_variables
from ccx.mock import MockServer

from .conftest import Invoke

ORDER = ("--template", "order_confirmation", "--language", "pt_BR")
VARIABLES = ("--var", "1=Maria", "--var", "2=#A8492", "--var", "3=R$ 349,90")


def sent(ccx: Invoke, *args: str) -> dict[str, Any]:
    result = ccx("messages", "send", "--json", *args)
    assert result.exit_code == 0, result.output
    message: dict[str, Any] = json.loads(result.stdout)
    return message


def test_send_a_template_with_variables(ccx: Invoke, ccx_client: CCX) -> None:
    message = sent(ccx, "--to", "+5511999990000", "--channel", "whatsapp", *ORDER, *VARIABLES)

    assert message["id"].startswith("msg_")
    assert message["status"] == "queued"
    stored = ccx_client.messages.retrieve(message["id"])
    assert stored.to == "+5511999990000"
    assert stored.template is not None
    assert stored.template.name == "order_confirmation"
    assert stored.template.variables == {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"}


def test_the_same_idempotency_key_returns_the_same_message(ccx: Invoke, ccx_client: CCX) -> None:
    first = sent(ccx, "--to", "+15550000001", *ORDER, *VARIABLES, "--idempotency-key", "ord_1")
    again = sent(ccx, "--to", "+15550000001", *ORDER, *VARIABLES, "--idempotency-key", "ord_1")

    assert again["id"] == first["id"]
    assert [m.id for m in ccx_client.messages.list(to="+15550000001")] == [first["id"]]


def test_send_prints_the_message_for_people(ccx: Invoke) -> None:
    result = ccx("messages", "send", "--to", "+15550000001", *ORDER, *VARIABLES)

    assert result.exit_code == 0, result.output
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["id"].startswith("msg_")
    assert fields["status"] == "queued"
    assert fields["to"] == "+15550000001"


def test_get_shows_the_current_status(ccx: Invoke, ccx_mock: MockServer) -> None:
    message = sent(ccx, "--to", "+15550000001", *ORDER, *VARIABLES)
    ccx_mock.advance(5)

    result = ccx("messages", "get", message["id"], "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["id"] == message["id"]
    assert shown["status"] == "read"


def test_list_filters_by_status_and_stops_at_the_limit(ccx: Invoke, ccx_mock: MockServer) -> None:
    read = [sent(ccx, "--to", "+15550000001", *ORDER, *VARIABLES)["id"] for _ in range(3)]
    stuck = sent(ccx, "--to", "+15550000004", *ORDER, *VARIABLES)["id"]
    ccx_mock.advance(5)

    only_read = ccx("messages", "list", "--status", "read", "--json")
    two = ccx("messages", "list", "--limit", "2", "--json")
    table = ccx("messages", "list", "--status", "sent")

    assert [m["id"] for m in json.loads(only_read.stdout)] == read[::-1]
    assert [m["id"] for m in json.loads(two.stdout)] == [stuck, read[2]]
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "CHANNEL", "TO", "FROM", "CREATED"]
    assert [row.split()[:4] for row in rows] == [[stuck, "sent", "whatsapp", "+15550000004"]]


def test_api_errors_print_status_code_message_and_request_id(ccx: Invoke) -> None:
    result = ccx("messages", "get", "msg_missing")

    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 404 resource_not_found: ")
    assert "msg_missing" in line
    assert "[request_id: req_" in line


def test_a_rejected_token_is_never_printed(ccx: Invoke) -> None:
    token = "ccx_test_not_a_real_token_000000000000000"

    result = ccx("--api-key", token, "messages", "list")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 401 invalid_token: ")
    assert "CCX_API_KEY" in result.stderr
    assert token not in result.output


def test_api_key_option_overrides_the_environment(ccx: Invoke, ccx_mock: MockServer) -> None:
    result = ccx(
        "--api-key", ccx_mock.token, "messages", "list", env={"CCX_API_KEY": "ccx_test_wrong"}
    )

    assert result.exit_code == 0, result.output


def test_missing_api_key_says_where_to_put_it(ccx: Invoke) -> None:
    result = ccx("messages", "list", env={"CCX_API_KEY": None})

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No API key")
    assert "CCX_API_KEY" in result.stderr


def test_an_unreachable_api_names_the_url_to_check(ccx: Invoke, unused_port: int) -> None:
    base_url = f"http://127.0.0.1:{unused_port}"

    result = ccx("--base-url", base_url, "messages", "get", "msg_1")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert base_url in line
    assert "--base-url" in line


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--var", "1"), "'1' is not NAME=VALUE"),
        (("--template", "order_confirmation"), "--template needs --language"),
        (("--language", "pt_BR"), "--language and --var go with --template"),
        (("--text", "hi", *ORDER), "exactly one of --template NAME or --text TEXT"),
        ((), "exactly one of --template NAME or --text TEXT"),
        ((*ORDER, "--var", "1=a", "--var", "1=b"), "1 is given twice"),
    ],
)
def test_bad_send_options_are_usage_errors(
    ccx: Invoke, args: tuple[str, ...], complaint: str
) -> None:
    result = ccx("messages", "send", "--to", "+15550000001", *args)

    assert result.exit_code == 2
    assert complaint in result.stderr


names = st.text(min_size=1).filter(lambda name: "=" not in name)


@given(st.dictionaries(names, st.text()))
def test_variables_round_trip_through_name_value_pairs(variables: dict[str, str]) -> None:
    pairs = [f"{name}={value}" for name, value in variables.items()]

    assert parse_variables(pairs) == variables


def test_list_filters_by_channel_recipient_and_status_together(
    ccx: Invoke, ccx_mock: MockServer
) -> None:
    whatsapp = sent(ccx, "--to", "+15550000001", *ORDER, *VARIABLES)["id"]
    sms = sent(ccx, "--to", "+15550000001", "--channel", "sms", *ORDER, *VARIABLES)["id"]
    elsewhere = sent(ccx, "--to", "+15550000004", "--channel", "sms", *ORDER, *VARIABLES)["id"]
    ccx_mock.advance(5)

    def listed(*filters: str) -> list[str]:
        result = ccx("messages", "list", "--json", *filters)
        assert result.exit_code == 0, result.output
        return [message["id"] for message in json.loads(result.stdout)]

    assert listed("--channel", "sms") == [elsewhere, sms]
    assert listed("--to", "+15550000001") == [sms, whatsapp]
    assert listed("--channel", "sms", "--to", "+15550000001") == [sms]
    assert listed("--channel", "sms", "--status", "sent") == [elsewhere]
    assert listed("--channel", "email") == []
