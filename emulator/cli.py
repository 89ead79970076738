"""The `gtemu` command: one sub-command per module in `emulator.commands`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from emulator.commands import consolidate, demo, export, lint, preview, reset, serve, work

# Each module defines `add_parser(subparsers)` (which sets `func` on its parser); the
# subcommands are listed in this order.
COMMANDS = (serve, work, demo, preview, lint, consolidate, export, reset)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gtemu",
        description="Local emulator and testing harness for SageMaker Ground Truth.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


# The exit status of a command whose reader closed the pipe (`gtemu lint ... | head`): what a
# process killed by SIGPIPE reports, as `cat` or `grep` would.
BROKEN_PIPE_STATUS = 128 + 13


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unrecognized = parser.parse_known_args(argv)
    if unrecognized:
        # A mistyped flag is the sub-command's mistake: show that command's usage, not gtemu's.
        command = _subparsers(parser).get(args.command, parser)
        command.error(f"unrecognized arguments: {' '.join(unrecognized)}")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE_STATUS
    except KeyboardInterrupt:
        return 130


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _discard_stdout() -> None:
    """The reader of stdout is gone: point stdout at /dev/null so that the interpreter's final
    flush does not print a second BrokenPipeError at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
