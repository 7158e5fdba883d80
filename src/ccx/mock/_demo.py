"""The documented demo world, so every example in the docs runs verbatim against the mock.

Two sandbox workspaces: "Demo Workspace" (the docs' templates, the ``seg_ZZ11`` segment and an
all-scopes token) and "Other Workspace" (its own token and data, for tenancy tests). The
secrets are fixed so examples can quote them; see docs/mock-server.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccx.types.enums import TemplateCategory

from ._records import SegmentRecord, TemplateRecord, TokenRecord
from ._state import MockState
from ._workspace import Workspace

__all__ = [
    "DEMO_SEGMENT_ID",
    "DEMO_TOKEN",
    "DEMO_WORKSPACE_ID",
    "OTHER_TOKEN",
    "OTHER_WORKSPACE_ID",
    "DemoWorld",
    "seed_demo_world",
]

DEMO_WORKSPACE_ID = "wks_demo"
DEMO_TOKEN = "ccx_test_demo_0123456789abcdef0123456789"
DEMO_SEGMENT_ID = "seg_ZZ11"
OTHER_WORKSPACE_ID = "wks_other"
OTHER_TOKEN = "ccx_test_other_0123456789abcdef012345678"

_DEMO_TEMPLATES: tuple[tuple[str, str, TemplateCategory, str], ...] = (
    (
        "order_confirmation",
        "pt_BR",
        "utility",
        "Olá {{1}}, seu pedido {{2}} no valor de {{3}} foi confirmado.",
    ),
    (
        "black_friday_2026",
        "pt_BR",
        "marketing",
        "Black Friday chegou: até 70% de desconto só hoje! Responda SAIR para não receber mais.",
    ),
    ("signup_otp", "en", "authentication", "{{1}} is your verification code."),
)


@dataclass(frozen=True)
class DemoWorld:
    """What the seed created, for servers and tests that need the ids and secrets."""

    workspace: Workspace
    token: TokenRecord
    other_workspace: Workspace
    other_token: TokenRecord


def _add_template(
    *,
    workspace: Workspace,
    name: str,
    language: str,
    category: TemplateCategory,
    body: str,
) -> None:
    workspace.templates[name] = TemplateRecord(
        id=f"tpl_{name}",
        name=name,
        language=language,
        category=category,
        body=body,
        created_at=workspace.clock.now(),
        status="approved",
    )


def seed_demo_world(state: MockState) -> DemoWorld:
    """Create the demo workspaces; the demo token's secret is ``config.sandbox_token`` if set."""
    demo = state.add_workspace("Demo Workspace", plan="pro", id=DEMO_WORKSPACE_ID)
    for name, language, category, body in _DEMO_TEMPLATES:
        _add_template(workspace=demo, name=name, language=language, category=category, body=body)
    demo.segments[DEMO_SEGMENT_ID] = SegmentRecord(
        id=DEMO_SEGMENT_ID,
        name="Black Friday audience",
        recipients=tuple(f"+55119{number:08d}" for number in range(1_000)),
        created_at=demo.clock.now(),
    )
    token = state.add_token(
        demo, name="Demo sandbox token", secret=state.config.sandbox_token or DEMO_TOKEN
    )

    other = state.add_workspace("Other Workspace", plan="pro", id=OTHER_WORKSPACE_ID)
    _add_template(
        workspace=other,
        name="welcome",
        language="en",
        category="utility",
        body="Welcome, {{1}}!",
    )
    other.segments["seg_OTHER1"] = SegmentRecord(
        id="seg_OTHER1",
        name="Other audience",
        recipients=("+15551230001", "+15551230002", "+15551230003"),
        created_at=other.clock.now(),
    )
    other_token = state.add_token(other, name="Other sandbox token", secret=OTHER_TOKEN)
    return DemoWorld(demo, token, other, other_token)
