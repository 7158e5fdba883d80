"""Segments: the demo audience and creating, listing and reading recipient lists."""

from __future__ import annotations

import httpx

from ccx.mock import MockServer


def test_demo_segment_has_a_thousand_deterministic_recipients(server: MockServer) -> None:
    recipients = server.state.workspaces["wks_demo"].segments["seg_ZZ11"].recipients
    assert len(set(recipients)) == 1000
    assert recipients[0] == "+5511900000000"
    assert recipients[-1] == "+5511900000999"


def test_demo_segment_over_the_api(http: httpx.Client) -> None:
    segment = http.get("/v1/segments/seg_ZZ11").json()
    assert segment["recipient_count"] == 1000
    assert segment["object"] == "segment"


def test_create_deduplicates_recipients(http: httpx.Client) -> None:
    created = http.post(
        "/v1/segments",
        json={
            "name": "VIPs",
            "recipients": ["+5511900000001", "ana@example.com", "+5511900000001"],
        },
    )
    assert created.status_code == 201
    segment = created.json()
    assert segment["recipient_count"] == 2
    assert segment["id"].startswith("seg_")
    assert http.get(f"/v1/segments/{segment['id']}").json() == segment


def test_invalid_recipient_is_named(http: httpx.Client) -> None:
    response = http.post(
        "/v1/segments", json={"name": "VIPs", "recipients": ["+5511900000001", "not a phone"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "recipients.1"
    assert "not a phone" in response.json()["error"]["message"]


def test_empty_recipients_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/segments", json={"name": "VIPs", "recipients": []})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "recipients"


def test_list_pages_newest_first(http: httpx.Client) -> None:
    ids = [
        http.post("/v1/segments", json={"name": f"s{n}", "recipients": ["+5511900000001"]}).json()[
            "id"
        ]
        for n in range(3)
    ]
    page = http.get("/v1/segments", params={"limit": 3}).json()
    assert [s["id"] for s in page["data"]] == ids[::-1]
    assert page["has_more"] is True
    last = http.get("/v1/segments", params={"starting_after": page["next_cursor"]}).json()
    assert [s["id"] for s in last["data"]] == ["seg_ZZ11"]
    assert last["has_more"] is False
