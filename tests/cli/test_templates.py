"""``ccx templates``: list, create, and the sandbox review helpers (approve, reject)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ccx import CCX

from .conftest import Invoke, TokenFactory

SHIPPED = (
    "--name", "order_shipped", "--language", "pt_BR", "--category", "utility",
    "--body", "Olá {{1}}, seu pedido {{2}} foi enviado.",
)  # fmt: skip


def created(ccx: Invoke, *args: str) -> dict[str, Any]:
    result = ccx("templates", "create", "--json", *args)
    assert result.exit_code == 0, result.output
    template: dict[str, Any] = json.loads(result.stdout)
    return template


def fields_of(output: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in output.splitlines())


# -- list ------------------------------------------------------------------------------------


def test_list_shows_the_workspaces_templates_as_a_table(ccx: Invoke) -> None:
    result = ccx("templates", "list")

    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "LANGUAGE", "CATEGORY", "STATUS", "VARIABLES", "CREATED"]
    assert sorted(row.split()[:5] for row in rows) == [
        ["black_friday_2026", "pt_BR", "marketing", "approved", "0"],
        ["order_confirmation", "pt_BR", "utility", "approved", "3"],
        ["signup_otp", "en", "authentication", "approved", "1"],
    ]


def test_list_filters_by_status_and_category(ccx: Invoke) -> None:
    created(ccx, *SHIPPED)

    def names(*filters: str) -> list[str]:
        result = ccx("templates", "list", "--json", *filters)
        assert result.exit_code == 0, result.output
        return sorted(template["name"] for template in json.loads(result.stdout))

    assert names("--status", "pending") == ["order_shipped"]
    assert names("--category", "utility") == ["order_confirmation", "order_shipped"]
    assert names("--category", "utility", "--status", "approved") == ["order_confirmation"]
    assert len(names("--limit", "2")) == 2


# -- create ----------------------------------------------------------------------------------


def test_create_submits_a_pending_template(ccx: Invoke, ccx_client: CCX) -> None:
    result = ccx("templates", "create", *SHIPPED)

    assert result.exit_code == 0, result.output
    fields = fields_of(result.stdout)
    assert fields["name"] == "order_shipped"
    assert fields["status"] == "pending"
    assert fields["variables"] == "2"
    stored = ccx_client.templates.retrieve("order_shipped")
    assert (stored.language, stored.category, stored.status) == ("pt_BR", "utility", "pending")
    assert stored.body == "Olá {{1}}, seu pedido {{2}} foi enviado."


def test_the_same_idempotency_key_creates_one_template(ccx: Invoke) -> None:
    first = created(ccx, *SHIPPED, "--idempotency-key", "tpl-shipped")
    again = created(ccx, *SHIPPED, "--idempotency-key", "tpl-shipped")
    unkeyed = ccx("templates", "create", *SHIPPED)

    assert again["id"] == first["id"]
    assert unkeyed.exit_code == 1
    (line,) = unkeyed.stderr.splitlines()
    assert line.startswith("Error: 409 template_exists: ")
    assert "(param: name)" in line


def test_a_name_the_api_refuses_is_one_line_naming_the_field(ccx: Invoke) -> None:
    result = ccx("templates", "create", *SHIPPED[2:], "--name", "Order Shipped")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 400 invalid_request: ")
    assert "(param: name)" in line


def test_create_needs_the_templates_manage_scope(ccx: Invoke, token_with: TokenFactory) -> None:
    reader = token_with("templates:read")

    result = ccx("--api-key", reader, "templates", "create", *SHIPPED)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 403 missing_scope: ")
    assert "'templates:manage'" in line
    assert reader not in result.output


# -- approve and reject ----------------------------------------------------------------------


def test_an_approved_template_can_be_sent(ccx: Invoke) -> None:
    created(ccx, *SHIPPED)

    approved = ccx("templates", "approve", "order_shipped")
    send = ccx(
        "messages", "send", "--to", "+15550000001", "--template", "order_shipped",
        "--language", "pt_BR", "--var", "1=Maria", "--var", "2=#A8492", "--json",
    )  # fmt: skip

    assert approved.exit_code == 0, approved.output
    assert fields_of(approved.stdout)["status"] == "approved"
    assert send.exit_code == 0, send.output
    assert json.loads(send.stdout)["status"] == "queued"


def test_a_pending_template_cannot_be_sent_until_approved(ccx: Invoke) -> None:
    created(ccx, *SHIPPED)

    send = ccx(
        "messages", "send", "--to", "+15550000001", "--template", "order_shipped",
        "--language", "pt_BR", "--var", "1=Maria", "--var", "2=#A8492",
    )  # fmt: skip

    assert send.exit_code == 1
    assert send.stderr.startswith("Error: 409 template_not_approved: ")


def test_reject_records_the_reason(ccx: Invoke, ccx_client: CCX) -> None:
    created(ccx, *SHIPPED)

    result = ccx("templates", "reject", "order_shipped", "--reason", "promotional content")

    assert result.exit_code == 0, result.output
    fields = fields_of(result.stdout)
    assert fields["status"] == "rejected"
    assert fields["rejection_reason"] == "promotional content"
    assert ccx_client.templates.retrieve("order_shipped").status == "rejected"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_a_pending_template_is_reviewed(ccx: Invoke, action: str) -> None:
    result = ccx("templates", action, "order_confirmation")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 409 template_not_pending: ")


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_reviewing_an_unknown_template_is_a_404(ccx: Invoke, action: str) -> None:
    result = ccx("templates", action, "no_such_template", "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: 404 resource_not_found: ")


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_live_token_is_told_the_review_helpers_are_sandbox_only(
    ccx: Invoke, ccx_client: CCX, token_with: TokenFactory, action: str
) -> None:
    created(ccx, *SHIPPED)
    live = token_with("templates:read", "templates:manage", environment="live")

    result = ccx("--api-key", live, "templates", action, "order_shipped")

    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 403 sandbox_only: ")
    assert "is a live token" in line
    assert (
        f"ccx templates {action} is a sandbox test helper: run it with a ccx_test_… token" in line
    )
    assert "ccx templates list --status approved" in line
    assert "[request_id: req_" in line
    assert live not in result.output
    assert ccx_client.templates.retrieve("order_shipped").status == "pending"


def test_approve_says_in_its_help_that_it_needs_a_sandbox_token(ccx: Invoke) -> None:
    result = ccx("templates", "approve", "--help")

    assert result.exit_code == 0
    assert "sandbox token (ccx_test_…)" in result.stdout


# -- pause and sync --------------------------------------------------------------------------


def test_a_paused_template_cannot_be_sent(ccx: Invoke, ccx_client: CCX) -> None:
    result = ccx("templates", "pause", "signup_otp")
    send = ccx(
        "messages", "send", "--to", "+15550000001", "--template", "signup_otp",
        "--language", "en", "--var", "1=123456",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert fields_of(result.stdout)["status"] == "paused"
    assert ccx_client.templates.retrieve("signup_otp").status == "paused"
    assert send.exit_code == 1
    assert send.stderr.startswith("Error: 409 template_not_approved: ")


def test_pausing_a_pending_template_is_refused(ccx: Invoke) -> None:
    created(ccx, *SHIPPED)

    result = ccx("templates", "pause", "order_shipped")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 409 ")


def test_a_live_token_is_told_pause_is_sandbox_only(
    ccx: Invoke, ccx_client: CCX, token_with: TokenFactory
) -> None:
    live = token_with("templates:read", "templates:manage", environment="live")

    result = ccx("--api-key", live, "templates", "pause", "signup_otp")

    assert result.exit_code == 1
    assert "ccx templates pause is a sandbox test helper" in result.stderr
    assert ccx_client.templates.retrieve("signup_otp").status == "approved"


def test_sync_picks_up_what_changed_at_the_carrier(ccx: Invoke, ccx_client: CCX) -> None:
    ccx_client.test_helpers.templates.set_carrier_status("signup_otp", status="paused")
    assert ccx_client.templates.retrieve("signup_otp").status == "approved"

    result = ccx("templates", "sync")
    again = ccx("templates", "sync")

    assert result.exit_code == 0, result.output
    summary, header, *rows = result.stdout.splitlines()
    assert summary == "Checked 3 templates; 1 changed."
    assert header.split() == ["NAME", "LANGUAGE", "STATUS"]
    assert [row.split() for row in rows] == [["signup_otp", "en", "paused"]]
    assert ccx_client.templates.retrieve("signup_otp").status == "paused"
    assert again.stdout.splitlines() == ["Checked 3 templates; 0 changed."]


def test_sync_of_named_templates_checks_only_those(ccx: Invoke, ccx_client: CCX) -> None:
    ccx_client.test_helpers.templates.set_carrier_status("signup_otp", status="paused")

    only_other = ccx("templates", "sync", "order_confirmation", "--json")
    named = ccx("templates", "sync", "signup_otp", "order_confirmation", "--json")
    unknown = ccx("templates", "sync", "no_such_template")

    assert only_other.exit_code == 0, only_other.output
    document = json.loads(only_other.stdout)
    assert (document["object"], document["checked"], document["changed"]) == (
        "template_sync", 1, [],
    )  # fmt: skip
    assert [template["name"] for template in json.loads(named.stdout)["changed"]] == ["signup_otp"]
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: 404 resource_not_found: ")


def test_sync_needs_the_templates_manage_scope(ccx: Invoke, token_with: TokenFactory) -> None:
    reader = token_with("templates:read")

    result = ccx("--api-key", reader, "templates", "sync")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 403 missing_scope: ")
