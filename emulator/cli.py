"""The `gtemu` command: one sub-command per module in `emulator.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `add_parser(subparsers)` (which sets `func` on its parser).
COMMANDS = ("serve", "work", "demo", "preview", "lint", "consolidate", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gtemu",
        description="Local emulator and testing harness for SageMaker Ground Truth.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"emulator.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"emulator.commands.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
