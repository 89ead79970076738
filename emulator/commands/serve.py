"""`gtemu serve`: the fake AWS endpoint with Ground Truth, and the worker UI, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.commands.arguments import host_problem, port, port_in_use
from emulator.commands.interrupt import wait_until_interrupted
from emulator.store import StateDirError, default_state_dir
from emulator.worker_token import TOKEN_ENV

if TYPE_CHECKING:
    from emulator.server import GtemuServer


HELP = "run the fake AWS endpoint (SageMaker Ground Truth, S3, ...) and the worker UI"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=HELP,
        description=(
            "Run moto's server with the SageMaker Ground Truth operations, the worker UI, and "
            "real-time labeling jobs. Stop with Ctrl-C."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port, default=5000, help="AWS endpoint port (default 5000; 0 = any free)"
    )
    parser.add_argument(
        "--ui-port", type=port, default=8080, help="worker UI port (default 8080; 0 = any free)"
    )
    parser.add_argument(
        "--region", default="us-east-1", help="region shown in the printed environment"
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument(
        "--state-dir",
        type=Path,
        help=f"keep state here across restarts (default {default_state_dir()}); "
        "see docs/durability.md",
    )
    state.add_argument(
        "--ephemeral", action="store_true", help="keep state in memory only, lost on exit"
    )
    parser.add_argument(
        "--strict-sign-in",
        action="store_true",
        help="workers sign in to the portal only as Cognito users of their team's group (no "
        "name-only sign-in for teams whose group has no users); see docs/portal.md",
    )
    parser.add_argument(
        "--recover",
        action="store_true",
        help="if the state directory is damaged, keep everything up to the last good change and "
        "move the rest aside (into DIR/set-aside/) instead of refusing to start",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The server (Flask, the engine, ...) is imported here, not at the top: a bad flag or
    # --help answers at once (docs/interfaces.md#startup).
    from emulator.server import GtemuServer

    problem = host_problem(args.host)
    if problem:
        print(f"gtemu serve: cannot listen on --host {args.host}: {problem}", file=sys.stderr)
        return 2
    for flag, number in (("--port", args.port), ("--ui-port", args.ui_port)):
        if port_in_use(args.host, number):
            print(
                f"gtemu serve: port {number} on {args.host} is already in use: stop what listens "
                f"there or choose another with {flag} (0 = any free port)",
                file=sys.stderr,
            )
            return 1
    if args.port and args.port == args.ui_port:
        print(f"gtemu serve: --port and --ui-port are both {args.port}: choose two ports",
              file=sys.stderr)
        return 2
    state_dir = None if args.ephemeral else (args.state_dir or default_state_dir())
    if state_dir is not None:
        problem = _state_dir_problem(state_dir)
        if problem:
            print(f"gtemu serve: --state-dir {state_dir}: {problem}", file=sys.stderr)
            return 2
    ui_config: dict[str, Any] = {"STRICT_SIGN_IN": args.strict_sign_in}
    if os.environ.get(TOKEN_ENV):  # the same token for gtemu serve and gtemu work
        ui_config["WORKER_TOKEN"] = os.environ[TOKEN_ENV]
    server = GtemuServer(args.host, args.port, args.ui_port, state_dir=state_dir,
                         recover=args.recover, ui_config=ui_config)
    try:
        server.start()
    except StateDirError as error:
        print(f"gtemu serve: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"gtemu serve: cannot listen on --host {args.host}: {reason}", file=sys.stderr)
        return 1
    _print_banner(server, args.region)
    try:
        wait_until_interrupted()
    finally:
        print("gtemu serve: stopping", flush=True)
        server.stop()
    return 0


def _state_dir_problem(state_dir: Path) -> str | None:
    """Why `state_dir` cannot hold gtemu's state (None when it can), before anything starts."""
    if state_dir.exists() and not state_dir.is_dir():
        return "exists and is not a folder"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot be created: {error.strerror or error}"
    return None  # a folder gtemu may not write is the state directory's own error (StateDirError)


def _print_banner(server: GtemuServer, region: str) -> None:
    from emulator.server import is_loopback  # see run

    lines = [
        f"gtemu: AWS endpoint (SageMaker Ground Truth, S3, ...) on {server.endpoint_url}",
    ]
    if server.ui_url:
        lines.append(f"gtemu: worker UI on {server.ui_url}")
    if server.state_dir is None:
        lines.append("gtemu: state is in memory only (--ephemeral): it is lost when gtemu stops")
    else:
        lines.append(
            f"gtemu: state kept in {server.state_dir} ({server.replayed_changes} changes "
            f"replayed in {server.replay_seconds:.2f} s)"
        )
        for path in server.set_aside:
            lines.append(f"gtemu: --recover set damaged state aside: {path}")
    if server.worker_token:
        kept = "" if server.state_dir is None else f", kept in {server.state_dir}/worker-token"
        lines.append(f"gtemu: worker token for the workers' API /api/v1 (gtemu work reads it by "
                     f"itself{kept}): {server.worker_token}")
    lines.append("Point your AWS SDK or the AWS CLI at it:")
    lines += [f"  export {name}={value}" for name, value in server.environment(region).items()]
    lines.append("Press Ctrl-C to stop.")
    if not is_loopback(server.host):
        lines.insert(
            0,
            f"WARNING: gtemu is listening on {server.host}, not on a loopback address. Anyone "
            "who can reach this machine can read and change its fake AWS state and S3 objects.",
        )
    print("\n".join(lines), flush=True)
