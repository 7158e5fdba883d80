"""The whole mock: its configuration, its workspaces, and the directory of token secrets.

This is the only server-wide state, and it holds nothing a tenant owns: each `Workspace` owns
its records, clock, queue, limits and delivery pool. The directory maps a bearer secret to its
token (and so to its workspace), as an API gateway would; it is journaled like the records, so a
failed ``tokens.create`` or ``rotate`` leaves no secret behind.

Clocks: the clock the server is given (or makes from the configuration) is the first
workspace's, the demo workspace when the demo world is seeded; every later workspace starts
with a `Clock.fork` of it (same reading, same pace) and then moves on its own. `advance` moves
them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from ccx.types.enums import Environment

from ._clock import LATEST, Clock, isoformat
from ._config import MockConfig
from ._ratelimit import RateLimiter
from ._records import ALL_SCOPES, TokenRecord, new_id, new_secret
from ._transaction import Table
from ._workspace import Workspace

__all__ = ["MockState"]

_ADDRESSES_KEPT = 10_000
"""Client addresses whose rate-limit windows are kept; the first seen is forgotten first."""


class MockState:
    """The configuration, the workspaces by id, and the token directory."""

    def __init__(
        self, config: MockConfig, clock: Clock, *, server_fault_seed: int | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        """The first workspace's clock (the demo workspace's, when the demo world is seeded)."""
        self.workspaces: dict[str, Workspace] = {}
        self.tokens_by_secret: Table[str, TokenRecord] = Table()
        """Each token's current secret and its previous one (until the next rotation), each
        pointing at its token."""
        self.address_limits = RateLimiter(
            config.rate_limit_per_minute,
            config.burst_per_second,
            subject="client address",
            max_keys=_ADDRESSES_KEPT,
        )
        """Limits for requests without a valid token, per client address, on ``clock``."""
        self._server_fault_seed = server_fault_seed

    def __repr__(self) -> str:
        return f"MockState(workspaces={list(self.workspaces)!r})"

    # -- workspaces --------------------------------------------------------------------------

    def add_workspace(
        self, name: str, *, plan: str = "pro", sandbox: bool = True, id: str | None = None
    ) -> Workspace:
        clock = self.clock if not self.workspaces else self.clock.fork()
        workspace = Workspace(
            id=id or new_id("wks"),
            name=name,
            plan=plan,
            sandbox=sandbox,
            config=self.config,
            clock=clock,
            server_fault_seed=self._server_fault_seed,
        )
        self.workspaces[workspace.id] = workspace
        return workspace

    def workspace_of(self, token: TokenRecord) -> Workspace:
        return self.workspaces[token.workspace_id]

    async def advance(self, seconds: float) -> None:
        """Move every workspace's clock ``seconds`` forward, firing what falls due in each."""
        clocks = [workspace.clock for workspace in self.workspaces.values()] or [self.clock]
        room = min(clock.room_to_advance() for clock in clocks)
        if seconds > room:  # refused before any clock moves, so the clocks stay in step
            raise ValueError(
                f"advance({seconds!r}) would take a workspace clock past the end of its calendar "
                f"({isoformat(LATEST)}); every clock can move {room:.0f} s more"
            )
        for clock in clocks:
            await clock.advance(seconds)

    def next_due_in(self) -> float | None:
        """Clock seconds until the soonest timer of any workspace, or None when none is set."""
        waits = [
            deadline - workspace.clock.now()
            for workspace in self.workspaces.values()
            if (deadline := workspace.clock.next_deadline()) is not None
        ]
        return max(0.0, min(waits)) if waits else None

    async def aclose(self) -> None:
        for workspace in self.workspaces.values():
            await workspace.aclose()

    # -- tokens ------------------------------------------------------------------------------

    def add_token(
        self,
        workspace: Workspace,
        *,
        scopes: Iterable[str] = ALL_SCOPES,
        environment: Environment = "test",
        name: str | None = None,
        ttl_seconds: float | None = None,
        secret: str | None = None,
    ) -> TokenRecord:
        now = workspace.clock.now()
        token = TokenRecord(
            id=new_id("tok"),
            workspace_id=workspace.id,
            environment=environment,
            scopes=frozenset(scopes),
            created_at=now,
            secret=secret or new_secret(environment),
            name=name,
            expires_at=None if ttl_seconds is None else now + ttl_seconds,
        )
        workspace.tokens[token.id] = token
        self.tokens_by_secret[token.secret] = token
        return token

    def rotate_token(self, workspace: Workspace, token: TokenRecord) -> None:
        """Give ``token`` a new secret; the old one keeps working for the configured overlap."""
        if token.previous_secret is not None:
            self.tokens_by_secret.pop(token.previous_secret, None)
        token.previous_secret = token.secret
        token.previous_secret_expires_at = (
            workspace.clock.now() + self.config.token_rotation_overlap_seconds
        )
        token.secret = new_secret(token.environment)
        self.tokens_by_secret[token.secret] = token

    def valid_token(self, secret: str) -> TokenRecord | None:
        """The live token ``secret`` names, judged on its workspace's clock; changes nothing."""
        token = self.tokens_by_secret.get(secret)
        if token is None:
            return None
        now = self.workspace_of(token).clock.now()
        if token.revoked_at is not None or token.is_expired(now):
            return None
        if secret != token.secret:
            expires_at = token.previous_secret_expires_at
            if expires_at is None or now >= expires_at:
                return None
        return token
