"""``python -m ccx.mock`` / ``ccx-mock``: serve the mock API on a local port.

ccx-mock --port 4010 --time-scale 60 --faults "error_rate=0.1,status=503"
ccx-mock --clock-start 2026-11-20T00:00:00Z   # dated examples run the same on any day
ccx-mock --no-inbox                           # no web inbox at /inbox/
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import socket
import sys
from collections.abc import Sequence

import uvicorn

from ._app import create_app
from ._clock import clock_start_seconds
from ._config import MockConfig
from ._demo import DEMO_TOKEN, OTHER_TOKEN
from ._faults import FaultSpecError, quiet_injected_drops
from ._http import server_config
from ._server import listening_socket

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccx-mock",
        description="Serve the CCX mock API: the whole API in memory, with a demo workspace.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=4010, help="port to listen on")
    parser.add_argument(
        "--token",
        default=os.environ.get("CCX_MOCK_TOKEN"),
        help="secret of the demo sandbox token (default: $CCX_MOCK_TOKEN, else the documented one)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="mock seconds per real second (60: a minute passes every second)",
    )
    parser.add_argument(
        "--clock-start",
        default=None,
        metavar="RFC3339",
        help="start the mock clock at this instant, e.g. 2026-11-20T00:00:00Z (default: now)",
    )
    parser.add_argument(
        "--faults", default=None, help='faults on every request, e.g. "error_rate=0.1,status=503"'
    )
    parser.add_argument(
        "--rate-limit-per-minute",
        type=int,
        default=MockConfig.rate_limit_per_minute,
        help="requests per token per minute before soft throttling (default: %(default)s)",
    )
    parser.add_argument(
        "--burst-per-second",
        type=int,
        default=MockConfig.burst_per_second,
        help="requests per token per second (default: %(default)s)",
    )
    parser.add_argument(
        "--no-inbox",
        dest="inbox",
        action="store_false",
        help="do not serve the web inbox at /inbox/",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


def _keep_full_collections_short() -> None:
    """Exclude what survives a full collection from the next ones.

    The mock keeps weeks of history (messages, events, audit entries), so without this every
    full collection scans all of it and its pause grows with the heap: under a sustained 1,200 req/s
    the p99 latency followed those pauses (15 ms, then 200 ms after 40 s). Freezing after each
    full collection keeps them short. Objects still free by reference counting; only cycles
    among frozen objects stay. Done in the server process only: `MockServer` runs inside the
    user's own process, whose collector is not ours to tune.
    """

    def refreeze(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    gc.freeze()
    gc.callbacks.append(refreeze)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    if arguments.time_scale <= 0:
        raise SystemExit("--time-scale must be positive")
    if arguments.token is not None and not arguments.token.startswith("ccx_test_"):
        raise SystemExit("--token must be a sandbox token starting with ccx_test_")
    if arguments.rate_limit_per_minute < 1 or arguments.burst_per_second < 1:
        raise SystemExit("--rate-limit-per-minute and --burst-per-second must be at least 1")
    try:
        clock_start = (
            None if arguments.clock_start is None else clock_start_seconds(arguments.clock_start)
        )
    except ValueError as error:
        raise SystemExit(f"--clock-start: {error}") from None
    config = MockConfig(
        time_scale=arguments.time_scale,
        clock_start=clock_start,
        faults=arguments.faults,
        sandbox_token=arguments.token,
        rate_limit_per_minute=arguments.rate_limit_per_minute,
        burst_per_second=arguments.burst_per_second,
        inbox=arguments.inbox,
    )
    try:
        app = create_app(config)
    except FaultSpecError as error:
        raise SystemExit(f"--faults: {error}") from None
    listener = _bind(arguments.host, arguments.port)
    host, port = listener.getsockname()[:2]
    url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    print(f"CCX mock API on {url}", file=sys.stderr)
    print(f"  CCX_BASE_URL={url}", file=sys.stderr)
    print(f"  CCX_API_KEY={arguments.token or DEMO_TOKEN}  (Demo Workspace)", file=sys.stderr)
    print(f"  second workspace token: {OTHER_TOKEN}", file=sys.stderr)
    if config.inbox:
        token = arguments.token or DEMO_TOKEN
        print(f"  inbox: {url}/inbox/?token={token}", file=sys.stderr)
    server = uvicorn.Server(
        server_config(
            app,
            config,
            log_level="info" if arguments.access_log else "warning",
            access_log=arguments.access_log,
            shutdown_seconds=5,
        )
    )
    quiet_injected_drops()  # after uvicorn set up its loggers
    _keep_full_collections_short()
    server.run(sockets=[listener])


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed: a busy port is one line, exit 2."""
    try:
        return listening_socket(host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(f"ccx-mock: port {port} is in use; try --port 0 or another port", file=sys.stderr)
        else:
            print(f"ccx-mock: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
