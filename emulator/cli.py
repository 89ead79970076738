"""The `gtemu` command: one sub-command per module in `emulator.commands`."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from emulator.commands import consolidate, demo, export, lint, preview, reset, serve, work

# Each module defines `HELP` (its line in `gtemu --help`) and `add_parser(subparsers)` (which
# sets `func` on its parser); the subcommands are listed in this order. The modules import
# their heavy dependencies inside `run`, so that importing them all costs next to nothing
# (docs/interfaces.md#startup).
COMMANDS = (serve, work, demo, preview, lint, consolidate, export, reset)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """gtemu's parser. With `command`, only that command's parser is built in full and the others
    are listed by name and help line, which is all `gtemu --help` shows: building a parser can
    be costly (`gtemu demo --task` lists the task-type catalogue's demos)."""
    parser = argparse.ArgumentParser(
        prog="gtemu",
        description="Local emulator and testing harness for SageMaker Ground Truth.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        if command is None or _name(module) == command:
            module.add_parser(subparsers)
        else:
            subparsers.add_parser(_name(module), help=module.HELP)
    return parser


def _name(module: ModuleType) -> str:
    return module.__name__.rpartition(".")[2]


def _command_named(argv: Sequence[str]) -> str:
    """The command `argv` runs: its first word that is not an option (gtemu's own options
    take no value), or "" when there is none (`gtemu --help`, no command at all)."""
    return next((word for word in argv if not word.startswith("-")), "")


# The exit status of a command whose reader closed the pipe (`gtemu lint ... | head`): what a
# process killed by SIGPIPE reports, as `cat` or `grep` would.
BROKEN_PIPE_STATUS = 128 + 13


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_named(argv))
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


# A gtemu process holds a large heap for its whole life (botocore's service models, moto's
# objects, the state it serves) and allocates heavily; with Python's default young generation of
# 700 objects, full collections walked that heap again and again: a fifth of `gtemu demo`'s CPU
# (3.6-4.1 s of CPU, 3.0-3.3 s with this). 50,000 makes full collections rare (one per 5 million
# allocations instead of 70,000); what cycles leave behind waits a little longer.
YOUNG_GENERATION = 50_000


def run() -> int:
    """The `gtemu` program (its console script, `python -m emulator.cli`): `main` in a process
    of its own, with the garbage collector tuned for it. `main()` called by other code (tests,
    scripts) leaves that process's collector as it was."""
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
    return main()


if __name__ == "__main__":
    sys.exit(run())
