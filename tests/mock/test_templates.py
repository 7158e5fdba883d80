"""Templates: the demo catalogue, the review lifecycle and the sandbox approve/reject helpers."""

from __future__ import annotations

import httpx

from ccx.mock import MockServer

NEW_TEMPLATE = {
    "name": "shipping_update",
    "language": "pt_BR",
    "category": "utility",
    "body": "Olá {{1}}, seu pedido {{2}} saiu para entrega.",
}


def test_demo_templates_are_approved(http: httpx.Client) -> None:
    templates = {t["name"]: t for t in http.get("/v1/templates").json()["data"]}
    order = templates["order_confirmation"]
    assert (order["language"], order["category"], order["status"], order["variables"]) == (
        "pt_BR",
        "utility",
        "approved",
        3,
    )
    assert templates["black_friday_2026"]["category"] == "marketing"
    assert templates["black_friday_2026"]["language"] == "pt_BR"
    assert templates["signup_otp"]["category"] == "authentication"
    assert templates["signup_otp"]["language"] == "en"


def test_created_templates_wait_for_review(http: httpx.Client) -> None:
    created = http.post("/v1/templates", json=NEW_TEMPLATE)
    assert created.status_code == 201
    template = created.json()
    assert template["status"] == "pending"
    assert template["variables"] == 2
    assert template["id"].startswith("tpl_")
    assert http.get("/v1/templates/shipping_update").json() == template


def test_duplicate_name_is_409(http: httpx.Client) -> None:
    http.post("/v1/templates", json=NEW_TEMPLATE)
    response = http.post("/v1/templates", json=NEW_TEMPLATE)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "template_exists"


def test_invalid_name_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/templates", json={**NEW_TEMPLATE, "name": "Shipping Update"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "name"


def test_approve_emits_the_event_and_changes_status(server: MockServer, http: httpx.Client) -> None:
    http.post("/v1/templates", json=NEW_TEMPLATE)
    approved = http.post(
        "/v1/test_helpers/templates/shipping_update/approve",
        headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert http.get("/v1/templates/shipping_update").json()["status"] == "approved"
    events = http.get("/v1/events", params={"limit": 100}).json()["data"]
    approvals = [e for e in events if e["event"] == "template.approved"]
    assert len(approvals) == 1
    assert approvals[0]["data"]["name"] == "shipping_update"
    assert approvals[0]["trace_id"] == "0af7651916cd43dd8448eb211c80319c"


def test_reject_records_the_reason(server: MockServer, http: httpx.Client) -> None:
    http.post("/v1/templates", json=NEW_TEMPLATE)
    rejected = http.post(
        "/v1/test_helpers/templates/shipping_update/reject", json={"reason": "Promotional content"}
    ).json()
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "Promotional content"
    events = http.get("/v1/events", params={"limit": 100}).json()["data"]
    assert [e["event"] for e in events if e["event"].startswith("template.")] == [
        "template.rejected"
    ]


def test_only_pending_templates_are_reviewed(http: httpx.Client) -> None:
    response = http.post("/v1/test_helpers/templates/order_confirmation/reject")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "template_not_pending"
    assert http.get("/v1/templates/order_confirmation").json()["status"] == "approved"


def test_list_filters_by_status_and_category(http: httpx.Client) -> None:
    http.post("/v1/templates", json=NEW_TEMPLATE)
    pending = http.get("/v1/templates", params={"status": "pending"}).json()["data"]
    assert [t["name"] for t in pending] == ["shipping_update"]
    marketing = http.get("/v1/templates", params={"category": "marketing"}).json()["data"]
    assert [t["name"] for t in marketing] == ["black_friday_2026"]
    both = http.get("/v1/templates", params={"status": "approved", "category": "utility"})
    assert [t["name"] for t in both.json()["data"]] == ["order_confirmation"]


def test_delete_then_gone(http: httpx.Client) -> None:
    http.post("/v1/templates", json=NEW_TEMPLATE)
    assert http.delete("/v1/templates/shipping_update").status_code == 204
    assert http.get("/v1/templates/shipping_update").status_code == 404
    assert http.delete("/v1/templates/shipping_update").status_code == 404


def test_other_workspaces_templates_are_not_found(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    assert other_http.get("/v1/templates/welcome").status_code == 200
    assert http.get("/v1/templates/welcome").status_code == 404
    assert http.post("/v1/test_helpers/templates/welcome/approve").status_code == 404
    assert other_http.get("/v1/templates/order_confirmation").status_code == 404


def test_list_pages_with_cursor(http: httpx.Client) -> None:
    first = http.get("/v1/templates", params={"limit": 2}).json()
    assert len(first["data"]) == 2
    assert first["has_more"] is True
    rest = http.get(
        "/v1/templates", params={"limit": 2, "starting_after": first["next_cursor"]}
    ).json()
    assert rest["has_more"] is False
    assert rest["next_cursor"] is None
    names = [t["name"] for t in first["data"] + rest["data"]]
    assert sorted(names) == ["black_friday_2026", "order_confirmation", "signup_otp"]
